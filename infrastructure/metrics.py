"""FleetID's Prometheus metrics, one set per process, and the adapter the throttle counts through.

prometheus_client keeps a metric's values per process: in memory, or, when the process starts
with PROMETHEUS_MULTIPROC_DIR set (`fleetid serve`, see infrastructure/metrics_dir.py), in files
there that any process of the run can merge at scrape time. Metrics are module-level because the
library keys those files by metric name; they are registered on FleetID's own registry rather
than the library's default one, so a scrape shows FleetID's metrics alike in both modes.

Label values come from small fixed sets (route templates, writer names, protocols): never an
id, a secret or an identity, and never anything a client chooses.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 5000)

HTTP_REQUESTS = Counter(
    "fleetid_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "fleetid_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
COMMIT_BATCH_SIZE = Histogram(
    "fleetid_commit_batch_size",
    "Submissions (a command's events, a message pack's rows) committed in one transaction",
    ["writer"],
    buckets=BATCH_BUCKETS,
    registry=REGISTRY,
)
COMMIT_DURATION = Histogram(
    "fleetid_commit_duration_seconds",
    "Time a batch takes to commit, per-submission retries after a refusal included",
    ["writer"],
    buckets=COMMIT_BUCKETS,
    registry=REGISTRY,
)
TELEMETRY_RECORDS = Counter(
    "fleetid_telemetry_records_stored",
    "SenML records committed to the message store, by the protocol they arrived over",
    ["protocol"],
    registry=REGISTRY,
)
MQTT_CONNECTIONS = Gauge(
    "fleetid_mqtt_connections",
    "Open connections to the embedded MQTT broker",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
MQTT_PUBLISHES = Counter(
    "fleetid_mqtt_publishes",
    "PUBLISH packets the embedded broker read (QoS 0 or 1, a valid topic, retransmissions"
    " included), by kind of topic: `telemetry` or gateway `command`",
    ["kind"],
    registry=REGISTRY,
)
THROTTLE_REFUSALS = Counter(
    "fleetid_throttle_refusals",
    "Secret checks refused unchecked because a client or an identity must wait, by limit",
    ["limit"],
    registry=REGISTRY,
)


class PrometheusRefusals:
    """The throttle's refusals (application.ports.metrics.RefusalCounter), as a counter."""

    def refused(self, limit: str) -> None:
        THROTTLE_REFUSALS.labels(limit).inc()
