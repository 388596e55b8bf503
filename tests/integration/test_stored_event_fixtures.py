"""Stored events written by an earlier build must still load (docs/architecture.md §3).

`tests/fixtures/stored_events.json` holds one event of every domain event class exactly as the
EventMapper stored it, with personal fields sealed under a recorded subject key. Renaming a class
or module, or changing a field, breaks these tests instead of breaking production logs. Never
regenerate the fixture to make them pass: register the old topic or add an upcaster instead.
A class that gains a version keeps its old entry (decoded through the upcaster) and gets a new
one, named by `case`, appended.
"""

import base64
import importlib
import inspect
import json
import pkgutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import CanInitAggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

import domain
from domain.aggregate import FleetAggregate
from domain.causes import ActorKind, Cause, Interface
from domain.entities import EntityRole
from domain.policies import Kind
from domain.users import Role
from domain.wallets import Network
from infrastructure.database import create_engine, create_schema
from infrastructure.event_mapper import EventMapper
from infrastructure.schema import subject_keys
from infrastructure.subject_keys import SubjectKeyring

FIXTURE = Path(__file__).parent.parent / "fixtures" / "stored_events.json"

USER_ID = UUID("0f1e2d3c-4b5a-4697-8877-665544332211")
OWNER = UUID("11111111-2222-4333-8444-555555555555")
NEW_OWNER = UUID("66666666-7777-4888-9999-aaaaaaaaaaaa")
OTHER_HOLDER = UUID("99999999-8888-4777-a666-555555555555")
INDEX_KEY = "b1" * 32
THING_ID = UUID("5e1f0c2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f")
CHANNEL_ID = UUID("aecf0902-816d-4e38-a5b3-a1ad9a7cf9e8")
PARENT_GROUP = UUID("2766ae94-9a08-4418-82ce-3b91cf2ccd3e")
GATEWAY = UUID("2f6a1c3e-9b7d-4e5f-8a1b-0c2d3e4f5a6b")
GATEWAY_DEVICE = UUID("7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f")
T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

ADMIN = Cause(actor=str(OWNER), kind=ActorKind.USER, via=Interface.REST)
DEVICE = Cause(actor="thing-42", kind=ActorKind.THING, via=Interface.MQTT)
SYSTEM = Cause(actor="system", kind=ActorKind.SYSTEM, via=Interface.CLI)
PROCESS = Cause(actor="system", kind=ActorKind.SYSTEM, via=Interface.PROCESS)
SERIAL = "11B315A8146EF4AD3D1C0E18297F6FBC"
SELF = Cause(actor=str(USER_ID), kind=ActorKind.USER, via=Interface.REST)
APPLIER = Cause(actor=str(OWNER), kind=ActorKind.USER, via=Interface.PROCESS)
OPERATION = "3c9e6f1a-5b2d-4e7f-8a1c-9d0b2e4f6a81"
TWIN_KEY = {
    "kid": "key-1",
    "kms": "local",
    "type": "Secp256k1",
    "publicKeyHex": "02" + "ab" * 32,
    "algorithms": ["ES256K"],
}
TWIN_SERVICE = {"key": "mqtt", "uri": "mqtts://broker.example:8883", "description": "telemetry"}
BAD_ITEM_ERROR = {
    "code": "invalid_value",
    "field": "objectId",
    "reason": "Expected `str`, got `int`",
}

ADMIN_KEY = Cause(actor="d4d4d4d4d4d4d4d4", kind=ActorKind.ADMIN_KEY, via=Interface.REST)
WALLET_ID = UUID("8201a6f1-8eed-44f3-86e3-f505b238c6b7")
ENTITY_ID = UUID("e980fc11-c57d-490f-a0cc-004dfeb6b942")
WALLET_SEED_ID = UUID("03a8df59-2890-5de6-9a79-a94d0332cdba")
WALLET_ADDRESS = (
    "addr_test1qqhr25v8d3gtxfvcu9p793hfhx3d2zkl7dkv9zl7yg84ctzm32sqdg9h5av4u7sey3x0psgdsa2utc78"
    "w6txhz4jfzdqtpqsjv"
)
LONG_DID = (
    "did:prism:53b0074c8fe0fef8082530021b11dd0facfabbf628907b05f57a82be96640104:CnoKeBI5CgVrZXkt"
    "MRAESi4KCXNlY3AyNTZrMRIhAioRoqtz5wi9Ci70fp1sL1f99fXg4xo8CcCs-Ux6tPLpEjsKB21hc3RlcjAQAUouCglz"
    "ZWNwMjU2azESIQNv-zBpfaBAdPavsP0GS4jz9tMYB9jYgcfX2IIPj7CNeg"
)

