"""Read-model tables, documented for analysts who query them with SQL.

History: every entity table keeps one row per version. A version was true from log position
`valid_from` (inclusive) until `valid_to` (exclusive); the current version has `valid_to` NULL.
"As of position p" is `valid_from <= p AND (valid_to IS NULL OR valid_to > p)`.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite would otherwise hand back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

Document = sa.JSON().with_variant(JSONB(), "postgresql")
"""JSON; JSONB on PostgreSQL, so analysts and filters get containment operators and indexes."""

CURRENT = sa.text("valid_to IS NULL")


def versioned(name: str, *columns: sa.Column[Any], comment: str) -> sa.Table:
    """A history-keeping entity table: the columns given plus the version bookkeeping."""
    table = sa.Table(
        name,
        metadata,
        sa.Column(
            "version_id",
            sa.Integer,
            primary_key=True,
            autoincrement=True,
            comment="row version (surrogate key)",
        ),
        sa.Column("id", sa.String(36), nullable=False, comment="entity id (UUID)"),
        *columns,
        sa.Column("valid_from", sa.BigInteger, nullable=False, comment="first log position"),
        sa.Column("valid_to", sa.BigInteger, comment="position that superseded it; NULL=current"),
        comment=comment,
    )
    sa.Index(
        f"ix_{name}_current",
        table.c.id,
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    sa.Index(f"ix_{name}_history", table.c.id, table.c.valid_from)
    return table


users = versioned(
    "users",
    sa.Column("identity", sa.Text, comment="sign-in identity; NULL once erased"),
    sa.Column("name", sa.Text, comment="display name; NULL once erased"),
    sa.Column("tags", Document, nullable=False, comment="JSON array of strings"),
    sa.Column("metadata", Document, comment="JSON object; NULL once erased"),
    sa.Column("role", sa.String(16), nullable=False, comment="admin | user | auditor"),
    sa.Column("status", sa.String(16), nullable=False, comment="enabled | disabled | erased"),
    sa.Column("owner", sa.String(36), comment="id of the user that owns this user"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was created"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    sa.Column(
        "sessions_since",
        UTCDateTime,
        comment="tokens issued before this instant are refused (disable, re-enable, new secret)",
    ),
    comment="Users, one row per version.",
)
sa.Index(
    "ix_users_identity",
    sa.func.lower(users.c.identity),
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index("ix_users_owner", users.c.owner, sqlite_where=CURRENT, postgresql_where=CURRENT)
sa.Index(
    "ix_users_listing",
    users.c.status,
    users.c.created_at,
    users.c.id,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)


def lifecycle() -> list[sa.Column[Any]]:
    """Status and change tracking, alike for every entity that is enabled and disabled."""
    return [
        sa.Column("status", sa.String(16), nullable=False, comment="enabled | disabled"),
        sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was created"),
        sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
        sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    ]


def described(kind: str) -> list[sa.Column[Any]]:
    """The descriptive columns channels and groups share."""
    return [
        sa.Column("name", sa.Text, nullable=False, comment="display name"),
        sa.Column("description", sa.Text, nullable=False, comment="free text"),
        sa.Column("metadata", Document, nullable=False, comment="JSON object"),
        sa.Column("owner", sa.String(36), comment=f"id of the user that owns this {kind}"),
    ]


def listed(table: sa.Table) -> sa.Table:
    """Indexes of the list endpoints: current versions by status in creation order, by owner;
    and every version in the same order with its validity, for lists `as_of` a past position
    (a covering scan that stops at the page, as the current one does)."""
    name = table.name
    sa.Index(f"ix_{name}_owner", table.c.owner, sqlite_where=CURRENT, postgresql_where=CURRENT)
    sa.Index(
        f"ix_{name}_listing",
        table.c.status,
        table.c.created_at,
        table.c.id,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    sa.Index(
        f"ix_{name}_listing_history",
        table.c.status,
        table.c.created_at,
        table.c.id,
        table.c.valid_from,
        table.c.valid_to,
    )
    return table


things = listed(
    versioned(
        "things",
        sa.Column("identity", sa.Text, nullable=False, comment="free label given at creation"),
        sa.Column("name", sa.Text, nullable=False, comment="display name"),
        sa.Column("tags", Document, nullable=False, comment="JSON array of strings"),
        sa.Column("metadata", Document, nullable=False, comment="JSON object"),
        sa.Column("owner", sa.String(36), comment="id of the user that owns this thing"),
        sa.Column(
            "secret_lookup",
            sa.String(64),
            nullable=False,
            comment="HMAC-SHA256 of the secret (hex): finds a thing by its secret, reveals nothing",
        ),
        sa.Column(
            "sealed_secret",
            sa.Text,
            nullable=False,
            comment="the secret, AES-256-GCM under the server's secret key (base64)",
        ),
        sa.Column(
            "parent",
            sa.String(36),
            comment="id of the gateway (or device behind it) it connects through; NULL if direct",
        ),
        sa.Column("public_key", sa.Text, comment="public key its gateway registered, as sent"),
        *lifecycle(),
        comment="Things (devices and applications), one row per version; a removed thing has no "
        "current version.",
    )
)
sa.Index("ix_things_secret", things.c.secret_lookup, sqlite_where=CURRENT, postgresql_where=CURRENT)
sa.Index("ix_things_parent", things.c.parent, sqlite_where=CURRENT, postgresql_where=CURRENT)

channels = listed(
    versioned(
        "channels",
        *described("channel"),
        sa.Column("parent", sa.String(36), comment="id of the group it was opened in, if any"),
        *lifecycle(),
        comment="Channels (topics things publish to), one row per version.",
    )
)
sa.Index("ix_channels_parent", channels.c.parent, sqlite_where=CURRENT, postgresql_where=CURRENT)

groups = listed(
    versioned(
        "groups",
        *described("group"),
        sa.Column("parent", sa.String(36), comment="id of the parent group; NULL for a root"),
        sa.Column(
            "path",
            sa.Text,
            nullable=False,
            comment="materialized path: ancestor ids and the group's own, joined by '.'",
        ),
        sa.Column("level", sa.Integer, nullable=False, comment="depth below its root (root: 0)"),
        *lifecycle(),
        comment="Groups (a tree through parent/path), one row per version.",
    )
)
sa.Index("ix_groups_parent", groups.c.parent, sqlite_where=CURRENT, postgresql_where=CURRENT)
sa.Index("ix_groups_path", groups.c.path, sqlite_where=CURRENT, postgresql_where=CURRENT)

organizations = versioned(
    "organizations",
    sa.Column("number", sa.BigInteger, nullable=False, comment="organizationId in the API"),
    sa.Column("name", sa.Text, nullable=False, comment="unique in the system, any letter case"),
    sa.Column("address", sa.Text, nullable=False, comment="postal address"),
    sa.Column("contact_name", sa.Text, comment="primary contact's name (personal data)"),
    sa.Column("contact_email", sa.Text, comment="primary contact's e-mail (personal data)"),
    sa.Column("contact_phone", sa.Text, comment="primary contact's phone (personal data)"),
    sa.Column("manufacture_id", sa.Text, nullable=False, comment="manufacturer id, free text"),
    sa.Column("logo", sa.Text, nullable=False, comment="logo, as the client sent it"),
    sa.Column("org_status", sa.String(32), nullable=False, comment="orgStatus, e.g. ACTIVE"),
    sa.Column(
        "parameters",
        Document,
        nullable=False,
        comment="JSON object: the subject attributes it gives its certificates (ORGANIZATION, "
        "CITY, COUNTRY, STATE, MANUFACTURER_ID)",
    ),
    *lifecycle(),
    comment="The certificate manager's organizations, one row per version.",
)
sa.Index(
    "ix_organizations_number",
    organizations.c.number,
    unique=True,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

members = versioned(
    "members",
    sa.Column("number", sa.BigInteger, nullable=False, comment="userId in the certificate manager"),
    sa.Column(
        "organization",
        sa.BigInteger,
        nullable=False,
        comment="organization number; 0: none (or erased)",
    ),
    sa.Column("first_name", sa.Text, comment="personal data; NULL once erased"),
    sa.Column("last_name", sa.Text, comment="personal data; NULL once erased"),
    sa.Column("phone", sa.Text, comment="personal data; NULL once erased"),
    sa.Column("email", sa.Text, comment="personal data; NULL once erased"),
    sa.Column(
        "privileges",
        Document,
        nullable=False,
        comment='JSON array of {"role": USER | ORG_ADMIN | ECO_ADMIN, "ecosystem", '
        '"organization", "profiles": [profile numbers]}; empty once erased (personal data)',
    ),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when the user joined"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="The certificate manager's users (id: the FleetID user's id), one row per version; "
    "a removed user's row is closed.",
)
sa.Index(
    "ix_members_number",
    members.c.number,
    unique=True,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_members_organization",
    members.c.organization,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_members_email",
    sa.func.lower(members.c.email),
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

profiles = versioned(
    "profiles",
    sa.Column("number", sa.BigInteger, nullable=False, comment="profileId in the API"),
    sa.Column("name", sa.Text, nullable=False, comment="unique in the system, any letter case"),
    sa.Column("key_algorithm", sa.String(16), nullable=False, comment="e.g. EC:P-256, RSA:2048"),
    sa.Column(
        "signature_algorithm", sa.String(32), nullable=False, comment="e.g. ecdsa-with-SHA256"
    ),
    sa.Column(
        "config",
        sa.Text,
        nullable=False,
        comment="the configuration as loaded (JSON text, docs/certificate-manager.md)",
    ),
    *lifecycle(),
    comment="Certificate profiles, one row per version.",
)
sa.Index(
    "ix_profiles_number",
    profiles.c.number,
    unique=True,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

authorities = versioned(
    "authorities",
    sa.Column("number", sa.BigInteger, nullable=False, comment="authorityId; 0 is the root"),
    sa.Column("name", sa.Text, nullable=False, comment="its certificate's common name"),
    sa.Column("profile", sa.BigInteger, comment="profile number it issues for; NULL: the root"),
    sa.Column("key_algorithm", sa.String(16), nullable=False, comment="e.g. EC:P-256"),
    sa.Column("certificate", sa.Text, nullable=False, comment="its certificate, PEM"),
    sa.Column("imported", sa.Boolean, nullable=False, comment="brought by the operator"),
    *lifecycle(),
    comment="Certificate authorities (their keys are in signing_keys, not here), one row per "
    "version.",
)
sa.Index(
    "ix_authorities_number",
    authorities.c.number,
    unique=True,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

batches = versioned(
    "batches",
    sa.Column("number", sa.BigInteger, nullable=False, comment="batchId in the API"),
    sa.Column("name", sa.Text, nullable=False, comment="batchName"),
    sa.Column("organization", sa.BigInteger, nullable=False, comment="organizationId"),
    sa.Column("authority", sa.BigInteger, nullable=False, comment="authorityId"),
    sa.Column("profile", sa.BigInteger, nullable=False, comment="profileId"),
    sa.Column("user_id", sa.String(36), nullable=False, comment="the ordering user's id"),
    sa.Column("user_number", sa.BigInteger, nullable=False, comment="its userId"),
    sa.Column("size", sa.BigInteger, nullable=False, comment="certificates ordered"),
    sa.Column("generator", sa.BigInteger, comment="generatorId; NULL: a single certificate"),
    sa.Column("generator_params", Document, nullable=False, comment="JSON object: generatorParams"),
    sa.Column(
        "profile_params",
        Document,
        nullable=False,
        comment="JSON object: profileParams, without the PKCS#12 password",
    ),
    sa.Column("status", sa.String(32), nullable=False, comment="the document's batch status"),
    sa.Column(
        "reject_reason",
        sa.Text,
        nullable=False,
        comment="why it was rejected or revoked (or why it broke), or empty",
    ),
    sa.Column("issued", sa.BigInteger, nullable=False, comment="certificates issued so far"),
    sa.Column("failed", sa.BigInteger, nullable=False, comment="certificates that failed"),
    sa.Column("downloaded", sa.Boolean, nullable=False, comment="downloaded at least once"),
    sa.Column("finished_at", UTCDateTime, comment="when issuing ended; NULL before"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was ordered"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Certificate batches, one row per version.",
)
sa.Index(
    "ix_batches_number",
    batches.c.number,
    unique=True,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_batches_status",
    batches.c.status,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_batches_organization",
    batches.c.organization,
    batches.c.number,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

certificates = versioned(
    "certificates",
    sa.Column("serial", sa.String(48), nullable=False, comment="serial number, hex upper case"),
    sa.Column("authority", sa.BigInteger, nullable=False, comment="authorityId of its issuer"),
    sa.Column("batch", sa.BigInteger, nullable=False, comment="batchId"),
    sa.Column("position", sa.Integer, nullable=False, comment="its place in the batch, from 0"),
    sa.Column("device", sa.String(36), nullable=False, comment="its device: the thing's id"),
    sa.Column("common_name", sa.Text, nullable=False, comment="its subject's commonName"),
    sa.Column("der", sa.LargeBinary, nullable=False, comment="the certificate, DER"),
    sa.Column("status", sa.String(16), nullable=False, comment="ISSUED | REVOKED"),
    sa.Column("reason", sa.Integer, comment="RFC 5280 revocation reason code; NULL: not revoked"),
    sa.Column("revoked_at", UTCDateTime, comment="when it was revoked; NULL: not revoked"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was issued"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Issued certificates, one row per version (id: uuid5 of authority and serial).",
)
sa.Index(
    "ix_certificates_serial",
    certificates.c.serial,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_certificates_batch",
    certificates.c.batch,
    certificates.c.position,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_certificates_device",
    certificates.c.device,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_certificates_revoked",
    certificates.c.authority,
    certificates.c.revoked_at,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

ecosystems = versioned(
    "ecosystems",
    sa.Column("number", sa.BigInteger, nullable=False, comment="ecosystemId in the API"),
    sa.Column("name", sa.Text, nullable=False, comment="its name"),
    sa.Column("description", sa.Text, nullable=False, comment="free text"),
    sa.Column(
        "capacity", sa.BigInteger, nullable=False, comment="certificates it may issue; 0: not set"
    ),
    *lifecycle(),
    comment="The certificate manager's ecosystem (one per deployment), one row per version.",
)

allocations = versioned(
    "allocations",
    sa.Column("organization", sa.BigInteger, nullable=False, comment="organizationId"),
    sa.Column("authority", sa.BigInteger, nullable=False, comment="authorityId"),
    sa.Column("balance", sa.BigInteger, nullable=False, comment="certificates allocated in all"),
    sa.Column("used", sa.BigInteger, nullable=False, comment="certificates issued from it"),
    sa.Column("reserved", sa.BigInteger, nullable=False, comment="held by open batches"),
    sa.Column(
        "used_by", Document, nullable=False, comment="JSON object: user id -> certificates used"
    ),
    sa.Column("status", sa.String(16), nullable=False, comment="enabled | disabled | removed"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was first granted"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Organizations' certificate balances per authority, one row per version: available "
    "is balance - used - reserved. Every figure comes from the allocation's events.",
)
sa.Index(
    "ix_allocations_organization",
    allocations.c.organization,
    allocations.c.authority,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_allocations_authority",
    allocations.c.authority,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

balance_movements = versioned(
    "balance_movements",
    sa.Column(
        "allocation",
        sa.String(36),
        nullable=False,
        comment="the balance it moved: the id of its rows in allocations",
    ),
    sa.Column("batch", sa.Text, nullable=False, comment="the batch that ordered or issued"),
    sa.Column(
        "kind",
        sa.String(16),
        nullable=False,
        comment="ordered (a batch reserved) | issued (it used) | released (it gave back what "
        "its reservation still held) | refunded (a rejected batch gave back what it used)",
    ),
    sa.Column("count", sa.BigInteger, nullable=False, comment="certificates"),
    sa.Column("at", UTCDateTime, nullable=False, comment="when"),
    comment="Every certificate order and issuance against a balance, appended and never "
    "changed (id: derived from the allocation's event).",
)
sa.Index("ix_balance_movements_at", balance_movements.c.at)

twins = versioned(
    "twins",
    sa.Column("object_id", sa.String(128), nullable=False, comment="objectId, unique"),
    sa.Column("object_type", sa.String(128), nullable=False, comment="objectType"),
    sa.Column("owner", sa.String(36), nullable=False, comment="id of the user that made it"),
    sa.Column("thing", sa.String(36), comment="the FleetID thing it is the twin of, or NULL"),
    sa.Column(
        "operation", sa.String(36), nullable=False, comment="the mass operation that made it"
    ),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was created"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Digital twins, one row per version (id: uuid5 of the objectId).",
)
sa.Index(
    "ix_twins_object_id",
    twins.c.object_id,
    unique=True,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_twins_listing",
    twins.c.owner,
    twins.c.created_at,
    twins.c.id,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_twins_type",
    twins.c.object_type,
    twins.c.created_at,
    twins.c.id,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

twin_services = versioned(
    "twin_services",
    sa.Column("twin", sa.String(36), nullable=False, comment="its twin's id in twins"),
    sa.Column("service_key", sa.String(128), nullable=False, comment="the service's key"),
    sa.Column("uri", sa.Text, nullable=False, comment="its endpoint"),
    sa.Column("description", sa.Text, nullable=False, comment="free text, or empty"),
    sa.Column(
        "place",
        sa.BigInteger,
        nullable=False,
        comment="sorts the twin's services in the order they were added (0, 1, … at creation; "
        "later ones after)",
    ),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was added"),
    sa.Column("updated_at", UTCDateTime, comment="when an addService replaced it; NULL before"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Twins' service endpoints, one row per version (id: uuid5 of twin and key).",
)
sa.Index(
    "ix_twin_services_twin",
    twin_services.c.twin,
    twin_services.c.place,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index("ix_twin_services_twin_history", twin_services.c.twin, twin_services.c.valid_from)

twin_keys = versioned(
    "twin_keys",
    sa.Column("twin", sa.String(36), nullable=False, comment="its twin's id in twins"),
    sa.Column("kid", sa.String(256), nullable=False, comment="the key's id within its twin"),
    sa.Column("kms", sa.String(64), nullable=False, comment="where its private part is kept"),
    sa.Column(
        "type", sa.String(16), nullable=False, comment="Secp256k1 | P-256 | Secp256r1 | Ed25519"
    ),
    sa.Column("public_key_hex", sa.Text, nullable=False, comment="public key, hex, lower case"),
    sa.Column("algorithms", Document, nullable=False, comment="JSON array: meta.algorithms"),
    sa.Column("place", sa.Integer, nullable=False, comment="order in the twin, from 0"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was added"),
    comment="Twins' public keys, one row per version (id: uuid5 of twin and kid). Private "
    "keys are never kept.",
)
sa.Index(
    "ix_twin_keys_twin",
    twin_keys.c.twin,
    twin_keys.c.place,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index("ix_twin_keys_twin_history", twin_keys.c.twin, twin_keys.c.valid_from)

mass_operations = versioned(
    "mass_operations",
    sa.Column("owner", sa.String(36), nullable=False, comment="id of the user that submitted it"),
    sa.Column(
        "status",
        sa.String(32),
        nullable=False,
        comment="pending | running | completed | completed_with_errors",
    ),
    sa.Column("total", sa.Integer, nullable=False, comment="items submitted"),
    sa.Column("succeeded", sa.Integer, nullable=False, comment="items applied so far"),
    sa.Column("failed", sa.Integer, nullable=False, comment="items that failed so far"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was submitted"),
    sa.Column("started_at", UTCDateTime, comment="when its first item was taken up"),
    sa.Column("completed_at", UTCDateTime, comment="when its last item was done"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Mass operations on digital twins, one row per version (id: massOperationId).",
)
sa.Index(
    "ix_mass_operations_owner",
    mass_operations.c.owner,
    mass_operations.c.created_at,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index(
    "ix_mass_operations_status",
    mass_operations.c.status,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

mass_operation_items = versioned(
    "mass_operation_items",
    sa.Column("operation", sa.String(36), nullable=False, comment="its mass operation's id"),
    sa.Column("position", sa.Integer, nullable=False, comment="its index in the request, from 0"),
    sa.Column("operation_type", sa.String(32), comment="operationType, NULL when unreadable"),
    sa.Column("object_id", sa.String(128), comment="objectId, NULL when unreadable"),
    sa.Column("ok", sa.Boolean, nullable=False, comment="whether it was applied"),
    sa.Column(
        "outcome", sa.String(16), comment="created | unchanged | added | replaced; NULL: error"
    ),
    sa.Column("error_code", sa.String(32), comment="machine-readable error; NULL: applied"),
    sa.Column("error_field", sa.Text, comment="the item's field at fault (a path)"),
    sa.Column("reason", sa.Text, comment="why it failed, for people"),
    sa.Column("notes", Document, nullable=False, comment="JSON array of strings"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was applied"),
    comment="Each mass operation item's result, appended once it is applied (id: uuid5 of the "
    "operation and the index).",
)
sa.Index(
    "ix_mass_operation_items_operation",
    mass_operation_items.c.operation,
    mass_operation_items.c.position,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

entities = versioned(
    "entities",
    sa.Column("name", sa.Text, comment="its name"),
    sa.Column("role", sa.String(16), nullable=False, comment="caller | worker | provider | admin"),
    sa.Column("wallet", sa.String(36), nullable=False, comment="its wallet's id in wallets"),
    sa.Column("did_index", sa.Integer, nullable=False, comment="its DID's number in the wallet"),
    sa.Column("long_did", sa.Text, nullable=False, comment="its PRISM long-form DID"),
    sa.Column("status", sa.String(16), nullable=False, comment="active | deleted"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was created"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Identity entities of the admin API, one row per version.",
)
sa.Index(
    "ix_entities_listing",
    entities.c.status,
    entities.c.created_at,
    entities.c.id,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

wallets = versioned(
    "wallets",
    sa.Column("address", sa.Text, nullable=False, comment="Cardano Shelley base address"),
    sa.Column("network", sa.String(16), nullable=False, comment="testnet | mainnet"),
    sa.Column("generated", sa.Boolean, nullable=False, comment="whether FleetID made its mnemonic"),
    sa.Column("status", sa.String(16), nullable=False, comment="active | destroyed"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was created"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Identity entities' wallets, one row per version. Mnemonics and private keys are "
    "never here: they are sealed in the log under the wallet's key, erased when it is destroyed.",
)

entity_keys = versioned(
    "entity_keys",
    sa.Column("entity", sa.String(36), nullable=False, comment="its entity's id in entities"),
    sa.Column("lookup", sa.String(64), nullable=False, comment="keyed hash of the API key"),
    sa.Column("status", sa.String(16), nullable=False, comment="active | revoked"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was issued"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Identity entities' API keys (header apikey), one row per version; the keys "
    "themselves are never kept (id: uuid5 of the lookup).",
)
sa.Index(
    "ix_entity_keys_lookup",
    entity_keys.c.lookup,
    unique=True,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)

admin_keys = versioned(
    "admin_keys",
    sa.Column("kind", sa.String(16), nullable=False, comment="configured | rotated"),
    sa.Column(
        "lookup", sa.String(64), nullable=False, comment="keyed hash of the key configured or made"
    ),
    sa.Column(
        "replaced",
        Document,
        nullable=False,
        comment="JSON array: keyed hashes of the keys a rotation replaced ([] when configured)",
    ),
    sa.Column("grace_until", UTCDateTime, comment="when a rotation's replaced keys stop working"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="when it was noted"),
    comment="The admin API key's record, one row per key configured (noted at start-up) and per "
    "rotation (fleetid admin-key rotate); a rotation counts under the latest configured row "
    "before it only (id: uuid5 of the record's version).",
)

policies = versioned(
    "policies",
    sa.Column("subject", sa.String(36), nullable=False, comment="id of the user or thing"),
    sa.Column("subject_kind", sa.String(16), nullable=False, comment="user | thing"),
    sa.Column("object", sa.String(36), nullable=False, comment="id of the channel or group"),
    sa.Column("object_kind", sa.String(16), nullable=False, comment="channel | group"),
    sa.Column("actions", Document, nullable=False, comment="JSON array of action names"),
    sa.Column("owner", sa.String(36), comment="id of the user that granted it"),
    sa.Column("created_at", UTCDateTime, nullable=False, comment="first granted"),
    sa.Column("updated_at", UTCDateTime, comment="NULL until the first change"),
    sa.Column("updated_by", sa.String(64), comment="actor id of the last change"),
    comment="Policies (a thing on a channel: a connection), one row per version; a revoked "
    "policy has no current version. `id` is the policy's id, derived from (subject, object).",
)
sa.Index(
    "ix_policies_subject",
    policies.c.subject,
    policies.c.object,
    sqlite_where=CURRENT,
    postgresql_where=CURRENT,
)
sa.Index("ix_policies_object", policies.c.object, sqlite_where=CURRENT, postgresql_where=CURRENT)
# A subject's policies through time: a thing's channels, for access explanations.
sa.Index("ix_policies_subject_history", policies.c.subject, policies.c.valid_from)

projection_positions = sa.Table(
    "projection_positions",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True, comment="projection name"),
    sa.Column("position", sa.BigInteger, nullable=False, comment="last log position applied"),
    comment="Where each projection stopped; written in the same transaction as its rows.",
)

change_marks = sa.Table(
    "change_marks",
    metadata,
    sa.Column(
        "subject",
        sa.String(64),
        primary_key=True,
        comment="a read-model table's name, or messages/<channel id>",
    ),
    sa.Column(
        "mark",
        sa.BigInteger,
        nullable=False,
        comment="a table: the log position of the last event that changed it; a channel: a "
        "count of the batches that stored messages on it",
    ),
    comment="Moves whenever its subject changes, in the same transaction: a page's total "
    "counted at one mark is reused while the mark stays (infrastructure/change_marks.py).",
)

log_entries = sa.Table(
    "log_entries",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, comment="global log position"),
    sa.Column(
        "leaf",
        sa.BigInteger,
        nullable=False,
        unique=True,
        comment="index of its leaf in the log's Merkle tree: 0, 1, 2, … in position order",
    ),
    sa.Column("aggregate_id", sa.String(36), nullable=False, comment="the aggregate (UUID)"),
    sa.Column("aggregate_type", sa.String(64), nullable=False, comment="e.g. Thing, User"),
    sa.Column("version", sa.Integer, nullable=False, comment="the aggregate's version"),
    sa.Column("event_type", sa.String(64), nullable=False, comment="e.g. Registered"),
    sa.Column("recorded_at", UTCDateTime, comment="when the event was recorded"),
    sa.Column("actor", sa.String(64), comment="who caused it: user or thing id, or system"),
    sa.Column("actor_kind", sa.String(16), comment="user | thing | system"),
    sa.Column("interface", sa.String(8), comment="rest | mqtt | cli"),
    comment="One row per event in the log, in global order, for auditors' filters; its leaf "
    "hash is log_tree_nodes' (level 0, idx = leaf). The event's data stays in the event store. "
    "Appended as the log grows, never rebuilt: the leaf hashes are what the log looked like "
    "when it was indexed.",
)
sa.Index("ix_log_entries_aggregate", log_entries.c.aggregate_id, log_entries.c.position)
sa.Index("ix_log_entries_type", log_entries.c.aggregate_type, log_entries.c.position)
sa.Index("ix_log_entries_event", log_entries.c.event_type, log_entries.c.position)
sa.Index("ix_log_entries_actor", log_entries.c.actor, log_entries.c.position)
sa.Index("ix_log_entries_time", log_entries.c.recorded_at)

log_tree_nodes = sa.Table(
    "log_tree_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, comment="0 = leaves"),
    sa.Column("idx", sa.BigInteger, primary_key=True, comment="index within the level"),
    sa.Column("hash", sa.LargeBinary(32), nullable=False, comment="SHA-256 subtree hash"),
    comment="The perfect subtrees of the event log's Merkle tree (RFC 9162): node (level, idx) "
    "covers leaves idx * 2^level up to (idx + 1) * 2^level. Roots and proofs for any tree size "
    "are folded from these. Appended with log_entries, never rewritten.",
)

log_tree_heads = sa.Table(
    "log_tree_heads",
    metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True, comment="leaves covered"),
    sa.Column("timestamp", sa.BigInteger, nullable=False, comment="milliseconds since the epoch"),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False, comment="the tree's root"),
    sa.Column("signature", sa.LargeBinary(64), nullable=False, comment="Ed25519 signature"),
    comment="Signed tree heads: the log's root at a size, signed with the log's Ed25519 key over "
    "RFC 9162's TreeHeadDataV2 encoding. Issued periodically and on demand; auditors keep them.",
)

subject_keys = sa.Table(
    "subject_keys",
    metadata,
    sa.Column("subject", sa.String(64), primary_key=True, comment="id of the person"),
    sa.Column(
        "wrapped_key",
        sa.LargeBinary,
        nullable=False,
        comment="the subject's AES-256 key, wrapped under the master key",
    ),
    comment="Per-subject data keys (wrapped). Not part of the log: deleting a row erases a person.",
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
        comment="arrival order (ties in `time` are read newest id first)",
    ),
    sa.Column("channel", sa.String(36), nullable=False, comment="id of the channel"),
    sa.Column("publisher", sa.String(36), nullable=False, comment="id of the thing that sent it"),
    sa.Column("protocol", sa.String(16), nullable=False, comment="http | mqtt"),
    sa.Column(
        "subtopic",
        sa.Text,
        comment="what followed channels/{id}/messages/ in the MQTT topic or the HTTP path "
        "(`a/b`); NULL when nothing did",
    ),
    sa.Column("name", sa.Text, nullable=False, comment="resolved SenML name (bn + n)"),
    sa.Column("unit", sa.Text, comment="SenML unit (u, else bu)"),
    sa.Column("time", sa.Double, nullable=False, comment="seconds since the Unix epoch (bt + t)"),
    sa.Column("update_time", sa.Double, comment="SenML ut: seconds until the next reading"),
    sa.Column("value", sa.Double, comment="numeric value (bv + v)"),
    sa.Column("string_value", sa.Text, comment="SenML vs"),
    sa.Column("bool_value", sa.Boolean, comment="SenML vb"),
    sa.Column("data_value", sa.Text, comment="SenML vd, base64url"),
    sa.Column("sum", sa.Double, comment="SenML sum (bs + s)"),
    sa.Column(
        "received_at", sa.Double, nullable=False, comment="seconds since the epoch, on arrival"
    ),
    comment="Telemetry: one row per resolved SenML record, appended and never changed. Not a "
    "projection: `fleetid projections rebuild` leaves it alone. Exactly one of value, "
    "string_value, bool_value and data_value is set, or none when only sum is.",
)
sa.Index("ix_messages_channel_time", messages.c.channel, messages.c.time, messages.c.id)
sa.Index("ix_messages_channel_name", messages.c.channel, messages.c.name, messages.c.time)
sa.Index("ix_messages_channel_publisher", messages.c.channel, messages.c.publisher, messages.c.time)
WITH_SUBTOPIC = messages.c.subtopic.is_not(None)
sa.Index(
    "ix_messages_channel_subtopic",
    messages.c.channel,
    messages.c.subtopic,
    messages.c.time,
    sqlite_where=WITH_SUBTOPIC,
    postgresql_where=WITH_SUBTOPIC,
)
"""Partial: most packs have no subtopic, and a fourth full index cost every insert (the send
bench lost about a fifth of its records/s); `subtopic = :s` implies the predicate."""

mqtt_receipts = sa.Table(
    "mqtt_receipts",
    metadata,
    sa.Column(
        "client_id",
        sa.String(64),
        primary_key=True,
        comment="the MQTT client (thing id); broker:{account} for what FleetID's bridge read, "
        "emqx:{thing} for what EMQX posted",
    ),
    sa.Column(
        "packet_id",
        sa.Integer,
        primary_key=True,
        comment="its QoS 1 packet identifier (for EMQX, a slot picked by the message id)",
    ),
    sa.Column(
        "digest", sa.String(32), nullable=False, comment="BLAKE2b-128 of topic and payload, hex"
    ),
    comment="The last QoS 1 publish stored under each client's packet id, written in the same "
    "transaction as its messages: a retransmission (DUP) after a lost PUBACK is recognised even "
    "across a restart and not stored twice. One row per client and packet id, overwritten.",
)

mqtt_outbox = sa.Table(
    "mqtt_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True, comment="queue order"),
    sa.Column("topic", sa.Text, nullable=False, comment="where to publish"),
    sa.Column("payload", sa.LargeBinary, nullable=False, comment="what to publish"),
    sa.Column(
        "queued_at", sa.Double, nullable=False, comment="seconds since the epoch, when queued"
    ),
    comment="Gateway acknowledgements waiting for FleetID's broker connection, when a clustered "
    "broker delivers commands over HTTP hooks (FLEETID_MQTT_INGEST=hooks): the hook's worker "
    "queues the ack here and the bridge publishes it, deleting the row once the broker has "
    "acknowledged it. Empty otherwise.",
)

mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True, comment="queue order"),
    sa.Column("recipient", sa.Text, nullable=False, comment="the address it is for"),
    sa.Column("subject", sa.Text, nullable=False, comment="its subject line"),
    sa.Column("body", sa.Text, nullable=False, comment="its text, reset links included"),
    sa.Column(
        "queued_at", sa.Double, nullable=False, comment="seconds since the epoch, when queued"
    ),
    comment="E-mail the server sends (password resets) when no SMTP server is configured "
    "(FLEETID_SMTP_HOST): the operator's own mail system, or the operator, takes it from here. "
    "It holds reset links: grant it as the users' passwords would be.",
)

mqtt_sessions = sa.Table(
    "mqtt_sessions",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True, comment="the MQTT client (thing id)"),
    sa.Column("thing", sa.String(36), nullable=False, comment="the thing it authenticated as"),
    sa.Column(
        "expiry", sa.Double, nullable=False, comment="seconds the session outlives a disconnect"
    ),
    sa.Column(
        "subscriptions",
        sa.JSON,
        nullable=False,
        comment="[[topic filter, granted QoS, no local], ...]",
    ),
    sa.Column(
        "disconnected_at",
        sa.Double,
        comment="seconds since the epoch when its client left; null while connected",
    ),
    comment="The embedded broker's persistent sessions (clean session 0, or an MQTT 5 session "
    "expiry): kept across restarts of FleetID so devices need not subscribe again. Messages "
    "queued for a session are not kept here.",
)

failed_attempts = sa.Table(
    "failed_attempts",
    metadata,
    sa.Column(
        "key",
        sa.String(64),
        primary_key=True,
        comment="keyed hash (HMAC-SHA256, hex) of an identity or a client address",
    ),
    sa.Column("failures", sa.Integer, nullable=False, comment="failed secret checks in a row"),
    sa.Column(
        "last_failure", sa.Double, nullable=False, comment="seconds since the epoch, last failure"
    ),
    comment="Failed sign-ins and secret checks, for the limits on guessing (FLEETID_THROTTLE_*): "
    "shared by every worker and process. Not part of the log: failures are not domain facts. A "
    "sign-in clears its identity's row; rows older than FLEETID_THROTTLE_FORGET_AFTER are "
    "deleted with the next failure recorded, and may be deleted at any time.",
)
sa.Index("ix_failed_attempts_last_failure", failed_attempts.c.last_failure)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("ref", sa.String(36), primary_key=True, comment="the reference events name it by"),
    sa.Column("algorithm", sa.String(16), nullable=False, comment="e.g. EC:P-256, RSA:2048"),
    sa.Column(
        "sealed_key",
        sa.LargeBinary,
        nullable=False,
        comment="PKCS#8 private key, AES-256-GCM under keys/signing-keys.key (nonce first)",
    ),
    comment="Certificate authorities' private keys (the software signer): not part of the log, "
    "never shown by the API. Losing this table or the key file loses the authorities' keys.",
)

reset_requests = sa.Table(
    "reset_requests",
    metadata,
    sa.Column(
        "key",
        sa.String(64),
        primary_key=True,
        comment="keyed hash (HMAC-SHA256, hex) of the login a reset code was asked for",
    ),
    sa.Column(
        "requested_at", sa.Double, nullable=False, comment="seconds since the epoch, last request"
    ),
    comment="The last request for a password reset code per login (POST /auth/reset): another "
    "within FLEETID_PASSWORD_RESET_TTL answers false and mails nothing. Logins nobody holds are "
    "recorded alike. Not part of the log; rows past the window go with the next request.",
)
sa.Index("ix_reset_requests_requested_at", reset_requests.c.requested_at)

issued_keys = sa.Table(
    "issued_keys",
    metadata,
    sa.Column("serial", sa.String(48), primary_key=True, comment="its certificate's serial, hex"),
    sa.Column("batch", sa.BigInteger, nullable=False, comment="batchId"),
    sa.Column("position", sa.Integer, nullable=False, comment="its place in the batch, from 0"),
    sa.Column(
        "sealed_key",
        sa.LargeBinary,
        nullable=False,
        comment="PKCS#8 private key, AES-256-GCM under keys/issued-keys.key, the serial bound "
        "in (nonce first)",
    ),
    comment="Private keys FleetID made for devices' certificates, until the batch's retention "
    "ends or it is rejected: not part of the log, never shown but in a batch's download.",
)
sa.Index("ix_issued_keys_batch", issued_keys.c.batch, issued_keys.c.position)
