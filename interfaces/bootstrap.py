"""The composition root: builds FleetID from settings for the REST app, the CLI and the tests."""

import asyncio
import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.utils import get_topic

from application.ports.mail import Mailer
from application.ports.messages import MessageFeed
from application.ports.mqtt import SessionStore
from domain.causes import Cause, Interface
from domain.users import User
from infrastructure.access_history import SqlAccessHistory
from infrastructure.audit_trail import AuditTrail
from infrastructure.blind_index import HmacBlindIndex
from infrastructure.ca_certificates import SignedCaCertificates
from infrastructure.certificate_maker import InlineMaker
from infrastructure.database import (
    create_engine,
    create_schema,
    database_answers,
    outdated_tables,
)
from infrastructure.event_log_views import SqlEventLogViews
from infrastructure.event_store import EventLog, GroupCommitWriter, persistence_env
from infrastructure.failed_attempts import SqlFailureLog
from infrastructure.issued_keys import KeySeal, SqlIssuedKeys
from infrastructure.keyfiles import random_key, signing_key
from infrastructure.leadership import (
    AdvisoryLock,
    DatabaseWriteLock,
    FileLock,
    NeverLeads,
    ProjectionLock,
)
from infrastructure.log_tree import LogTree
from infrastructure.mailers import OutboxMailer, SmtpMailer, SmtpServer
from infrastructure.message_feed import SqlMessageFeed
from infrastructure.message_store import MessageWriter
from infrastructure.message_views import SqlMessageViews
from infrastructure.metrics import PrometheusRefusals
from infrastructure.metrics_exposition import Scrape
from infrastructure.mosquitto_files import MosquittoFiles, publisher_stamp
from infrastructure.mosquitto_sync import TOPICS as MOSQUITTO_TOPICS
from infrastructure.mosquitto_sync import MosquittoSync
from infrastructure.mqtt_outbox import SqlOutbox
from infrastructure.mqtt_session_store import SqlSessionStore
from infrastructure.passwords import Argon2Hasher
from infrastructure.private_files import private_dir, private_file, tighten
from infrastructure.profile_files import SHIPPED, read_profiles
from infrastructure.projection_lag import ProjectionLag
from infrastructure.projection_positions import ProjectionPositions
from infrastructure.projection_runner import Observer, ProjectionRunner
from infrastructure.raw_log import RawLog
from infrastructure.read_connections import ReadConnections
from infrastructure.remote_writer import RemoteWriter
from infrastructure.reset_requests import SqlResetRequests
from infrastructure.secret_box import AesSecretBox
from infrastructure.session_cache import TOPICS as SESSION_TOPICS
from infrastructure.session_cache import SessionStateCache
from infrastructure.settings import PREFIX, Settings
from infrastructure.software_signer import SoftwareSigner, SqlSealedKeys
from infrastructure.subject_keys import SubjectKeyring
from infrastructure.tokens import JwtCodec
from infrastructure.user_views import SqlUserViews
from infrastructure.vacuum_keeper import VacuumKeeper
from interfaces.aggregates import (
    AUTHORITIES,
    ECOSYSTEMS,
    ENTITIES,
    MEMBERS,
    PROFILES,
    USERS,
    explained_kinds,
    projections,
)
from interfaces.mqtt.router import Router
from interfaces.registry import Key, T
from interfaces.services import Services, build_services
from interfaces.wiring import Ports, ReadSide

log = logging.getLogger(__name__)


