"""The composition root: builds FleetID from settings for the REST app, the CLI and the tests."""

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from eventsourcing.utils import get_topic

from application.access_explain import AccessExplainer
from application.channel_queries import ChannelQueries
from application.channels import ChannelCommands
from application.connections import ConnectionCommands, ConnectionQueries
from application.event_log import EventLogQueries
from application.group_queries import GroupQueries
from application.groups import GroupCommands
from application.identity_module import IdentityModule
from application.log_proofs import LogProofs
from application.message_queries import MessageQueries
from application.messages import MessageCommands
from application.mqtt_access import MqttAccess
from application.password_reset import PasswordReset, ResetPolicy
from application.policy_queries import PolicyQueries
from application.ports.mail import Mailer
from application.ports.messages import MessageFeed
from application.ports.mqtt import SessionStore
from application.sessions import Sessions
from application.thing_queries import ThingQueries
from application.things import ThingCommands
from application.throttling import Limits, Throttle
from application.user_queries import UserQueries
from application.users import UserCommands
from domain.causes import Interface
from domain.users import User
from infrastructure.access_history import SqlAccessHistory
from infrastructure.audit_trail import AuditTrail
from infrastructure.blind_index import HmacBlindIndex
from infrastructure.channel_views import SqlChannelViews
from infrastructure.connection_views import SqlConnectionViews
from infrastructure.database import (
    create_engine,
    create_schema,
    database_answers,
    outdated_tables,
)
from infrastructure.event_log_views import SqlEventLogViews
from infrastructure.event_store import EventLog, GroupCommitWriter, persistence_env
from infrastructure.failed_attempts import SqlFailureLog
from infrastructure.group_views import SqlGroupViews
from infrastructure.keyfiles import random_key, signing_key
from infrastructure.leadership import (
    AdvisoryLock,
    DatabaseWriteLock,
    FileLock,
    ProjectionLock,
)
from infrastructure.log_tree import LogTree
from infrastructure.mailers import OutboxMailer, SmtpMailer, SmtpServer
from infrastructure.message_feed import SqlMessageFeed
from infrastructure.message_store import MessageWriter
from infrastructure.message_views import SqlMessageViews
from infrastructure.mosquitto_files import MosquittoFiles, publisher_stamp
from infrastructure.mosquitto_sync import TOPICS as MOSQUITTO_TOPICS
from infrastructure.mosquitto_sync import MosquittoSync
from infrastructure.mqtt_outbox import SqlOutbox
from infrastructure.mqtt_session_store import SqlSessionStore
from infrastructure.passwords import Argon2Hasher
from infrastructure.policy_views import SqlPolicyViews
from infrastructure.private_files import private_dir, private_file, tighten
from infrastructure.projection_runner import Observer, ProjectionRunner
from infrastructure.raw_log import RawLog
from infrastructure.read_connections import ReadConnections
from infrastructure.secret_box import AesSecretBox
from infrastructure.session_cache import TOPICS as SESSION_TOPICS
from infrastructure.session_cache import SessionStateCache
from infrastructure.settings import Settings
from infrastructure.subject_keys import SubjectKeyring
from infrastructure.thing_views import SqlThingViews
from infrastructure.tokens import JwtCodec
from infrastructure.user_views import SqlUserViews
from interfaces.aggregates import explained_kinds, projections
from interfaces.mqtt.router import Router

log = logging.getLogger(__name__)


