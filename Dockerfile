# FleetID image: `docker build -t fleetid .`, then `docker run -p 8080:8080 -p 1883:1883 fleetid`.
# Two stages: the build stage installs into a virtualenv, the runtime stage copies only that
# virtualenv, so pip caches and build leftovers stay out of the final image.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The pinned dependencies first, in their own layer: it is rebuilt only when the lock changes.
# (requirements.lock also pins the test and lint tools; they are installed too, to keep one lock.)
COPY requirements.lock ./
RUN pip install -r requirements.lock
# Then the project itself, without resolving dependencies again. pyproject.toml names README.md
# as the package readme, so the build needs it.
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY infrastructure ./infrastructure
COPY interfaces ./interfaces
RUN pip install --no-deps .

FROM python:3.11-slim
# `docker build --build-arg FLEETID_BUILD_COMMIT=$(git rev-parse HEAD) --build-arg
# FLEETID_BUILD_TIME=$(date -u +%FT%TZ) .`: what GET /health reports.
ARG FLEETID_BUILD_COMMIT=unknown
ARG FLEETID_BUILD_TIME=unknown
ENV PATH=/opt/venv/bin:$PATH \
    FLEETID_BUILD_COMMIT=$FLEETID_BUILD_COMMIT \
    FLEETID_BUILD_TIME=$FLEETID_BUILD_TIME \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLEETID_DATA_DIR=/data \
    FLEETID_HTTP_HOST=0.0.0.0 \
    FLEETID_HTTP_PORT=8080 \
    FLEETID_MQTT_HOST=0.0.0.0 \
    FLEETID_MQTT_PORT=1883
# A fixed uid/gid makes it easy to prepare a bind-mounted data directory: chown 10001:10001.
RUN groupadd --system --gid 10001 fleetid \
 && useradd --system --uid 10001 --gid fleetid --home-dir /nonexistent --no-create-home fleetid \
 && mkdir /data && chown fleetid:fleetid /data && chmod 0700 /data \
 && mkdir -p /mosquitto/files && chown fleetid:fleetid /mosquitto/files
COPY --from=build /opt/venv /opt/venv
# /mosquitto/files: where FleetID writes Mosquitto's credential files when it runs behind
# Mosquitto (docker-compose.mosquitto.yml); a volume mounted there takes this ownership.
# Key files (and the SQLite database when FLEETID_DATABASE_URL is unset) live here: keep it.
# An empty named volume takes the ownership of /data above; a bind mount keeps the host's.
VOLUME ["/data"]
USER fleetid
EXPOSE 8080 1883
# No curl in the slim image; urlopen raises (exit 1) on connection errors and non-2xx replies,
# and /health answers 503 when the database does not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('FLEETID_HTTP_PORT', '8080') + '/health', timeout=4)"]
ENTRYPOINT ["fleetid"]
CMD ["serve"]
