"""Each aggregate FleetID keeps a read model of, declared once.

The composition root and the REST app wire everything per aggregate from this list: the
projection the runner keeps, the views and services it provides (under the keys below), the
routes that serve it, the kind and table access explanations read, and the path prefixes whose
reads take `as_of`. An aggregate left out, or declared with a piece missing, fails loudly:
tests/integration/test_aggregate_wiring.py names what is missing, and a key asked for that no
declaration provides is named at start-up (`HalfWired`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from litestar.di import Provide as Dependency
from litestar.types import ControllerRouterHandler

from application.admin_access import AdminAccess, AdminKeyCommands, EntityAccess
from application.allocations import AllocationCommands, AllocationQueries
from application.authorities import AuthorityCommands, AuthorityQueries
from application.batches import BatchCommands, BatchQueries
from application.certificates import CertificateCommands, CertificateQueries
from application.channel_queries import ChannelQueries
from application.channels import ChannelCommands
from application.connections import ConnectionCommands, ConnectionQueries
from application.downloads import BatchDownloads
from application.ecosystems import EcosystemCommands, EcosystemQueries
from application.entities import EntityCommands, EntityQueries
from application.group_queries import GroupQueries
from application.groups import GroupCommands
from application.issuance import BatchIssuer, IssuerSettings
from application.mass_operations import MassOperationCommands, MassOperationQueries
from application.members import MemberCommands, MemberQueries
from application.organizations import OrganizationCommands, OrganizationQueries
from application.pki import PkiQueries
from application.policy_queries import PolicyQueries
from application.ports.allocations import AllocationViews
from application.ports.authorities import AuthorityViews
from application.ports.batches import BatchViews
from application.ports.certificates import CertificateViews
from application.ports.channels import ChannelViews
from application.ports.connections import ConnectionViews
from application.ports.ecosystems import EcosystemViews
from application.ports.entities import AdminKeyViews, EntityViews, WalletViews
from application.ports.groups import GroupViews
from application.ports.mass_operations import MassOperationViews
from application.ports.members import MemberViews
from application.ports.organizations import OrganizationViews
from application.ports.policies import PolicyViews
from application.ports.profiles import ProfileViews
from application.ports.things import ThingViews
from application.ports.twins import TwinViews
from application.ports.users import UserViews
from application.profiles import ProfileCommands, ProfileQueries
from application.projections.allocations import AllocationsProjection
from application.projections.authorities import AuthoritiesProjection
from application.projections.batches import BatchesProjection
from application.projections.certificates import CertificatesProjection
from application.projections.channels import ChannelsProjection
from application.projections.ecosystems import EcosystemsProjection
from application.projections.entities import (
    AdminKeysProjection,
    EntitiesProjection,
    EntityKeysProjection,
    WalletsProjection,
)
from application.projections.groups import GroupsProjection
from application.projections.mass_operations import MassOperationsProjection
from application.projections.organizations import OrganizationsProjection
from application.projections.policies import PoliciesProjection
from application.projections.profiles import ProfilesProjection
from application.projections.things import ThingsProjection
from application.projections.twins import TwinsProjection
from application.projections.users import UsersProjection
from application.thing_queries import ThingQueries
from application.things import ThingCommands
from application.twin_operator import MassOperator
from application.twins import TwinQueries
from application.uploads import BatchUploads
from application.user_queries import UserQueries
from application.users import UserCommands
from domain.admin_keys import AdminKeys
from domain.aggregate import FleetAggregate
from domain.allocations import Allocation
from domain.authorities import Authority
from domain.batches import Batch
from domain.channels import Channel
from domain.ecosystems import Ecosystem
from domain.entities import Entity
from domain.entity_keys import EntityKey
from domain.groups import Group
from domain.identities import IdentityIndex
from domain.mass_operations import MassOperation
from domain.module_commands import ModuleCommand
from domain.organizations import Organization
from domain.policies import Policy
from domain.profiles import Profile
from domain.reset_codes import ResetCode
from domain.revocations import RevocationList
from domain.sequences import NumberSequence
from domain.things import Thing
from domain.twins import Twin
from domain.users import User
from domain.wallet_seeds import WalletSeed
from domain.wallets import Network, Wallet
from infrastructure.allocation_views import SqlAllocationViews
from infrastructure.authority_views import SqlAuthorityViews
from infrastructure.batch_views import SqlBatchViews
from infrastructure.certificate_files import CryptographyFiles
from infrastructure.certificate_views import SqlCertificateViews
from infrastructure.channel_views import SqlChannelViews
from infrastructure.connection_views import SqlConnectionViews
from infrastructure.ecosystem_views import SqlEcosystemViews
from infrastructure.entity_views import SqlAdminKeyViews, SqlEntityViews, SqlWalletViews
from infrastructure.group_views import SqlGroupViews
from infrastructure.mass_operation_views import SqlMassOperationViews
from infrastructure.member_views import SqlMemberViews
from infrastructure.organization_views import SqlOrganizationViews
from infrastructure.policy_views import SqlPolicyViews
from infrastructure.prism_dids import PrismDids
from infrastructure.profile_views import SqlProfileViews
from infrastructure.projection_runner import Projection
from infrastructure.public_keys import CryptographyKeys
from infrastructure.revocation_documents import SignedRevocationDocuments
from infrastructure.signing_requests import CryptographyRequests
from infrastructure.thing_views import SqlThingViews
from infrastructure.twin_views import SqlTwinViews
from infrastructure.user_views import SqlUserViews
from infrastructure.wallet_keys import Bip32WalletKeys
from interfaces.registry import Key, Provide
from interfaces.rest.allocations import (
    AllocationServices,
    AllowedAuthoritiesController,
    AuthorityBalancesController,
    AuthorityProfileController,
    DevicesController,
    OrganizationAuthoritiesController,
    ProfileBalanceController,
)
from interfaces.rest.auth import entity_or_user
from interfaces.rest.authorities import AuthoritiesController, AuthorityServices
from interfaces.rest.authority_items import AuthorityItems
from interfaces.rest.batches import BatchesController, BatchServices
from interfaces.rest.certificates import CertificatesController, CertificateServices
from interfaces.rest.channels import ChannelsController, ChannelServices
from interfaces.rest.connections import ConnectionsController, ConnectionServices
from interfaces.rest.ecosystems import EcosystemsController, EcosystemServices
from interfaces.rest.entities import AdminController, EntityController, EntityServices
from interfaces.rest.groups import GroupsController, GroupServices, MembershipsController
from interfaces.rest.mass_operations import MassOperationsController, MassOperationServices
from interfaces.rest.members import MembersController, MemberServices
from interfaces.rest.organizations import OrganizationsController, OrganizationServices
from interfaces.rest.pki import PkiController
from interfaces.rest.pki_urls import authority_urls
from interfaces.rest.profiles import ProfilesController, ProfileServices
from interfaces.rest.things import IdentifyController, ThingsController, ThingServices
from interfaces.rest.twins import TwinsController, TwinServices
from interfaces.rest.uploads import UploadsController
from interfaces.rest.users import UsersController, UserServices
from interfaces.wiring import ReadSide, Wiring

Routes = Callable[[Wiring], Sequence[ControllerRouterHandler]]


@dataclass(frozen=True)
class AggregateModule:
    aggregate: type[FleetAggregate]
    projection: Callable[[], Projection]
    """A fresh instance of the projection that builds its read model."""
    kind: str | None
    """How access explanations name an entity of it (`thing`); None: they never ask for one."""
    paths: tuple[str, ...]
    """REST path prefixes of its reads, which take `as_of`."""
    views: tuple[Provide[ReadSide, Any], ...]
    """Its read model's adapters, made from the read side (in-memory fakes replace them)."""
    services: tuple[Provide[Wiring, Any], ...]
    """Its commands and queries, made from the ports and the entries of any declaration."""
    routes: Routes
    """The controllers that serve it, bound to its services."""

    @property
    def table(self) -> str:
        """The table its entities live in: the first its projection keeps."""
        return self.projection().tables[0]


