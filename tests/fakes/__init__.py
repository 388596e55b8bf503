"""In-memory fakes of the ports, and FleetID's services built on them.

`memory_services` runs the same composition (`interfaces.services.build_services`) as the server,
with the real domain, application services and projections, over fakes of everything that
stores: the event log, the read-model tables and views, the message store, the failure log and
the outbox. The pure adapters (Argon2, HMAC blind index, JWT, AES, the refusal counter) are the
real ones: they keep nothing a scenario reads. tests/acceptance runs its scenarios on this in
seconds, and once more on SQLite so that the fakes cannot drift from the adapters they stand for.
"""

import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infrastructure.blind_index import HmacBlindIndex
from infrastructure.ca_certificates import SignedCaCertificates
from infrastructure.certificate_maker import InlineMaker
from infrastructure.issued_keys import KeySeal
from infrastructure.metrics import PrometheusRefusals
from infrastructure.passwords import Argon2Hasher
from infrastructure.secret_box import AesSecretBox
from infrastructure.settings import Settings
from infrastructure.software_signer import SoftwareSigner
from infrastructure.tokens import JwtCodec
from interfaces.aggregates import (
    ADMIN_KEY_VIEWS,
    ALLOCATION_VIEWS,
    AUTHORITY_VIEWS,
    BATCH_VIEWS,
    CERTIFICATE_VIEWS,
    CHANNEL_VIEWS,
    CONNECTION_VIEWS,
    ECOSYSTEM_VIEWS,
    ENTITY_VIEWS,
    GROUP_VIEWS,
    MASS_OPERATION_VIEWS,
    MEMBER_VIEWS,
    ORGANIZATION_VIEWS,
    POLICY_VIEWS,
    PROFILE_VIEWS,
    THING_VIEWS,
    TWIN_VIEWS,
    USER_VIEWS,
    WALLET_VIEWS,
    projections,
)
from interfaces.registry import Key
from interfaces.services import Services, build_services
from interfaces.wiring import Ports
from tests.fakes.log import MemoryLog
from tests.fakes.messages import MemoryMessages
from tests.fakes.outside import (
    MemoryFailureLog,
    MemoryIssuedKeys,
    MemoryMailer,
    MemoryResetRequests,
    MemorySealedKeys,
    MemorySubjectKeys,
    NotInThisTier,
)
from tests.fakes.views import (
    MemoryAdminKeyViews,
    MemoryAllocationViews,
    MemoryAuthorityViews,
    MemoryBatchViews,
    MemoryCertificateViews,
    MemoryChannelViews,
    MemoryConnectionViews,
    MemoryEcosystemViews,
    MemoryEntityViews,
    MemoryGroupViews,
    MemoryMassOperationViews,
    MemoryMemberViews,
    MemoryOrganizationViews,
    MemoryPolicyViews,
    MemoryProfileViews,
    MemoryThingViews,
    MemoryTwinViews,
    MemoryUserViews,
    MemoryWalletViews,
)


@dataclass(frozen=True)
class MemoryFleet:
    """The services, and the fakes a scenario may look into (the log, the outbox, …)."""

    services: Services
    log: MemoryLog
    mailer: MemoryMailer
    messages: MemoryMessages
    subject_keys: MemorySubjectKeys


def memory_services(settings: Settings) -> MemoryFleet:
    log = MemoryLog(projections())
    box = AesSecretBox(os.urandom(32))
    users = MemoryUserViews(log.tables)
    views: dict[Key[Any], Any] = {
        USER_VIEWS: users,
        THING_VIEWS: MemoryThingViews(log.tables, box),
        CHANNEL_VIEWS: MemoryChannelViews(log.tables),
        GROUP_VIEWS: MemoryGroupViews(log.tables),
        POLICY_VIEWS: MemoryPolicyViews(log.tables),
        CONNECTION_VIEWS: MemoryConnectionViews(log.tables),
        ORGANIZATION_VIEWS: MemoryOrganizationViews(log.tables),
        MEMBER_VIEWS: MemoryMemberViews(log.tables),
        ECOSYSTEM_VIEWS: MemoryEcosystemViews(log.tables),
        BATCH_VIEWS: MemoryBatchViews(log.tables),
        CERTIFICATE_VIEWS: MemoryCertificateViews(log.tables),
        PROFILE_VIEWS: MemoryProfileViews(log.tables),
        AUTHORITY_VIEWS: MemoryAuthorityViews(log.tables),
        ALLOCATION_VIEWS: MemoryAllocationViews(log.tables),
        TWIN_VIEWS: MemoryTwinViews(log.tables),
        MASS_OPERATION_VIEWS: MemoryMassOperationViews(log.tables),
        ENTITY_VIEWS: MemoryEntityViews(log.tables),
        WALLET_VIEWS: MemoryWalletViews(log.tables),
        ADMIN_KEY_VIEWS: MemoryAdminKeyViews(log.tables),
    }
    mailer, messages, subject_keys = MemoryMailer(), MemoryMessages(), MemorySubjectKeys()
    signer = SoftwareSigner(MemorySealedKeys(), os.urandom(32))
    seal = KeySeal(os.urandom(32))
    ports = Ports(
        reader=log,
        writer=log,
        sync=log,
        applied=lambda: log.position,
        hasher=Argon2Hasher(settings.argon2_memory_kib, settings.argon2_iterations),
        blind=HmacBlindIndex(os.urandom(32)),
        box=box,
        subject_keys=subject_keys,
        tokens=JwtCodec(Ed25519PrivateKey.generate()),
        failures=MemoryFailureLog(),
        reset_requests=MemoryResetRequests(),
        signer=signer,
        ca_certificates=SignedCaCertificates(signer),
        certificate_maker=InlineMaker(signer, seal),
        issued_keys=MemoryIssuedKeys(seal),
        mailer=mailer,
        session_states=users,
        message_sink=messages,
        message_views=messages,
        access_history=NotInThisTier("access history"),
        merkle_log=NotInThisTier("Merkle log"),
        event_log_views=NotInThisTier("event log views"),
        refusals=PrometheusRefusals(),
    )
    services = build_services(ports, settings, replacements=views)
    return MemoryFleet(services, log, mailer, messages, subject_keys)