PROFILE_CONFIG = (
    '{"Subject": {"attributes": [{"type": "commonName", "source": ["Request.macAddress"], '
    '"syntax": "MACAddress"}]}, "Validity": {"default": {"years": 1}}, '
    '"SignatureAlgorithm": {"name": "ecdsa-with-SHA256"}, '
    '"SubjectPublicKeyInfo": {"syntax": "EC:P-256"}}'
)
ORGANIZATION = {
    "address": "Street 1",
    "contact_name": "John Smith",
    "contact_email": "j.smith@example.com",
    "contact_phone": "+38 012 345 6789",
    "manufacture_id": "1020",
    "logo": "Logo",
    "org_status": "ACTIVE",
}

# What each fixture must decode to, written out by hand so that the fixture file cannot drift
# together with the code. Personal fields are listed in PERSONAL.
EXPECTED: dict[str, dict[str, Any]] = {
    "User.Registered": {
        "originator_topic": "domain.users:User",
        "cause": ADMIN,
        "identity": "ada@fleet.example",
        "secret_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
        "name": "Ada Lovelace",
        "tags": ["ops", "eu"],
        "metadata": {"phone": "+44 20 7946 0000", "floor": 3},
        "role": Role.ADMIN,
        "owner": OWNER,
    },
    "User.Renamed": {"cause": ADMIN, "name": "Ada King"},
    "User.MetadataReplaced": {"cause": ADMIN, "metadata": {"phone": "+44 20 7946 0001"}},
    "User.TagsReplaced": {"cause": DEVICE, "tags": ["ops", "analytics"]},
    "User.OwnerChanged": {"cause": ADMIN, "owner": NEW_OWNER},
    "User.IdentityChanged": {"cause": ADMIN, "identity": "ada.king@fleet.example"},
    "User.SecretChanged": {
        "cause": ADMIN,
        "secret_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdDI$aGFzaDI",
    },
    "User.Disabled": {"cause": ADMIN},
    "User.Enabled": {"cause": ADMIN},
    "User.Erased": {"cause": SYSTEM},
    "IdentityIndex.Claimed": {
        "originator_topic": "domain.identities:IdentityIndex",
        "cause": ADMIN,
        "key": INDEX_KEY,
        "holder": USER_ID,
    },
    "IdentityIndex.Released": {"cause": SYSTEM},
    "IdentityIndex.Reclaimed": {"cause": DEVICE, "holder": OTHER_HOLDER},
    "NumberSequence.Started": {
        "originator_topic": "domain.sequences:NumberSequence",
        "cause": ADMIN,
        "kind": "organization",
    },
    "NumberSequence.Taken": {"cause": ADMIN, "number": 1},
    "Organization.Founded": {
        "originator_topic": "domain.organizations:Organization",
        "cause": ADMIN,
        "number": 1,
        "name": "Org. Name",
        **ORGANIZATION,
    },
    "Organization.Updated": {
        "cause": ADMIN,
        **ORGANIZATION,
        "address": "Street 2",
        "parameters": {"CITY": "NY", "COUNTRY": "US"},
    },
    "Profile.Loaded": {
        "originator_topic": "domain.profiles:Profile",
        "cause": ADMIN,
        "number": 1,
        "name": "ECC Device Certificate",
        "config": PROFILE_CONFIG,
    },
    "Profile.Reconfigured": {
        "cause": SYSTEM,
        "config": PROFILE_CONFIG.replace('"years": 1', '"years": 2'),
    },
    "Authority.Established": {
        "originator_topic": "domain.authorities:Authority",
        "cause": SYSTEM,
        "number": 1,
        "name": "FleetID ECC Device Certificate CA",
        "profile": 1,
        "key": "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "key_algorithm": "EC:P-256",
        "certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "imported": False,
    },
    "Allocation.Granted": {
        "originator_topic": "domain.allocations:Allocation",
        "cause": ADMIN,
        "organization": 1,
        "authority": 1,
    },
    "Allocation.Changed": {"cause": ADMIN, "balance": 100, "enabled": True},
    "Allocation.Reserved": {
        "cause": SELF,
        "batch": "batch-1",
        "user": str(USER_ID),
        "count": 10,
        "reserved": 10,
    },
    "Allocation.Committed": {
        "cause": SYSTEM,
        "batch": "batch-1",
        "count": 8,
        "used": 8,
        "reserved": 0,
        "used_by": {str(USER_ID): 8},
    },
    "Allocation.Released": {"cause": SYSTEM, "batch": "batch-2", "reserved": 0},
    "Allocation.Removed": {"cause": ADMIN},
    "Allocation.Regranted": {"cause": ADMIN, "enabled": True},
    "ResetCode.Issued": {
        "originator_topic": "domain.reset_codes:ResetCode",
        "cause": SELF,
        "key": "c2" * 32,
        "holder": USER_ID,
        "expires_at": 1796526255.678901,
    },
    "Thing.Provisioned": {
        "originator_topic": "domain.things:Thing",
        "cause": ADMIN,
        "identity": "boiler-7",
        "name": "Boiler sensor",
        "tags": ["heating", "eu"],
        "metadata": {"floor": 3, "model": "BX-2"},
        "owner": OWNER,
        "secret_lookup": "c2" * 32,
        "sealed_secret": "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJCrze8S",
        "parent": None,
        "public_key": None,
    },
    "Thing.Provisioned v2": {
        "originator_topic": "domain.things:Thing",
        "cause": DEVICE,
        "identity": "",
        "name": "",
        "tags": [],
        "metadata": {},
        "owner": OWNER,
        "secret_lookup": "d3" * 32,
        "sealed_secret": "r94wFkVXfKDsz9ATOGd5lLwO8yM1WoqR",
        "parent": GATEWAY,
        "public_key": "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
    },
    "Thing.PublicKeyChanged": {"cause": DEVICE, "public_key": "MCowBQYDK2VwAyEA2"},
    "Thing.Removed": {"cause": DEVICE},
    "ModuleCommand.Recorded": {
        "originator_topic": "domain.module_commands:ModuleCommand",
        "cause": DEVICE,
        "module": GATEWAY,
        "correlation_id": "corr-1",
        "action": "create",
        "result": "success",
        "reason": None,
        "message": "identity created",
        "identity": GATEWAY_DEVICE,
    },
    "Thing.Renamed": {"cause": ADMIN, "name": "Boiler sensor 2"},
    "Thing.MetadataReplaced": {"cause": ADMIN, "metadata": {"floor": 4}},
    "Thing.TagsReplaced": {"cause": DEVICE, "tags": ["heating"]},
    "Thing.OwnerChanged": {"cause": ADMIN, "owner": NEW_OWNER},
    "Thing.SecretChanged": {
        "cause": ADMIN,
        "secret_lookup": "d3" * 32,
        "sealed_secret": "ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8BI0Vn",
    },
    "Thing.Disabled": {"cause": SYSTEM},
    "Thing.Enabled": {"cause": ADMIN},
    "Channel.Opened": {
        "originator_topic": "domain.channels:Channel",
        "cause": ADMIN,
        "name": "Temperature Data",
        "description": "boiler room",
        "metadata": {"site": "north"},
        "owner": OWNER,
        "parent": None,
    },
    "Channel.Opened v2": {
        "originator_topic": "domain.channels:Channel",
        "cause": ADMIN,
        "name": "Light Data",
        "description": "",
        "metadata": {},
        "owner": OWNER,
        "parent": PARENT_GROUP,
    },
    "Channel.Updated": {
        "cause": ADMIN,
        "name": "Jane Doe",
        "description": "",
        "metadata": {"location": "london"},
    },
    "Channel.Disabled": {"cause": SYSTEM},
    "Channel.Enabled": {"cause": ADMIN},
    "Group.Formed": {
        "originator_topic": "domain.groups:Group",
        "cause": ADMIN,
        "name": "Customer Support",
        "description": "support",
        "metadata": {"tier": 1},
        "owner": OWNER,
        "parent": PARENT_GROUP,
        "path": f"{PARENT_GROUP}.dd2dc8d4-f7cf-42f9-832b-81cae9a8e90a",
    },
    "Group.Updated": {
        "cause": ADMIN,
        "name": "Data Analysts",
        "description": "",
        "metadata": {"location": "london"},
    },
    "Group.Disabled": {"cause": SYSTEM},
    "Group.Enabled": {"cause": ADMIN},
    "Policy.Granted": {
        "originator_topic": "domain.policies:Policy",
        "cause": ADMIN,
        "subject": THING_ID,
        "subject_kind": Kind.THING,
        "object": CHANNEL_ID,
        "object_kind": Kind.CHANNEL,
        "actions": ["m_write", "m_read"],
        "owner": OWNER,
    },
    "Policy.ActionsChanged": {"cause": ADMIN, "actions": ["m_read"]},
    "Policy.Revoked": {"cause": ADMIN},
    "Policy.Regranted": {
        "cause": ADMIN,
        "created_at": T0 + timedelta(seconds=25),
        "subject": THING_ID,
        "subject_kind": Kind.THING,
        "object": CHANNEL_ID,
        "object_kind": Kind.CHANNEL,
        "actions": ["m_write"],
        "owner": NEW_OWNER,
    },
    "User.Registered sealed secret": {
        "originator_topic": "domain.users:User",
        "cause": ADMIN,
        "identity": "ada@fleet.example",
        "secret_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdDM$aGFzaDM",
        "name": "Ada Lovelace",
        "tags": ["ops"],
        "metadata": {"floor": 3},
        "role": Role.ADMIN,
        "owner": OWNER,
    },
    "User.SecretChanged sealed secret": {
        "cause": ADMIN,
        "secret_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdDQ$aGFzaDQ",
    },
    "User.Enrolled": {
        "cause": ADMIN,
        "number": 7,
        "first_name": "Augusta",
        "last_name": "King",
        "phone": "+44 20 7946 0000",
        "email": "ada.king@fleet.example",
        "privileges": [{"role": "USER", "ecosystem": 1, "organization": 1, "profiles": [1, 2]}],
    },
    "User.ContactChanged": {
        "cause": ADMIN,
        "first_name": "Augusta",
        "last_name": "Byron",
        "phone": "+44 20 7946 0001",
        "email": "ada.byron@fleet.example",
    },
    "User.PrivilegesChanged": {
        "cause": ADMIN,
        "privileges": [{"role": "ECO_ADMIN", "ecosystem": 1, "organization": 0, "profiles": [3]}],
    },
    "User.Withdrawn": {"cause": ADMIN},
    "Batch.Ordered": {
        "originator_topic": "domain.batches:Batch",
        "cause": ADMIN,
        "number": 1,
        "name": "Batch Name",
        "organization": 1,
        "authority": 2,
        "profile": 2,
        "user": str(USER_ID),
        "user_number": 7,
        "size": 10,
        "generator": 1,
        "generator_params": {"increment": "1", "startValue": "0"},
        "profile_params": {"commonName": "name", "years": "1"},
        "pkcs12_password": "secret-pkcs12",
        "source": "generator",
    },
    "Batch.Ordered v2": {
        "originator_topic": "domain.batches:Batch",
        "cause": ADMIN,
        "number": 9,
        "name": "uploaded",
        "organization": 1,
        "authority": 1,
        "profile": 1,
        "user": str(OWNER),
        "user_number": 7,
        "size": 2,
        "generator": 0,
        "generator_params": {},
        "profile_params": {"years": "1"},
        "pkcs12_password": None,
        "source": "csr",
    },
    "Batch.RequestsAdded": {
        "cause": ADMIN,
        "first": 0,
        "values": [{"macAddress": "00:1A:2B:3C:4D:5E"}, {"macAddress": "00:1A:2B:3C:4D:5F"}],
        "public_keys": [
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAF",
        ],
    },
    "Batch.Rejected": {"cause": ADMIN, "reason": "Reject reason", "serials": []},
    "Batch.ChunkIssued": {
        "cause": PROCESS,
        "number": 8,
        "authority": 1,
        "first": 0,
        "issued": 1,
        "failed": 1,
        "certificates": [
            {
                "index": "0",
                "serial": SERIAL,
                "device": "4b971c11-204a-4bad-9b95-d6ab7a85c748",
                "cn": "00:00:00:00:00:01",
                "der": "MIIBszCCAVmgAwIBAgIQ",
            }
        ],
        "failures": [{"index": "1", "reason": "commonName is over 64 characters"}],
    },
    "Batch.Finished": {"cause": PROCESS, "status": "Batch Issued Partly", "reason": ""},
    "Batch.Downloaded": {"cause": ADMIN},
    "Batch.ZipRemoved": {"cause": PROCESS},
    "Batch.RevokeRequested": {"cause": ADMIN, "reason": "lost"},
    "Batch.Revoked": {"cause": PROCESS, "serials": [SERIAL]},
    "Batch.RejectRequested": {"cause": ADMIN, "reason": "wrong order"},
    "Batch.Rejected v2": {"cause": PROCESS, "reason": "wrong order", "serials": [SERIAL]},
    "Allocation.Used": {
        "cause": PROCESS,
        "batch": "8",
        "count": 1,
        "used": 5,
        "reserved": 9,
        "used_by": {str(OWNER): 5},
    },
    "Allocation.Refunded": {
        "cause": PROCESS,
        "batch": "8",
        "user": str(OWNER),
        "count": 1,
        "used": 4,
        "used_by": {str(OWNER): 4},
    },
    "RevocationList.Opened": {
        "originator_topic": "domain.revocations:RevocationList",
        "cause": PROCESS,
        "authority": 1,
    },
    "RevocationList.Revoked": {"cause": PROCESS, "authority": 1, "serials": [SERIAL], "reason": 5},
    "Ecosystem.Founded": {
        "originator_topic": "domain.ecosystems:Ecosystem",
        "cause": SYSTEM,
        "number": 1,
        "name": "FleetID",
        "description": "",
        "capacity": 0,
    },
    "Ecosystem.Changed": {
        "cause": SYSTEM,
        "name": "Acme Fleet",
        "description": "Acme's devices",
        "capacity": 5000,
    },
    "MassOperation.Submitted": {
        "originator_topic": "domain.mass_operations:MassOperation",
        "cause": ADMIN,
        "owner": str(OWNER),
        "admin": False,
        "total": 2,
    },
    "MassOperation.ItemsAdded": {
        "cause": ADMIN,
        "first": 0,
        "items": [
            {
                "operationType": "createDigitalTwin",
                "objectId": "meter-0001",
                "objectType": "meter",
                "services": [TWIN_SERVICE],
                "keys": [TWIN_KEY],
                "discarded": ["keys[0].privateKeyHex"],
            },
            {"operationType": "addService", "error": BAD_ITEM_ERROR},
        ],
    },
    "MassOperation.Started": {"cause": APPLIER},
    "MassOperation.ChunkApplied": {
        "cause": APPLIER,
        "first": 0,
        "results": [
            {
                "index": 0,
                "objectId": "meter-0001",
                "operationType": "createDigitalTwin",
                "ok": True,
                "notes": ["keys[0].privateKeyHex was discarded: FleetID never keeps a private key"],
                "outcome": "created",
            },
            {
                "index": 1,
                "objectId": None,
                "operationType": "addService",
                "ok": False,
                "notes": [],
                "error": BAD_ITEM_ERROR,
            },
        ],
        "succeeded": 1,
        "failed": 1,
    },
    "MassOperation.Completed": {"cause": APPLIER, "status": "completed_with_errors"},
    "Twin.Created": {
        "originator_topic": "domain.twins:Twin",
        "cause": APPLIER,
        "object_id": "meter-0001",
        "object_type": "meter",
        "owner": str(OWNER),
        "thing": None,
        "services": [TWIN_SERVICE],
        "keys": [TWIN_KEY],
        "operation": OPERATION,
        "item": 0,
    },
    "Twin.ServicesAdded": {
        "cause": APPLIER,
        "services": [{**TWIN_SERVICE, "uri": "mqtts://other.example:8883"}],
        "replaced": ["mqtt"],
        "operation": OPERATION,
        "item": 1,
    },
    "WalletSeed.Claimed": {
        "originator_topic": "domain.wallet_seeds:WalletSeed",
        "cause": ADMIN_KEY,
        "wallet": str(WALLET_ID),
    },
    "Wallet.Created": {
        "originator_topic": "domain.wallets:Wallet",
        "cause": ADMIN_KEY,
        "mnemonic": " ".join(["abandon"] * 23 + ["art"]),
        "address": WALLET_ADDRESS,
        "network": Network.TESTNET,
        "generated": False,
        "seed": WALLET_SEED_ID,
        "first_did": 0,
    },
    "Wallet.Linked": {"cause": ADMIN_KEY, "entity": str(ENTITY_ID), "did_index": 0},
    "EntityKey.Issued": {
        "originator_topic": "domain.entity_keys:EntityKey",
        "cause": ADMIN_KEY,
        "entity": str(ENTITY_ID),
        "lookup": "c3" * 32,
    },
    "Entity.Created": {
        "originator_topic": "domain.entities:Entity",
        "cause": ADMIN_KEY,
        "name": "Ada Gateway",
        "role": EntityRole.CALLER,
        "wallet": str(WALLET_ID),
        "did_index": 0,
        "long_did": LONG_DID,
        "key": UUID("811e358c-c8f8-50e5-bea5-0a801c87fd83"),
    },
    "Entity.Deleted": {"cause": ADMIN_KEY},
    "EntityKey.Revoked": {"cause": ADMIN_KEY},
    "Wallet.Unlinked": {"cause": ADMIN_KEY, "entity": str(ENTITY_ID)},
    "Wallet.Destroyed": {"cause": ADMIN_KEY},
    "WalletSeed.Released": {"cause": ADMIN_KEY, "dids_made": 1},
    "WalletSeed.Reclaimed": {"cause": ADMIN_KEY, "wallet": "5861593e-ce8d-4243-b4cd-610beb1bba94"},
    "AdminKeys.Opened": {
        "originator_topic": "domain.admin_keys:AdminKeys",
        "cause": SYSTEM,
        "configured": "e5" * 32,
    },
    "AdminKeys.Rotated": {
        "cause": SYSTEM,
        "lookup": "f6" * 32,
        "replaced": ["e5" * 32],
        "grace_until": datetime(2026, 1, 2, 4, 0, 0, tzinfo=UTC),
    },
    "AdminKeys.Configured": {"cause": SYSTEM, "lookup": "d4" * 32},
}
PERSONAL: dict[str, frozenset[str]] = {
    "Organization.Founded": frozenset({"contact_name", "contact_email", "contact_phone"}),
    "Organization.Updated": frozenset({"contact_name", "contact_email", "contact_phone"}),
    "User.Registered": frozenset({"identity", "name", "metadata"}),
    "User.Renamed": frozenset({"name"}),
    "User.MetadataReplaced": frozenset({"metadata"}),
    "User.IdentityChanged": frozenset({"identity"}),
    "User.Enrolled": frozenset({"first_name", "last_name", "phone", "email", "privileges"}),
    "User.PrivilegesChanged": frozenset({"privileges"}),
    "User.ContactChanged": frozenset({"first_name", "last_name", "phone", "email"}),
    "Entity.Created": frozenset({"name"}),
}