USER_VIEWS = Key[UserViews]("user views")
THING_VIEWS = Key[ThingViews]("thing views")
CHANNEL_VIEWS = Key[ChannelViews]("channel views")
GROUP_VIEWS = Key[GroupViews]("group views")
POLICY_VIEWS = Key[PolicyViews]("policy views")
CONNECTION_VIEWS = Key[ConnectionViews]("connection views")
ORGANIZATION_VIEWS = Key[OrganizationViews]("organization views")
PROFILE_VIEWS = Key[ProfileViews]("profile views")
AUTHORITY_VIEWS = Key[AuthorityViews]("authority views")
ALLOCATION_VIEWS = Key[AllocationViews]("allocation views")
MEMBER_VIEWS = Key[MemberViews]("member views")
ECOSYSTEM_VIEWS = Key[EcosystemViews]("ecosystem views")
BATCH_VIEWS = Key[BatchViews]("batch views")
CERTIFICATE_VIEWS = Key[CertificateViews]("certificate views")
TWIN_VIEWS = Key[TwinViews]("twin views")
MASS_OPERATION_VIEWS = Key[MassOperationViews]("mass operation views")
ENTITY_VIEWS = Key[EntityViews]("entity views")
WALLET_VIEWS = Key[WalletViews]("wallet views")
ADMIN_KEY_VIEWS = Key[AdminKeyViews]("admin key rotations")