@dataclass
class FleetID:
    settings: Settings
    engine: sa.Engine
    write_lock: AbstractContextManager[Any]
    """What SQLite's writers queue on (a no-op on PostgreSQL)."""
    reads: ReadConnections
    keyring: SubjectKeyring
    log: EventLog
    writer: GroupCommitWriter
    projections: ProjectionRunner
    users: UserCommands
    user_queries: UserQueries
    sessions: Sessions
    throttle: Throttle
    things: ThingCommands
    thing_queries: ThingQueries
    channels: ChannelCommands
    channel_queries: ChannelQueries
    connections: ConnectionCommands
    connection_queries: ConnectionQueries
    groups: GroupCommands
    group_queries: GroupQueries
    policy_queries: PolicyQueries
    password_reset: PasswordReset
    message_writer: MessageWriter
    messages: MessageCommands
    message_queries: MessageQueries
    mqtt_access: MqttAccess
    identity_module: IdentityModule
    mosquitto_files: MosquittoFiles
    mosquitto_sync: MosquittoSync | None
    publisher_stamp: str
    """The user property an external broker's plugin stamps each publisher's name under."""
    mqtt_outbox: SqlOutbox
    raw_log: RawLog
    audit_trail: AuditTrail
    log_tree: LogTree
    log_proofs: LogProofs
    access_explainer: AccessExplainer
    event_log: EventLogQueries

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

    def mqtt_router(self) -> Router:
        """What each MQTT publish does, whichever way it reached FleetID."""
        return Router(
            self.mqtt_access, self.messages, self.identity_module, lambda: self.projections.position
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


def build(settings: Settings, *, follow: bool = True) -> FleetID:
    """Wire everything; with `follow`, catch the read models up and keep them following the log."""
    private_dir(settings.data_dir)
    keys_dir = private_dir(settings.data_dir / "keys")
    url = settings.effective_database_url
    if settings.is_sqlite:
        private_database(Path(sqlite_path(settings)))
    engine = create_engine(url)
    create_schema(engine)
    keyring = SubjectKeyring(engine, random_key(keys_dir / "master.key"))
    event_log = EventLog(persistence_env(url), keyring)
    raw_log = RawLog(event_log.recorder, engine)
    box = AesSecretBox(random_key(keys_dir / "secrets.key"))
    reads = ReadConnections(engine)
    views = SqlUserViews(reads)
    session_states = SessionStateCache(views)
    write_lock = database_write_lock(settings)
    log_tree = LogTree(engine, signing_key(keys_dir / "log-signing.pem"), write_lock)
    account = settings.broker if settings.mqtt_url else None
    service = (account.username, account.password) if account else None
    stamp = publisher_stamp(random_key(keys_dir / "mqtt-stamp.key", 16))
    mosquitto_files = MosquittoFiles(engine, box, stamp, service)
    runner = ProjectionRunner(
        event_log,
        engine,
        projections(),
        lock=projection_lock(settings),
        write_lock=write_lock,
        timeout=settings.consistency_timeout,
        listen_url=None if settings.is_sqlite else url,
        observers=[
            Observer((get_topic(User.Erased),), keyring.observe),
            Observer(SESSION_TOPICS, session_states.observe),
        ],
        forget=event_log.cache.evict,
    )
    mosquitto = mosquitto_sync(settings, mosquitto_files, lambda: runner.leading)
    if mosquitto is not None:
        runner.observe(Observer(MOSQUITTO_TOPICS, mosquitto.react))
    writer = GroupCommitWriter(
        event_log, on_commit=runner.committed, write_lock=write_lock, committing=runner.applying
    )
    hasher = Argon2Hasher(settings.argon2_memory_kib, settings.argon2_iterations)
    blind = HmacBlindIndex(random_key(keys_dir / "index.key"))
    connection_views = SqlConnectionViews(reads)
    group_views = SqlGroupViews(reads)
    channel_views = SqlChannelViews(reads)
    thing_views = SqlThingViews(reads, box)
    things = ThingCommands(event_log, writer, runner, blind, box, connection_views)
    message_writer = MessageWriter(engine, write_lock)
    groups = GroupCommands(event_log, writer, runner)
    users = UserCommands(event_log, writer, runner, hasher, blind, keyring)
    sessions = Sessions(
        event_log,
        session_states,
        hasher,
        blind,
        JwtCodec(signing_key(keys_dir / "token-signing.pem")),
        settings.access_token_ttl,
        settings.refresh_token_ttl,
    )
    fleet = FleetID(
        settings=settings,
        engine=engine,
        write_lock=write_lock,
        reads=reads,
        keyring=keyring,
        log=event_log,
        writer=writer,
        projections=runner,
        users=users,
        user_queries=UserQueries(views),
        sessions=sessions,
        throttle=Throttle(SqlFailureLog(reads, write_lock), blind, limits(settings)),
        things=things,
        thing_queries=ThingQueries(thing_views, blind, connection_views),
        channels=ChannelCommands(event_log, writer, runner),
        channel_queries=ChannelQueries(channel_views, group_views),
        connections=ConnectionCommands(event_log, writer, runner, groups, connection_views),
        connection_queries=ConnectionQueries(connection_views, blind),
        groups=groups,
        group_queries=GroupQueries(group_views, views),
        policy_queries=PolicyQueries(SqlPolicyViews(reads)),
        password_reset=PasswordReset(
            sessions,
            users,
            mailer(settings, engine, write_lock),
            ResetPolicy(settings.password_reset_ttl, settings.password_reset_link),
        ),
        message_writer=message_writer,
        messages=MessageCommands(connection_views, blind, message_writer),
        message_queries=MessageQueries(
            SqlMessageViews(reads), connection_views, channel_views, group_views, blind
        ),
        mqtt_access=MqttAccess(thing_views, connection_views, blind),
        identity_module=IdentityModule(event_log, writer, runner, things, thing_views),
        mosquitto_files=mosquitto_files,
        mosquitto_sync=mosquitto,
        publisher_stamp=stamp,
        mqtt_outbox=SqlOutbox(engine, write_lock),
        raw_log=raw_log,
        audit_trail=AuditTrail(
            raw_log,
            engine,
            write_lock,
            lambda: runner.leading,
            log_tree,
            settings.log_sign_interval,
        ),
        log_tree=log_tree,
        log_proofs=LogProofs(log_tree),
        access_explainer=AccessExplainer(
            SqlAccessHistory(engine, explained_kinds()), lambda: runner.position
        ),
        event_log=EventLogQueries(SqlEventLogViews(engine, raw_log)),
    )
    if follow:
        if runner.try_lead():
            outdated = outdated_tables(engine, runner.tables)
            if outdated:
                log.warning("read models %s predate this build: rebuilding them", outdated)
                runner.rebuild()
            else:
                runner.catch_up()
        runner.start()
        fleet.audit_trail.start()
        if mosquitto is not None:
            mosquitto.start()
    return fleet


def limits(settings: Settings) -> Limits:
    return Limits(
        identity_failures=settings.throttle_identity_failures,
        client_failures=settings.throttle_client_failures,
        first_delay=settings.throttle_first_delay,
        max_delay=settings.throttle_max_delay,
        forget_after=settings.throttle_forget_after,
    )


def mosquitto_sync(
    settings: Settings, files: MosquittoFiles, leading: Callable[[], bool]
) -> MosquittoSync | None:
    if not settings.mosquitto_dir:
        return None
    pid_file = Path(settings.mosquitto_pid_file) if settings.mosquitto_pid_file else None
    return MosquittoSync(files, Path(settings.mosquitto_dir), pid_file, leading)


def projection_lock(settings: Settings) -> ProjectionLock:
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


def ensure_first_admin(fleet: FleetID, via: Interface) -> None:
    """Bootstrap only: once any admin exists, the settings no longer create one."""
    settings = fleet.settings
    if settings.admin_identity and settings.admin_secret and not fleet.user_queries.admin_exists():
        admin = fleet.users.ensure_admin(settings.admin_identity, settings.admin_secret, via)
        created = asyncio.run(admin)
        if created:
            log.info("created the first admin, user %s", created.id)