@dataclass
class FleetID:
    """What `build` made: the infrastructure it runs on, and the services (`services`, and an
    aggregate's by its key: `fleet[THINGS].commands`)."""

    settings: Settings
    engine: sa.Engine
    write_lock: AbstractContextManager[Any]
    """What SQLite's writers queue on (a no-op on PostgreSQL)."""
    reads: ReadConnections
    keyring: SubjectKeyring
    log: EventLog
    writer: GroupCommitWriter | RemoteWriter
    """The local group commit, or under `fleetid serve` the writer process's socket."""
    projections: ProjectionRunner
    message_writer: MessageWriter
    mosquitto_files: MosquittoFiles
    mosquitto_sync: MosquittoSync | None
    publisher_stamp: str
    """The user property an external broker's plugin stamps each publisher's name under."""
    mqtt_outbox: SqlOutbox
    raw_log: RawLog
    audit_trail: AuditTrail
    log_tree: LogTree
    services: Services

    def __getitem__(self, key: Key[T]) -> T:
        return self.services[key]

    def database_answers(self) -> bool:
        """Whether the database answers a trivial query now (for `/health`)."""
        return database_answers(self.engine)

    def session_store(self) -> SessionStore:
        """Where the embedded broker keeps sessions that outlive their connections; it writes
        from a thread of its own, started here (close it with the broker)."""
        return SqlSessionStore(self.engine, self.write_lock)

    def message_feed(self) -> MessageFeed:
        """The message store in arrival order, for the MQTT side to deliver HTTP packs."""
        return SqlMessageFeed(self.engine)

    def scrape(self) -> Scrape:
        """What `GET /metrics` answers: the run's metrics, and each read model's lag."""
        positions = ProjectionPositions(self.engine, [p.name for p in projections()])
        return Scrape(ProjectionLag(positions, self.raw_log))

    def mqtt_router(self) -> Router:
        """What each MQTT publish does, whichever way it reached FleetID."""
        s = self.services
        return Router(
            s.mqtt_access, s.messages, s.identity_module, lambda: self.projections.position
        )

    def close(self) -> None:
        self.audit_trail.close()
        if self.mosquitto_sync is not None:
            self.mosquitto_sync.close()
        self.projections.stop()
        self.message_writer.close()
        self.writer.close()
        self.log.close()
        self.reads.close()
        self.engine.dispose()


def mailer(
    settings: Settings, engine: sa.Engine, write_lock: AbstractContextManager[Any]
) -> Mailer:
    if not settings.smtp_host:
        return OutboxMailer(engine, write_lock)
    server = SmtpServer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_username,
        settings.smtp_password,
        settings.smtp_from,
        settings.smtp_security,
    )
    return SmtpMailer(server)


@dataclass(frozen=True)
class Storage:
    """The database, the log on it and the keys beside it: what every other adapter needs."""

    settings: Settings
    keys_dir: Path
    engine: sa.Engine
    write_lock: AbstractContextManager[Any]
    keyring: SubjectKeyring
    log: EventLog
    raw_log: RawLog
    reads: ReadConnections
    box: AesSecretBox

    @classmethod
    def open(cls, settings: Settings) -> "Storage":
        private_dir(settings.data_dir)
        keys_dir = private_dir(settings.data_dir / "keys")
        url = settings.effective_database_url
        if settings.is_sqlite:
            private_database(Path(sqlite_path(settings)))
        engine = create_engine(url)
        # The writer process made the tables before the processes committing through it
        # started; were those all to make them at once, PostgreSQL's catalog refuses some.
        owner = not settings.writer_socket
        if owner:
            create_schema(engine)
        keyring = SubjectKeyring(engine, random_key(keys_dir / "master.key"))
        event_log = EventLog(
            {**persistence_env(url), "CREATE_TABLE": "y" if owner else "n"}, keyring
        )
        return cls(
            settings,
            keys_dir,
            engine,
            database_write_lock(settings),
            keyring,
            event_log,
            RawLog(event_log.recorder, engine),
            ReadConnections(engine),
            AesSecretBox(random_key(keys_dir / "secrets.key")),
        )

    def key(self, name: str, size: int = 32) -> bytes:
        return random_key(self.keys_dir / name, size)

    def signing_key(self, name: str) -> Ed25519PrivateKey:
        return signing_key(self.keys_dir / name)


def build(
    settings: Settings,
    *,
    follow: bool = True,
    ports: Mapping[str, Any] | None = None,
    replacements: Mapping[Key[Any], Any] | None = None,
) -> FleetID:
    """Wire everything; with `follow`, catch the read models up and keep them following the log.
    `ports` replaces adapters by field of `Ports`, `replacements` an aggregate's views or
    services by key: a test swaps one part and runs the rest for real."""
    store = Storage.open(settings)
    session_states = SessionStateCache(SqlUserViews(store.reads))
    runner = projection_runner(store, session_states)
    log_tree = LogTree(store.engine, store.signing_key("log-signing.pem"), store.write_lock)
    audit_trail = AuditTrail(
        store.raw_log,
        store.engine,
        store.write_lock,
        lambda: runner.leading,
        log_tree,
        settings.log_sign_interval,
    )
    writer = event_writer(store, runner, audit_trail)
    message_writer = MessageWriter(store.engine, store.write_lock)
    adapters = shared_ports(store, runner, writer, message_writer, log_tree, session_states)
    stamp = publisher_stamp(store.key("mqtt-stamp.key", 16))
    mosquitto_files = MosquittoFiles(store.engine, store.box, stamp, settings.broker_login)
    mosquitto = mosquitto_sync(settings, mosquitto_files, runner)
    fleet = FleetID(
        settings=settings,
        engine=store.engine,
        write_lock=store.write_lock,
        reads=store.reads,
        keyring=store.keyring,
        log=store.log,
        writer=writer,
        projections=runner,
        message_writer=message_writer,
        mosquitto_files=mosquitto_files,
        mosquitto_sync=mosquitto,
        publisher_stamp=stamp,
        mqtt_outbox=SqlOutbox(store.engine, store.write_lock),
        raw_log=store.raw_log,
        audit_trail=audit_trail,
        log_tree=log_tree,
        services=build_services(
            replace(adapters, **(ports or {})),
            settings,
            ReadSide(store.reads, store.box),
            replacements,
        ),
    )
    if follow:
        start_following(fleet)
    return fleet