USERS = Key[UserServices]("user services")
THINGS = Key[ThingServices]("thing services")
CHANNELS = Key[ChannelServices]("channel services")
GROUPS = Key[GroupServices]("group services")
POLICIES = Key[PolicyQueries]("policy queries")
CONNECTIONS = Key[ConnectionServices]("connection services")
ORGANIZATIONS = Key[OrganizationServices]("organization services")
PROFILES = Key[ProfileServices]("profile services")
AUTHORITIES = Key[AuthorityServices]("authority services")
ALLOCATIONS = Key[AllocationServices]("allocation services")
MEMBERS = Key[MemberServices]("member services")
ECOSYSTEMS = Key[EcosystemServices]("ecosystem services")
BATCHES = Key[BatchServices]("batch services")
CERTIFICATES = Key[CertificateServices]("certificate services")
PKI_QUERIES = Key[PkiQueries]("authorities' certificates, CRLs and OCSP")
TWINS = Key[TwinServices]("twin services")
MASS_OPERATIONS = Key[MassOperationServices]("mass operation services")
ENTITIES = Key[EntityServices]("entity services")


def _users(w: Wiring) -> UserServices:
    p = w.ports
    return UserServices(
        UserCommands(p.reader, p.writer, p.sync, p.hasher, p.blind, p.subject_keys),
        UserQueries(w[USER_VIEWS]),
        w.sessions,
        w.throttle,
        w.settings.self_registration,
    )


def _members(w: Wiring) -> MemberServices:
    p = w.ports
    users = w[USERS].commands
    views = w[MEMBER_VIEWS]
    return MemberServices(
        MemberCommands(p.reader, p.writer, p.sync, p.blind, users, views),
        MemberQueries(views),
        users,
        w[ORGANIZATION_VIEWS],
        w.throttle,
    )


def _things(w: Wiring) -> ThingServices:
    p = w.ports
    return ThingServices(
        ThingCommands(p.reader, p.writer, p.sync, p.blind, p.box, w[CONNECTION_VIEWS]),
        ThingQueries(w[THING_VIEWS], p.blind, w[CONNECTION_VIEWS]),
    )


