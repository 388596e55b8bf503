"""Settings, read once from `FLEETID_*` environment variables by the composition root."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit
from uuid import UUID

PREFIX = "FLEETID_"
INGESTS = ("subscribe", "hooks")
SMTP_SECURITY = ("starttls", "tls", "none")
LOG_FORMATS = ("text", "json")
CARDANO_NETWORKS = ("testnet", "mainnet")
MIN_ADMIN_KEY = 16
MAX_ADMIN_KEY_GRACE = 30 * 24 * 3600.0
"""Thirty days: a replaced admin key works at most this long."""
THROTTLE_SETTINGS = (
    "throttle_identity_failures",
    "throttle_client_failures",
    "throttle_first_delay",
    "throttle_max_delay",
    "throttle_forget_after",
)


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".fleetid")
    database_url: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    admin_identity: str = ""
    admin_secret: str = ""
    self_registration: bool = True
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 24 * 60 * 60
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 64 * 1024 * 1024
    """The largest certificate batch upload (CSRs or CSV): 10,000 CSRs are about 10 MB."""
    argon2_memory_kib: int = 19 * 1024
    argon2_iterations: int = 2
    consistency_timeout: float = 5.0
    http_workers: int = 1
    handler_threads: int = 32
    password_reset_link: str = ""
    """The page reset e-mails link to, the token appended (`https://console.example/reset?token=`);
    empty: the e-mail carries the token alone."""
    password_reset_ttl: int = 15 * 60
    """Seconds a password reset token lives."""
    smtp_host: str = ""
    """The SMTP server reset e-mails go through; empty: they wait in the mail_outbox table."""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "fleetid@localhost"
    smtp_security: str = "starttls"
    """`starttls`, `tls` (implicit, usually port 465) or `none` (a relay on the same host)."""
    build_commit: str = "unknown"
    """The commit the running build was made from (the image sets it; `GET /health` shows it)."""
    build_time: str = "unknown"
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    """The embedded MQTT broker's port (`fleetid serve` and `fleetid mqtt serve`)."""
    mqtt_url: str = ""
    """An external broker FleetID connects to (`mqtt://user:password@host:port`) instead of
    running its own: it ingests telemetry and gateway commands from there."""
    mqtt_ingest: str = "subscribe"
    """How telemetry from an external broker reaches FleetID: `subscribe` (its account
    subscribes, Mosquitto) or `hooks` (the broker posts each message, EMQX and VerneMQ)."""
    mqtt_hook_secret: str = ""
    """What the broker hooks' callers must present (bearer token or basic-auth password);
    without it the hooks are not served (404)."""
    mqtt_max_packet: int = 256 * 1024
    """The largest MQTT packet a client may send, in bytes (the broker refuses larger ones)."""
    log_sign_interval: float = 60.0
    """Seconds between the tree heads signed while the event log grows (auditors may also
    ask for one at any time)."""
    throttle_identity_failures: int = 5
    """Failed sign-ins in a row an identity may have before each further attempt waits
    (0: no limit per identity)."""
    throttle_client_failures: int = 50
    """Failed secret checks a client address may have (sign-in, thing secrets, broker hooks)
    before each further attempt waits (0: no limit per client)."""
    throttle_first_delay: float = 1.0
    """Seconds the first wait lasts; each further failure doubles it."""
    throttle_max_delay: float = 900.0
    """The longest wait, in seconds."""
    throttle_forget_after: float = 3600.0
    """Seconds without a failure after which a count starts again (keep it above the longest
    wait)."""
    trusted_proxies: str = ""
    """Comma-separated addresses of reverse proxies whose X-Forwarded-For names the client
    (empty: the socket's peer is the client)."""
    mosquitto_dir: str = ""
    """Where to keep Mosquitto's password and ACL files in step with the registry (empty: no)."""
    mosquitto_pid_file: str = ""
    """Mosquitto's pid file, to make it reload those files (empty: they are only written)."""
    log_format: str = "text"
    """`text` (one readable line per record) or `json` (one JSON object per line, with the
    request id of the HTTP request it was logged for)."""
    vacuum_after: int = 1000
    """PostgreSQL: row versions a read-model table may have closed before the projecting process
    vacuums it (at most every 2 s); 0 leaves it to autovacuum."""
    writer_socket: str = ""
    """Set by `fleetid serve` for its HTTP workers and MQTT process: the Unix socket of the
    writer process, which commits their saves and applies the projections. Empty: this process
    commits its own saves, and applies the projections if no other process does."""
    public_url: str = ""
    """Where clients reach this server (`https://fleet.example.com`): the URLs certificates name
    for their CRL, OCSP responder and issuer's certificate start with it. Empty: the HTTP listen
    address, which suits a single host only."""
    issue_workers: int = 0
    """Worker processes that make certificates under `fleetid serve`; 0: one per core."""
    batch_retention_days: int = 30
    """Days a ready batch's server-made private keys are kept for download; then they are
    destroyed ("Zip removed after expiration") and its certificates stay valid."""
    admin_api_key: str = ""
    """What callers of the admin API (`/api/v1/admin`) present in `x-admin-api-key`, at least
    16 characters; empty (and no file): the admin API is not served (404)."""
    admin_api_key_file: str = ""
    """A file holding the admin API key instead (a mounted secret); its surrounding whitespace
    is not part of the key."""
    admin_key_grace: float = 3600.0
    """Seconds the keys replaced by `fleetid admin-key rotate` keep working."""
    agent_url: str = ""
    """The identity agent `GET /api/v1/admin` names (`agent`); empty: this server, which resolves
    its entities' DIDs itself."""
    cardano_network: str = "testnet"
    """The network entities' wallet addresses are for: `testnet` (`addr_test1…`) or `mainnet`."""
    metrics_token: str = ""
    """What a scraper of `GET /metrics` must present as a bearer token; empty: anyone who
    reaches the port may read the metrics."""

    secret_names = frozenset(
        {
            "admin_secret",
            "admin_api_key",
            "database_url",
            "metrics_token",
            "mqtt_url",
            "mqtt_hook_secret",
            "smtp_password",
        }
    )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'fleetid.db'}"

    @property
    def proxies(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite:")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f.name, raw, f.default)
        settings = cls(**values)  # type: ignore[arg-type]
        scheme = urlsplit(settings.effective_database_url).scheme
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise SettingsError(
                f"{PREFIX}DATABASE_URL must start with sqlite:/// or postgresql://, not {scheme!r}"
            )
        if settings.smtp_security not in SMTP_SECURITY:
            raise SettingsError(f"{PREFIX}SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}")
        if settings.log_format not in LOG_FORMATS:
            raise SettingsError(f"{PREFIX}LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if settings.mqtt_ingest not in INGESTS:
            raise SettingsError(f"{PREFIX}MQTT_INGEST must be one of {', '.join(INGESTS)}")
        if settings.mqtt_ingest == "hooks" and not settings.mqtt_hook_secret:
            raise SettingsError(
                f"{PREFIX}MQTT_INGEST=hooks needs {PREFIX}MQTT_HOOK_SECRET: without it the "
                "broker hooks are not served"
            )
        if settings.issue_workers < 0 or settings.batch_retention_days < 1:
            raise SettingsError(
                f"{PREFIX}ISSUE_WORKERS must not be negative, {PREFIX}BATCH_RETENTION_DAYS at "
                "least 1"
            )
        if settings.public_url and urlsplit(settings.public_url).scheme not in ("http", "https"):
            raise SettingsError(f"{PREFIX}PUBLIC_URL must be an http(s) URL")
        if settings.vacuum_after < 0:
            raise SettingsError(f"{PREFIX}VACUUM_AFTER must not be negative")
        for name in THROTTLE_SETTINGS:
            if getattr(settings, name) < 0:
                raise SettingsError(f"{PREFIX}{name.upper()} must not be negative")
        settings = _with_admin_key(settings)
        if settings.cardano_network not in CARDANO_NETWORKS:
            raise SettingsError(
                f"{PREFIX}CARDANO_NETWORK must be one of {', '.join(CARDANO_NETWORKS)}"
            )
        if settings.agent_url and not _is_web_url(settings.agent_url):
            raise SettingsError(f"{PREFIX}AGENT_URL must be an http(s) URL with a host")
        if not 0 <= settings.admin_key_grace <= MAX_ADMIN_KEY_GRACE:
            raise SettingsError(
                f"{PREFIX}ADMIN_KEY_GRACE must be 0 to {MAX_ADMIN_KEY_GRACE:.0f} seconds"
            )
        if settings.mqtt_url:
            settings.broker  # noqa: B018 - validates the URL now, not when first used
        return settings

    @property
    def agent(self) -> str:
        """`agent_url`, or this server's."""
        return self.agent_url or self.base_url + "/"

    @property
    def base_url(self) -> str:
        """`public_url`, or the listen address's."""
        return self.public_url.rstrip("/") or f"http://{self.http_host}:{self.http_port}"

    @property
    def external_broker(self) -> "BrokerAccount | None":
        """FleetID's account at the external broker; None: the embedded broker serves alone."""
        return self.broker if self.mqtt_url else None

    @property
    def broker_login(self) -> tuple[str, str] | None:
        """FleetID's username and password at the external broker, if there is one."""
        account = self.external_broker
        return (account.username, account.password) if account else None

    @property
    def broker(self) -> "BrokerAccount":
        """Where FLEETID_MQTT_URL points, and FleetID's account there."""
        parts = urlsplit(self.mqtt_url)
        if parts.scheme != "mqtt" or not parts.hostname or not parts.username:
            raise SettingsError(f"{PREFIX}MQTT_URL must look like mqtt://user:password@host:port")
        if _looks_like_a_thing(parts.username):
            raise SettingsError(f"{PREFIX}MQTT_URL's user must not be a thing id")
        return BrokerAccount(
            parts.hostname,
            parts.port or 1883,
            unquote(parts.username),
            unquote(parts.password or ""),
        )

    def masked(self) -> dict[str, str]:
        """Effective settings as `fleetid config` prints them: secrets never leave in clear."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url":
                value = mask_url(self.effective_database_url)
            elif f.name == "mqtt_url":
                value = mask_url(value)
            elif f.name in self.secret_names and value:
                value = "****"
            shown[PREFIX + f.name.upper()] = str(value)
        return shown


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - refuses a port out of range now
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _with_admin_key(settings: Settings) -> Settings:
    """The admin key read from its file, when one is named; either way, long enough."""
    key = settings.admin_api_key
    if settings.admin_api_key_file:
        if key:
            raise SettingsError(
                f"set {PREFIX}ADMIN_API_KEY or {PREFIX}ADMIN_API_KEY_FILE, not both"
            )
        try:
            key = Path(settings.admin_api_key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"{PREFIX}ADMIN_API_KEY_FILE cannot be read: {error}") from None
        if not key:
            raise SettingsError(f"{PREFIX}ADMIN_API_KEY_FILE is empty")
    if key and (len(key) < MIN_ADMIN_KEY or not (key.isascii() and key.isprintable())):
        raise SettingsError(
            f"the admin API key must be at least {MIN_ADMIN_KEY} printable ASCII characters "
            "(HTTP headers carry no other reliably)"
        )
    if key != key.strip():
        raise SettingsError("the admin API key must not start or end with whitespace")
    return replace(settings, admin_api_key=key)


@dataclass(frozen=True)
class BrokerAccount:
    host: str
    port: int
    username: str
    password: str


def _looks_like_a_thing(username: str) -> bool:
    try:
        UUID(username)
    except ValueError:
        return False
    return True


def mask_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@")
    return urlunsplit(parts._replace(netloc=netloc))


def _parse(name: str, raw: str, default: object) -> object:
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw)
    except ValueError:
        raise SettingsError(
            f"{PREFIX}{name.upper()}={raw!r} is not a valid {type(default).__name__}"
        ) from None
    return raw