def event_writer(
    store: Storage, runner: ProjectionRunner, audit_trail: AuditTrail
) -> GroupCommitWriter | RemoteWriter:
    """Under `fleetid serve`, the writer process commits every process's saves."""
    if store.settings.writer_socket:
        return RemoteWriter(Path(store.settings.writer_socket), store.log, runner.adopt)
    return GroupCommitWriter(
        store.log,
        on_commit=runner.committed,
        write_lock=store.write_lock,
        committing=runner.applying,
        on_stored=audit_trail.offer,
    )


def shared_ports(
    store: Storage,
    runner: ProjectionRunner,
    writer: GroupCommitWriter | RemoteWriter,
    message_writer: MessageWriter,
    log_tree: LogTree,
    session_states: SessionStateCache,
) -> Ports:
    settings = store.settings
    keys = SqlSealedKeys(store.engine, store.write_lock)
    signer = SoftwareSigner(keys, store.key("signing-keys.key"))
    seal = KeySeal(store.key("issued-keys.key"))
    return Ports(
        reader=store.log,
        writer=writer,
        sync=runner,
        applied=lambda: runner.position,
        hasher=Argon2Hasher(settings.argon2_memory_kib, settings.argon2_iterations),
        blind=HmacBlindIndex(store.key("index.key")),
        box=store.box,
        subject_keys=store.keyring,
        tokens=JwtCodec(store.signing_key("token-signing.pem")),
        failures=SqlFailureLog(store.reads, store.write_lock),
        reset_requests=SqlResetRequests(store.engine, store.write_lock),
        signer=signer,
        ca_certificates=SignedCaCertificates(signer),
        certificate_maker=InlineMaker(signer, seal),
        issued_keys=SqlIssuedKeys(store.engine, store.write_lock, seal),
        mailer=mailer(settings, store.engine, store.write_lock),
        session_states=session_states,
        message_sink=message_writer,
        message_views=SqlMessageViews(store.reads),
        access_history=SqlAccessHistory(store.engine, explained_kinds()),
        merkle_log=log_tree,
        event_log_views=SqlEventLogViews(store.engine, store.raw_log),
        refusals=PrometheusRefusals(),
    )


def projection_runner(store: Storage, session_states: SessionStateCache) -> ProjectionRunner:
    settings = store.settings
    return ProjectionRunner(
        store.log,
        store.engine,
        projections(),
        lock=projection_lock(settings),
        write_lock=store.write_lock,
        timeout=settings.consistency_timeout,
        listen_url=None if settings.is_sqlite else settings.effective_database_url,
        observers=[
            Observer((get_topic(User.Erased),), store.keyring.observe),
            Observer(SESSION_TOPICS, session_states.observe),
        ],
        vacuum=vacuum_keeper(settings),
    )


def vacuum_keeper(settings: Settings) -> VacuumKeeper | None:
    """Only where closed versions linger (PostgreSQL) and only in a process that may project."""
    if settings.is_sqlite or settings.writer_socket or not settings.vacuum_after:
        return None
    return VacuumKeeper(settings.effective_database_url, settings.vacuum_after)


def start_following(fleet: FleetID) -> None:
    """Lead if no other process does: bring the read models up to date (rebuilding those an
    older build made), then keep them, the audit trail and Mosquitto's files following."""
    runner = fleet.projections
    if runner.try_lead():
        outdated = outdated_tables(fleet.engine, runner.tables)
        if outdated:
            log.warning("read models %s predate this build: rebuilding them", outdated)
            runner.rebuild()
        else:
            runner.catch_up()
    runner.start()
    fleet.audit_trail.start()
    if fleet.mosquitto_sync is not None:
        fleet.mosquitto_sync.start()