SEALED_SECRETS: dict[str, frozenset[str]] = {
    "User.Registered sealed secret": frozenset({"secret_hash"}),
    "User.SecretChanged sealed secret": frozenset({"secret_hash"}),
    "Batch.Ordered": frozenset({"pkcs12_password"}),
    "Wallet.Created": frozenset({"mnemonic"}),
}
"""Hashes sealed like personal data; the first entries of these classes hold them in the clear,
as builds before sealing stored them, and still load."""


def _fixture() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


FIXTURES: list[dict[str, Any]] = _fixture()["events"]


def case(fixture: dict[str, Any]) -> str:
    """What EXPECTED lists a fixture under: its class, or a later version of that class."""
    name: str = fixture.get("case", fixture["event"])
    return name


def domain_event_classes() -> dict[str, type[FleetAggregate.Event]]:
    """Every event class the domain defines, keyed by qualified name, found by walking the
    aggregates so that a new event class without a fixture is noticed."""
    for module in pkgutil.iter_modules(domain.__path__, "domain."):
        importlib.import_module(module.name)
    aggregates: list[type[FleetAggregate]] = []
    pending: list[type[FleetAggregate]] = [FleetAggregate]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("domain."):
                aggregates.append(sub)
    found: dict[str, type[FleetAggregate.Event]] = {}
    for aggregate in aggregates:
        nested = {
            name: value
            for name, value in vars(aggregate).items()
            if inspect.isclass(value) and issubclass(value, FleetAggregate.Event)
        }
        # The library defines `Event` and `Created` on every aggregate class. `Event` is only a
        # base; `Created` counts only when the aggregate has no creation event of its own.
        nested.pop("Event", None)
        if any(issubclass(c, CanInitAggregate) for n, c in nested.items() if n != "Created"):
            nested.pop("Created", None)
        for event_class in nested.values():
            found[event_class.__qualname__] = event_class
    return found


