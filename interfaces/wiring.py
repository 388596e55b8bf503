"""What services are built from: the shared ports, and the wiring each declaration's makers get.

The composition root fills `Ports` with infrastructure adapters made from settings; the
service-layer tests fill it with the in-memory fakes of tests/fakes. Services never see which.
"""

from collections.abc import Callable
from dataclasses import dataclass

from application.log_proofs import MerkleLog
from application.ports.event_log import AccessHistory, EventLogViews
from application.ports.issuing import CertificateMaker, IssuedKeys
from application.ports.mail import Mailer
from application.ports.messages import MessageSink, MessageViews
from application.ports.metrics import RefusalCounter
from application.ports.security import (
    BlindIndex,
    FailureLog,
    PasswordHasher,
    ResetRequests,
    SecretBox,
    SubjectKeys,
    TokenCodec,
)
from application.ports.signing import CaCertificates, Signer
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.ports.users import SessionStates
from application.sessions import Sessions
from application.throttling import Throttle
from infrastructure.read_connections import ReadConnections
from infrastructure.settings import Settings
from interfaces.registry import Key, Registry, T


@dataclass(frozen=True)
class Ports:
    """The ports every aggregate's services may use; an aggregate's own views are not here but
    in the registry, under the keys its declaration names."""

    reader: AggregateReader
    writer: EventWriter
    sync: ReadModelSync
    applied: Callable[[], int]
    """The log position every read model has reached."""
    hasher: PasswordHasher
    blind: BlindIndex
    box: SecretBox
    subject_keys: SubjectKeys
    tokens: TokenCodec
    failures: FailureLog
    reset_requests: ResetRequests
    signer: Signer
    ca_certificates: CaCertificates
    certificate_maker: CertificateMaker
    issued_keys: IssuedKeys
    mailer: Mailer
    session_states: SessionStates
    message_sink: MessageSink
    message_views: MessageViews
    access_history: AccessHistory
    merkle_log: MerkleLog
    event_log_views: EventLogViews
    refusals: RefusalCounter
    """Where the throttle counts the attempts it refused unchecked."""


@dataclass(frozen=True)
class ReadSide:
    """What a declaration's SQL views are made from."""

    reads: ReadConnections
    box: SecretBox


@dataclass(frozen=True)
class Wiring:
    """What a declaration's service makers and routes get: the ports, the settings, the services
    every aggregate's routes share, and whatever the declarations before it provided."""

    ports: Ports
    settings: Settings
    sessions: Sessions
    throttle: Throttle
    registry: Registry

    def __getitem__(self, key: Key[T]) -> T:
        return self.registry[key]