def _channels(w: Wiring) -> ChannelServices:
    p = w.ports
    return ChannelServices(
        ChannelCommands(p.reader, p.writer, p.sync),
        ChannelQueries(w[CHANNEL_VIEWS], w[GROUP_VIEWS]),
    )


def _groups(w: Wiring) -> GroupServices:
    p = w.ports
    return GroupServices(
        GroupCommands(p.reader, p.writer, p.sync),
        GroupQueries(w[GROUP_VIEWS], w[USER_VIEWS]),
        w[POLICIES],
    )


def _connections(w: Wiring) -> ConnectionServices:
    p = w.ports
    members = w[GROUPS].commands
    return ConnectionServices(
        ConnectionCommands(p.reader, p.writer, p.sync, members, w[CONNECTION_VIEWS]),
        ConnectionQueries(w[CONNECTION_VIEWS], p.blind),
        w[THINGS].queries,
        w[CHANNELS].queries,
        members,
        w.throttle,
        w[POLICIES],
    )


def _authority_items(w: Wiring) -> AuthorityItems:
    return AuthorityItems(
        w[ALLOCATION_VIEWS], w[AUTHORITY_VIEWS], w[PROFILE_VIEWS], w[ECOSYSTEM_VIEWS]
    )


def _organizations(w: Wiring) -> OrganizationServices:
    p = w.ports
    return OrganizationServices(
        OrganizationCommands(p.reader, p.writer, p.sync, p.blind),
        OrganizationQueries(w[ORGANIZATION_VIEWS], w[MEMBER_VIEWS]),
        _authority_items(w),
    )


def _profiles(w: Wiring) -> ProfileServices:
    p = w.ports
    return ProfileServices(
        ProfileCommands(p.reader, p.writer, p.sync, p.blind),
        ProfileQueries(w[PROFILE_VIEWS], w[MEMBER_VIEWS]),
    )


def _authorities(w: Wiring) -> AuthorityServices:
    p = w.ports
    return AuthorityServices(
        AuthorityCommands(p.reader, p.writer, p.sync, p.signer, p.ca_certificates),
        AuthorityQueries(w[AUTHORITY_VIEWS]),
    )


def _allocations(w: Wiring) -> AllocationServices:
    p = w.ports
    return AllocationServices(
        AllocationCommands(p.reader, p.writer, p.sync),
        AllocationQueries(w[ALLOCATION_VIEWS], w[MEMBER_VIEWS]),
        _authority_items(w),
    )


def _ecosystems(w: Wiring) -> EcosystemServices:
    p = w.ports
    return EcosystemServices(
        EcosystemCommands(p.reader, p.writer, p.sync),
        EcosystemQueries(w[ECOSYSTEM_VIEWS], w[MEMBER_VIEWS]),
        w[MEMBERS],
        w[AUTHORITY_VIEWS],
    )


def _batches(w: Wiring) -> BatchServices:
    p = w.ports
    queries = BatchQueries(
        w[MEMBER_VIEWS],
        w[AUTHORITY_VIEWS],
        w[ALLOCATION_VIEWS],
        w[PROFILES].queries,
        w[BATCH_VIEWS],
        w[CERTIFICATE_VIEWS],
    )
    base = w.settings.base_url
    issuer = BatchIssuer(
        p.reader,
        p.writer,
        p.sync,
        w[BATCH_VIEWS],
        w[PROFILE_VIEWS],
        w[THINGS].commands,
        p.certificate_maker,
        p.issued_keys,
        IssuerSettings(
            timedelta(days=w.settings.batch_retention_days),
            partial(authority_urls, base),
        ),
    )
    downloads = BatchDownloads(
        p.reader,
        w[BATCH_VIEWS],
        w[AUTHORITY_VIEWS],
        w[PROFILE_VIEWS],
        p.issued_keys,
        CryptographyFiles(),
    )
    commands = BatchCommands(p.reader, p.writer, p.sync, queries, p.issued_keys)
    uploads = BatchUploads(queries, commands, w[AUTHORITY_VIEWS], CryptographyRequests())
    return BatchServices(commands, queries, w[PROFILE_VIEWS], issuer, downloads, uploads)