@pytest.fixture
def keyring(tmp_path: Path) -> Iterator[SubjectKeyring]:
    """A keyring on a fresh database holding only the subject keys recorded in the fixture."""
    data = _fixture()
    engine = create_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    create_schema(engine)
    with engine.begin() as conn:
        for row in data["subject_keys"]:
            conn.execute(
                subject_keys.insert().values(
                    subject=row["subject"], wrapped_key=base64.b64decode(row["wrapped_key"])
                )
            )
    try:
        yield SubjectKeyring(engine, bytes.fromhex(data["master_key"]))
    finally:
        engine.dispose()


def stored(fixture: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(fixture["originator_id"]),
        originator_version=fixture["originator_version"],
        topic=fixture["topic"],
        state=fixture["state"].encode("utf-8"),
    )


def test_every_domain_event_class_has_a_fixture() -> None:
    classes = domain_event_classes()
    assert set(classes) == {f["event"] for f in FIXTURES}
    assert set(EXPECTED) == {case(f) for f in FIXTURES}


def test_discovery_finds_the_known_event_classes() -> None:
    """Guards the discovery itself: an empty walk would make the test above vacuous."""
    assert {"User.Registered", "User.Erased", "IdentityIndex.Claimed"} <= set(
        domain_event_classes()
    )