def mosquitto_sync(
    settings: Settings, files: MosquittoFiles, runner: ProjectionRunner
) -> MosquittoSync | None:
    """Mosquitto's password and ACL files, rewritten by the leader as the registry changes."""
    if not settings.mosquitto_dir:
        return None
    pid_file = Path(settings.mosquitto_pid_file) if settings.mosquitto_pid_file else None
    sync = MosquittoSync(files, Path(settings.mosquitto_dir), pid_file, lambda: runner.leading)
    runner.observe(Observer(MOSQUITTO_TOPICS, sync.react))
    return sync


def projection_lock(settings: Settings) -> ProjectionLock:
    if settings.writer_socket:
        return NeverLeads()
    if settings.is_sqlite:
        return FileLock(Path(f"{sqlite_path(settings)}.projections.lock"))
    return AdvisoryLock(settings.effective_database_url)


def database_write_lock(settings: Settings) -> AbstractContextManager[Any]:
    """PostgreSQL queues its writers itself; SQLite's are queued here (see DatabaseWriteLock)."""
    if settings.is_sqlite:
        return DatabaseWriteLock(Path(f"{sqlite_path(settings)}.write.lock"))
    return nullcontext()


def private_database(path: Path) -> None:
    """SQLite gives its -wal and -shm files the database file's mode when it creates them."""
    private_file(path)
    for suffix in ("-wal", "-shm"):
        tighten(path.with_name(path.name + suffix))


def sqlite_path(settings: Settings) -> str:
    return persistence_env(settings.effective_database_url)["SQLITE_DBNAME"]


def ensure_shipped_profiles(fleet: FleetID) -> None:
    """The profiles FleetID ships, loaded where their names are free: a profile an operator
    changed stays as it is."""
    cause = Cause.system(Interface.CLI)
    for name, config in read_profiles(SHIPPED):
        loaded = asyncio.run(fleet[PROFILES].commands.load(name, config, cause, replace=False))
        if loaded.changed:
            log.info("loaded profile %d, %s", loaded.number, name)


def ensure_ecosystem(fleet: FleetID) -> None:
    if asyncio.run(fleet[ECOSYSTEMS].commands.ensure(Cause.system(Interface.CLI))):
        log.info("made the certificate manager's ecosystem")


def ensure_certificate_authorities(fleet: FleetID) -> None:
    """The root, unless made or imported before, and an issuing authority for every profile
    that has none."""
    cause = Cause.system(Interface.CLI)
    commands = fleet[AUTHORITIES].commands
    if asyncio.run(commands.ensure_root(cause)):
        log.info("made the root certificate authority")
    views = fleet[AUTHORITIES].queries.views
    for profile in fleet[PROFILES].queries.views.all():
        made = asyncio.run(commands.ensure_for_profile(profile, views, cause))
        if made is not None:
            log.info("made certificate authority %d for profile %d", made, profile.number)


def ensure_wallets_shredded(fleet: FleetID) -> None:
    """A process that stopped between destroying a wallet and erasing its key left the key:
    erased here, at the next start."""
    erased = fleet[ENTITIES].commands.shred_destroyed()
    if erased:
        log.warning("erased the keys of %d destroyed wallets left by a stopped process", erased)


def note_admin_key(fleet: FleetID) -> None:
    """The record notes the key configured now: one other than last time retires every key
    rotated under that one."""
    if not fleet.settings.admin_api_key:
        return
    commands = fleet[ENTITIES].admin_keys
    if asyncio.run(commands.note_configured(Cause.system(Interface.CLI))):
        log.info("noted a newly configured admin API key: rotated keys before it no longer work")


def announce_admin_api(settings: Settings) -> None:
    if settings.admin_api_key:
        log.info("the admin API (/api/v1/admin) is served, to holders of the admin API key")
    else:
        log.warning(
            "the admin API (/api/v1/admin) is not served (404): set %sADMIN_API_KEY or "
            "%sADMIN_API_KEY_FILE to serve it",
            PREFIX,
            PREFIX,
        )


def ensure_first_admin(fleet: FleetID, via: Interface) -> None:
    """Bootstrap only: once any admin exists, the settings no longer create one."""
    settings = fleet.settings
    users = fleet[USERS]
    if settings.admin_identity and settings.admin_secret and not users.queries.admin_exists():
        admin = users.commands.ensure_admin(settings.admin_identity, settings.admin_secret, via)
        created = asyncio.run(admin)
        if created:
            log.info("created the first admin, user %s", created.id)
    if settings.admin_identity:
        asyncio.run(fleet[MEMBERS].commands.ensure_enrolled(settings.admin_identity, via))