def _twins(w: Wiring) -> TwinServices:
    return TwinServices(TwinQueries(w[TWIN_VIEWS], CryptographyKeys(), w.settings.base_url))


def _mass_operations(w: Wiring) -> MassOperationServices:
    p = w.ports
    views = w[MASS_OPERATION_VIEWS]
    operator = MassOperator(
        p.reader,
        p.writer,
        p.sync,
        views,
        w[TWIN_VIEWS],
        w[THING_VIEWS],
        w[USER_VIEWS],
        w[ENTITY_VIEWS],
        CryptographyKeys(),
    )
    return MassOperationServices(
        MassOperationCommands(p.writer, p.sync, views), MassOperationQueries(views), operator
    )


def _entity_or_user(w: Wiring) -> dict[str, Dependency]:
    """The caller of the digital twins' routes: a user by token, or an entity by its API key."""
    return entity_or_user(w.sessions, w[ENTITIES].entities)


def _entity_routes(w: Wiring) -> list[ControllerRouterHandler]:
    """Without an admin key the admin API is not there at all: every path under it is 404,
    whatever is sent, before anything is read or checked."""
    admin = [AdminController.bound_to(w[ENTITIES])] if w.settings.admin_api_key else []
    return [*admin, EntityController.bound_to(w[ENTITIES])]


def _entities(w: Wiring) -> EntityServices:
    p, settings = w.ports, w.settings
    dids = PrismDids()
    views = w[ENTITY_VIEWS]
    admin = AdminAccess(settings.admin_api_key or None, p.blind, w[ADMIN_KEY_VIEWS], w.throttle)
    network = Network(settings.cardano_network)
    return EntityServices(
        EntityCommands(
            p.reader,
            p.writer,
            p.sync,
            Bip32WalletKeys(),
            dids,
            p.blind,
            p.subject_keys,
            w[WALLET_VIEWS],
            network,
        ),
        EntityQueries(views, w[WALLET_VIEWS], dids, CryptographyKeys()),
        admin,
        AdminKeyCommands(p.reader, p.writer, p.sync, admin, p.blind),
        EntityAccess(views, p.blind, w.throttle),
        host=settings.base_url + "/",
        agent=settings.agent,
    )


def _certificates(w: Wiring) -> CertificateServices:
    p = w.ports
    queries = CertificateQueries(
        w[MEMBER_VIEWS], w[BATCH_VIEWS], w[CERTIFICATE_VIEWS], w[AUTHORITY_VIEWS]
    )
    return CertificateServices(CertificateCommands(p.reader, p.writer, p.sync, queries), queries)


def _pki(w: Wiring) -> PkiQueries:
    p = w.ports
    return PkiQueries(p.reader, w[CERTIFICATE_VIEWS], SignedRevocationDocuments(p.signer))