@pytest.mark.parametrize("fixture", FIXTURES, ids=[case(f) for f in FIXTURES])
def test_stored_event_decodes_to_its_class_and_values(
    fixture: dict[str, Any], keyring: SubjectKeyring
) -> None:
    event = EventMapper(keyring).to_domain_event(stored(fixture))

    assert type(event) is resolve_topic(fixture["topic"])
    assert type(event) is domain_event_classes()[fixture["event"]]
    assert event.originator_id == UUID(fixture["originator_id"])
    assert event.originator_version == fixture["originator_version"]
    position = FIXTURES.index(fixture)
    assert event.timestamp == T0 + timedelta(seconds=position)
    fields = {k: v for k, v in vars(event).items() if k not in {"originator_id", "timestamp"}}
    fields.pop("originator_version")
    assert fields == EXPECTED[case(fixture)]
    # Types, not just equal values: a Cause, not a dict; a Role, not a str; a UUID, not a str.
    assert type(fields["cause"]) is Cause
    for name, value in EXPECTED[case(fixture)].items():
        assert type(fields[name]) is type(value), name


def test_personal_fields_are_sealed_in_the_stored_state() -> None:
    """The fixture itself must not carry personal data in the clear (docs/architecture.md §5)."""
    for fixture in FIXTURES:
        state = json.loads(fixture["state"])
        sealed = PERSONAL.get(fixture["event"], frozenset())
        for name in sealed | SEALED_SECRETS.get(case(fixture), frozenset()):
            assert set(state[name]) == {"sealed"}, (fixture["event"], name)
        # Plaintexts with spaces or '@', which base64 cannot produce by chance.
        for plain in ("ada@fleet.example", "ada.king@fleet.example", "Ada ", "+44 20"):
            assert plain not in fixture["state"], (fixture["event"], plain)


def test_personal_fields_match_the_event_classes() -> None:
    classes = domain_event_classes()
    for name, event_class in classes.items():
        assert event_class.personal_fields == PERSONAL.get(name, frozenset()), name


def test_erased_subject_decodes_personal_fields_as_none(keyring: SubjectKeyring) -> None:
    for subject in _fixture()["subject_keys"]:
        keyring.erase(subject["subject"])
    mapper = EventMapper(keyring)
    for fixture in FIXTURES:
        event = mapper.to_domain_event(stored(fixture))
        personal = PERSONAL.get(fixture["event"], frozenset())
        personal |= SEALED_SECRETS.get(case(fixture), frozenset())
        fields = vars(event)
        for name, value in EXPECTED[case(fixture)].items():
            expected = None if name in personal else value
            assert fields[name] == expected, (fixture["event"], name)
        assert event.originator_version == fixture["originator_version"]