MODULES: tuple[AggregateModule, ...] = (
    AggregateModule(
        User,
        UsersProjection,
        "user",
        ("/users", "/api/v1/users"),
        views=(
            Provide(USER_VIEWS, lambda r: SqlUserViews(r.reads)),
            Provide(MEMBER_VIEWS, lambda r: SqlMemberViews(r.reads)),
        ),
        services=(Provide(USERS, _users), Provide(MEMBERS, _members)),
        routes=lambda w: [
            UsersController.bound_to(w[USERS]),
            MembersController.bound_to(w[MEMBERS]),
        ],
    ),
    AggregateModule(
        Thing,
        ThingsProjection,
        "thing",
        ("/things",),
        views=(Provide(THING_VIEWS, lambda r: SqlThingViews(r.reads, r.box)),),
        services=(Provide(THINGS, _things),),
        routes=lambda w: [
            ThingsController.bound_to(w[THINGS]),
            IdentifyController.bound_to(w[THINGS].queries, w.throttle),
        ],
    ),
    AggregateModule(
        Channel,
        ChannelsProjection,
        "channel",
        ("/channels",),
        views=(Provide(CHANNEL_VIEWS, lambda r: SqlChannelViews(r.reads)),),
        services=(Provide(CHANNELS, _channels),),
        routes=lambda w: [ChannelsController.bound_to(w[CHANNELS])],
    ),
    AggregateModule(
        Group,
        GroupsProjection,
        "group",
        ("/groups",),
        views=(Provide(GROUP_VIEWS, lambda r: SqlGroupViews(r.reads)),),
        services=(Provide(GROUPS, _groups),),
        routes=lambda w: [
            GroupsController.bound_to(w[GROUPS]),
            MembershipsController.bound_to(w[GROUPS]),
        ],
    ),
    AggregateModule(
        Policy,
        PoliciesProjection,
        None,
        (),
        views=(
            Provide(POLICY_VIEWS, lambda r: SqlPolicyViews(r.reads)),
            Provide(CONNECTION_VIEWS, lambda r: SqlConnectionViews(r.reads)),
        ),
        services=(
            Provide(POLICIES, lambda w: PolicyQueries(w[POLICY_VIEWS])),
            Provide(CONNECTIONS, _connections),
        ),
        routes=lambda w: [ConnectionsController.bound_to(w[CONNECTIONS])],
    ),
    AggregateModule(
        Organization,
        OrganizationsProjection,
        None,
        ("/api/v1/organizations",),
        views=(Provide(ORGANIZATION_VIEWS, lambda r: SqlOrganizationViews(r.reads)),),
        services=(Provide(ORGANIZATIONS, _organizations),),
        routes=lambda w: [OrganizationsController.bound_to(w[ORGANIZATIONS])],
    ),
    AggregateModule(
        Profile,
        ProfilesProjection,
        None,
        ("/api/v1/profiles",),
        views=(Provide(PROFILE_VIEWS, lambda r: SqlProfileViews(r.reads)),),
        services=(Provide(PROFILES, _profiles),),
        routes=lambda w: [ProfilesController.bound_to(w[PROFILES])],
    ),
    AggregateModule(
        Authority,
        AuthoritiesProjection,
        None,
        ("/api/v1/authorities",),
        views=(Provide(AUTHORITY_VIEWS, lambda r: SqlAuthorityViews(r.reads)),),
        services=(Provide(AUTHORITIES, _authorities),),
        routes=lambda w: [AuthoritiesController.bound_to(w[AUTHORITIES].queries)],
    ),
    AggregateModule(
        Ecosystem,
        EcosystemsProjection,
        None,
        ("/api/v1/ecosystems",),
        views=(Provide(ECOSYSTEM_VIEWS, lambda r: SqlEcosystemViews(r.reads)),),
        services=(Provide(ECOSYSTEMS, _ecosystems),),
        routes=lambda w: [EcosystemsController.bound_to(w[ECOSYSTEMS])],
    ),
    AggregateModule(
        Allocation,
        AllocationsProjection,
        None,
        ("/api/v1/devices",),
        views=(Provide(ALLOCATION_VIEWS, lambda r: SqlAllocationViews(r.reads)),),
        services=(Provide(ALLOCATIONS, _allocations),),
        routes=lambda w: [
            OrganizationAuthoritiesController.bound_to(w[ALLOCATIONS]),
            AuthorityBalancesController.bound_to(w[ALLOCATIONS]),
            AllowedAuthoritiesController.bound_to(w[ALLOCATIONS]),
            ProfileBalanceController.bound_to(w[ALLOCATIONS]),
            AuthorityProfileController.bound_to(w[ALLOCATIONS]),
            DevicesController.bound_to(w[ALLOCATIONS]),
        ],
    ),
    AggregateModule(
        Batch,
        BatchesProjection,
        None,
        ("/api/v1/batches",),
        views=(Provide(BATCH_VIEWS, lambda r: SqlBatchViews(r.reads)),),
        services=(Provide(BATCHES, _batches),),
        routes=lambda w: [
            BatchesController.bound_to(w[BATCHES]),
            UploadsController.bound_to(w[BATCHES], w.settings.max_upload_bytes),
        ],
    ),
    AggregateModule(
        RevocationList,
        CertificatesProjection,
        None,
        (),
        views=(Provide(CERTIFICATE_VIEWS, lambda r: SqlCertificateViews(r.reads)),),
        services=(Provide(PKI_QUERIES, _pki), Provide(CERTIFICATES, _certificates)),
        routes=lambda w: [
            PkiController.bound_to(w[PKI_QUERIES]),
            CertificatesController.bound_to(w[CERTIFICATES]),
        ],
    ),
    AggregateModule(
        Twin,
        TwinsProjection,
        None,
        ("/api/gemini/v1/digital-twins",),
        views=(Provide(TWIN_VIEWS, lambda r: SqlTwinViews(r.reads)),),
        services=(Provide(TWINS, _twins),),
        routes=lambda w: [TwinsController.bound_to(w[TWINS], _entity_or_user(w))],
    ),
    AggregateModule(
        MassOperation,
        MassOperationsProjection,
        None,
        ("/api/gemini/v1/mass-operations",),
        views=(Provide(MASS_OPERATION_VIEWS, lambda r: SqlMassOperationViews(r.reads)),),
        services=(Provide(MASS_OPERATIONS, _mass_operations),),
        routes=lambda w: [
            MassOperationsController.bound_to(
                w[MASS_OPERATIONS], w.settings.max_upload_bytes, _entity_or_user(w)
            )
        ],
    ),
    AggregateModule(
        Wallet,
        WalletsProjection,
        None,
        (),
        views=(Provide(WALLET_VIEWS, lambda r: SqlWalletViews(r.reads)),),
        services=(),
        routes=lambda w: [],
    ),
    AggregateModule(
        AdminKeys,
        AdminKeysProjection,
        None,
        (),
        views=(Provide(ADMIN_KEY_VIEWS, lambda r: SqlAdminKeyViews(r.reads)),),
        services=(),
        routes=lambda w: [],
    ),
    AggregateModule(
        EntityKey,
        EntityKeysProjection,
        None,
        (),
        views=(),
        services=(),
        routes=lambda w: [],
    ),
    AggregateModule(
        Entity,
        EntitiesProjection,
        None,
        ("/api/v1/admin", "/api/v1/entity"),
        views=(Provide(ENTITY_VIEWS, lambda r: SqlEntityViews(r.reads)),),
        services=(Provide(ENTITIES, _entities),),
        routes=_entity_routes,
    ),
)
WITHOUT_READ_MODEL: tuple[type[FleetAggregate], ...] = (
    IdentityIndex,
    WalletSeed,
    ModuleCommand,
    ResetCode,
    NumberSequence,
)
"""Aggregates read only from the log: uniqueness claims and the gateways' command records."""
AS_OF_ALSO = ("/access",)
"""Reads that are not one aggregate's and still answer as of a position (explanations)."""


def projections() -> list[Projection]:
    """A fresh instance of every projection, for a runner (live, or a verified rebuild's)."""
    return [module.projection() for module in MODULES]


def as_of_paths() -> tuple[str, ...]:
    return tuple(path for module in MODULES for path in module.paths) + AS_OF_ALSO


def explained_kinds() -> dict[str, str]:
    """Kind -> table, for access explanations."""
    return {module.kind: module.table for module in MODULES if module.kind is not None}
