"""Every refusal answers one JSON error shape and leaves every user as it was."""

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import TestClient

from infrastructure.keyfiles import signing_key
from interfaces.bootstrap import FleetID
from tests.api.support import (
    SECRET,
    UNCHECKED,
    all_users,
    assert_problem,
    issue_tokens,
    new_identity,
)
from tests.helpers import admin_token, bearer, register

JSON = {"content-type": "application/json"}


@dataclass
class Ctx:
    client: TestClient[Any]
    fleet: FleetID
    admin: str
    user_id: str
    identity: str
    other_id: str
    user_tokens: dict[str, Any]

    def auth(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**bearer(self.admin), **(extra or {})}

    def token(self, claims: dict[str, Any], key: Ed25519PrivateKey | None = None) -> str:
        """A token signed with the server's own key (or `key`), carrying exactly `claims`."""
        key = key or signing_key(self.fleet.settings.data_dir / "keys" / "token-signing.pem")
        return jwt.encode(claims, key, algorithm="EdDSA")

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = time.time()
        claims = {"iss": "fleetid", "sub": self.user_id, "type": "access", "iat": now}
        return {**claims, "exp": now + 900, **overrides}


@pytest.fixture
def ctx(client: TestClient[Any], sqlite_fleet: FleetID) -> Ctx:
    identity = new_identity("existing")
    user = register(client, identity, name="Existing", tags=["t"], metadata={"k": "v"})
    return Ctx(
        client=client,
        fleet=sqlite_fleet,
        admin=admin_token(client),
        user_id=user["id"],
        identity=identity,
        other_id=register(client, new_identity("other"))["id"],
        user_tokens=issue_tokens(client, identity, SECRET),
    )


Call = Callable[[Ctx], httpx.Response]
UNKNOWN = "4f22fa45-50ca-491b-a7c9-680a2608dc13"


def create(body: Any) -> Call:
    return lambda c: c.client.post("/users", json=body)


def raw(method: str, path: str, content: bytes | Iterator[bytes], media: str | None) -> Call:
    def call(c: Ctx) -> httpx.Response:
        headers = c.auth({"content-type": media} if media else {})
        return c.client.request(method, path.format(id=c.user_id), content=content, headers=headers)

    return call


def as_admin(method: str, path: str, body: Any = None, **params: Any) -> Call:
    def call(c: Ctx) -> httpx.Response:
        return c.client.request(
            method,
            path.format(id=c.user_id),
            json=body,
            params=params or None,
            headers=c.auth(),
        )

    return call


def creds(identity: Any = "x@fleet.example", secret: Any = SECRET) -> dict[str, Any]:
    return {"identity": identity, "secret": secret}


def profile_with(token: Callable[[Ctx], str | None], scheme: str = "Bearer") -> Call:
    def call(c: Ctx) -> httpx.Response:
        value = token(c)
        headers = {} if value is None else {"Authorization": f"{scheme} {value}".rstrip()}
        return c.client.get("/users/profile", headers=headers)

    return call


def refresh_with(token: Callable[[Ctx], str]) -> Call:
    return lambda c: c.client.post("/users/tokens/refresh", headers=bearer(token(c)))


def duplicate_identity(transform: Callable[[str], str]) -> Call:
    return lambda c: c.client.post("/users", json={"credentials": creds(transform(c.identity))})


def identity_change_to_taken(transform: Callable[[str], str]) -> Call:
    def call(c: Ctx) -> httpx.Response:
        return c.client.patch(
            f"/users/{c.other_id}/identity",
            json={"identity": transform(c.identity)},
            headers=c.auth(),
        )

    return call


def oversized(extra: int) -> Call:
    def call(c: Ctx) -> httpx.Response:
        limit = c.fleet.settings.max_body_bytes
        return c.client.post("/users", content=b" " * (limit + extra), headers=JSON)

    return call


def oversized_chunked(c: Ctx) -> httpx.Response:
    limit = c.fleet.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // 4096 + 2):
            yield b" " * 4096

    return c.client.post("/users", content=chunks(), headers=JSON)


def token_for_unknown_user(c: Ctx) -> str:
    return c.token(c.claims(sub=str(uuid.uuid4())))


def alg_none_token(c: Ctx) -> str:
    return jwt.encode(c.claims(), key="", algorithm="none")


# (call, status, field): field UNCHECKED = any string or null.
ROWS: list[Any] = [
    # malformed JSON
    pytest.param(raw("POST", "/users", b'{"credentials": ', "application/json"), 400, UNCHECKED,
                 id="malformed-json-create"),
    pytest.param(raw("PATCH", "/users/{id}", b"{name: 1}", "application/json"), 400, UNCHECKED,
                 id="malformed-json-update"),
    pytest.param(raw("POST", "/users/tokens/issue", b"[", "application/json"), 400, UNCHECKED,
                 id="malformed-json-issue"),
    # wrong types name the field
    pytest.param(create({"credentials": creds(identity=5)}), 400, "credentials.identity",
                 id="type-credentials.identity"),
    pytest.param(create({"credentials": creds(secret=12345678)}), 400, "credentials.secret",
                 id="type-credentials.secret"),
    pytest.param(create({"credentials": "x"}), 400, "credentials", id="type-credentials"),
    pytest.param(create({"credentials": creds(), "name": 7}), 400, "name", id="type-name"),
    pytest.param(create({"credentials": creds(), "tags": "red"}), 400, "tags", id="type-tags"),
    pytest.param(create({"credentials": creds(), "metadata": [1]}), 400, "metadata",
                 id="type-metadata"),
    pytest.param(create({"credentials": creds(), "status": "sleeping"}), 400, "status",
                 id="value-status"),
    pytest.param(create({"credentials": creds(), "role": "root"}), 400, "role", id="value-role"),
    pytest.param(create([creds()]), 400, UNCHECKED, id="type-body-array"),
    pytest.param(as_admin("PATCH", "/users/{id}", {"name": ["x"]}), 400, "name",
                 id="type-update-name"),
    pytest.param(as_admin("PATCH", "/users/{id}", {"metadata": "x"}), 400, "metadata",
                 id="type-update-metadata"),
    pytest.param(as_admin("PATCH", "/users/{id}/tags", {"tags": "x"}), 400, "tags",
                 id="type-tags"),
    pytest.param(as_admin("PATCH", "/users/{id}/tags", {"tags": [1]}), 400, "tags[0]",
                 id="type-tags-item"),
    pytest.param(as_admin("PATCH", "/users/{id}/owner", {"owner": "nobody"}), 400, "owner",
                 id="type-owner"),
    pytest.param(as_admin("PATCH", "/users/{id}/identity", {"identity": 1}), 400, "identity",
                 id="type-identity"),
    pytest.param(
        lambda c: c.client.post("/users/tokens/issue", json={"identity": [], "secret": SECRET}),
        400, "identity", id="type-issue-identity",
    ),
    # missing fields name the field
    pytest.param(create({"name": "x"}), 400, "credentials", id="missing-credentials"),
    pytest.param(create({"credentials": {"secret": SECRET}}), 400, "credentials.identity",
                 id="missing-credentials.identity"),
    pytest.param(create({"credentials": {"identity": "a@b.c"}}), 400, "credentials.secret",
                 id="missing-credentials.secret"),
    pytest.param(as_admin("PATCH", "/users/{id}/tags", {}), 400, "tags", id="missing-tags"),
    pytest.param(as_admin("PATCH", "/users/{id}/owner", {}), 400, "owner", id="missing-owner"),
    pytest.param(as_admin("PATCH", "/users/{id}/identity", {}), 400, "identity",
                 id="missing-identity"),
    pytest.param(as_admin("PATCH", "/users/secret", {"old_secret": "x"}), 400, "new_secret",
                 id="missing-new_secret"),
    pytest.param(as_admin("PATCH", "/users/secret", {"new_secret": SECRET}), 400, "old_secret",
                 id="missing-old_secret"),
    pytest.param(
        lambda c: c.client.post("/users/tokens/issue", json={"identity": "a@b.c"}),
        400, "secret", id="missing-issue-secret",
    ),
    # invalid values name the field where the client sent it
    pytest.param(create({"credentials": creds(secret="short")}), 400, "credentials.secret",
                 id="value-credentials.secret-short"),
    pytest.param(create({"credentials": creds(identity="has space@x")}), 400,
                 "credentials.identity", id="value-credentials.identity-space"),
    pytest.param(create({"credentials": creds(identity="")}), 400, "credentials.identity",
                 id="value-credentials.identity-empty"),
    pytest.param(create({"credentials": creds(), "tags": [""]}), 400, "tags", id="value-tag"),
    pytest.param(create({"credentials": creds(), "name": "n" * 1025}), 400, "name",
                 id="value-name-long"),
    pytest.param(as_admin("PATCH", "/users/{id}/identity", {"identity": "a b"}), 400,
                 "identity", id="value-identity-space"),
    pytest.param(as_admin("PATCH", "/users/{id}/owner", {"owner": UNKNOWN}), 404, "owner",
                 id="value-owner-unknown"),
    pytest.param(as_admin("PATCH", "/users/{id}/tags", {"tags": [""]}), 400, "tags",
                 id="value-tags-empty-tag"),
    # unknown ids
    pytest.param(as_admin("GET", f"/users/{UNKNOWN}"), 404, UNCHECKED, id="unknown-get"),
    pytest.param(as_admin("PATCH", f"/users/{UNKNOWN}", {"name": "x"}), 404, UNCHECKED,
                 id="unknown-update"),
    pytest.param(as_admin("PATCH", f"/users/{UNKNOWN}/tags", {"tags": []}), 404, UNCHECKED,
                 id="unknown-tags"),
    pytest.param(as_admin("PATCH", f"/users/{UNKNOWN}/owner", {"owner": UNKNOWN}), 404,
                 UNCHECKED, id="unknown-owner"),
    pytest.param(as_admin("PATCH", f"/users/{UNKNOWN}/identity", {"identity": "n@x.y"}), 404,
                 UNCHECKED, id="unknown-identity"),
    pytest.param(as_admin("POST", f"/users/{UNKNOWN}/enable"), 404, UNCHECKED,
                 id="unknown-enable"),
    pytest.param(as_admin("POST", f"/users/{UNKNOWN}/disable"), 404, UNCHECKED,
                 id="unknown-disable"),
    # ids that are not UUIDs
    pytest.param(as_admin("GET", "/users/not-a-uuid"), 404, UNCHECKED, id="non-uuid-get"),
    pytest.param(as_admin("PATCH", "/users/not-a-uuid", {"name": "x"}), 404, UNCHECKED,
                 id="non-uuid-update"),
    pytest.param(as_admin("PATCH", "/users/1234/tags", {"tags": []}), 404, UNCHECKED,
                 id="non-uuid-tags"),
    pytest.param(as_admin("POST", "/users/not-a-uuid/disable"), 404, UNCHECKED,
                 id="non-uuid-disable"),
    # duplicates
    pytest.param(duplicate_identity(str), 409, "identity", id="duplicate-identity"),
    pytest.param(duplicate_identity(str.upper), 409, "identity", id="duplicate-identity-upper"),
    pytest.param(duplicate_identity(str.title), 409, "identity", id="duplicate-identity-title"),
    pytest.param(identity_change_to_taken(str), 409, "identity", id="identity-change-taken"),
    pytest.param(identity_change_to_taken(str.upper), 409, "identity",
                 id="identity-change-taken-upper"),
    # media type and size
    pytest.param(raw("POST", "/users", b"identity=x", "text/plain"), 415, UNCHECKED,
                 id="media-text-plain-create"),
    pytest.param(raw("PATCH", "/users/{id}", b'{"name": "x"}', "text/plain"), 415, UNCHECKED,
                 id="media-text-plain-update"),
    pytest.param(raw("POST", "/users", b"<user/>", "application/xml"), 415, UNCHECKED,
                 id="media-xml"),
    pytest.param(raw("POST", "/users/tokens/issue", b'{"identity": "a"}', None), 415, UNCHECKED,
                 id="media-missing"),
    pytest.param(oversized(1), 413, UNCHECKED, id="body-over-limit"),
    pytest.param(oversized(1024 * 1024), 413, UNCHECKED, id="body-far-over-limit"),
    pytest.param(oversized_chunked, 413, UNCHECKED, id="body-over-limit-chunked"),
    # paging and filters
    pytest.param(as_admin("GET", "/users", limit=0), 400, "limit", id="limit-zero"),
    pytest.param(as_admin("GET", "/users", limit=-1), 400, "limit", id="limit-negative"),
    pytest.param(as_admin("GET", "/users", limit=101), 400, "limit", id="limit-too-large"),
    pytest.param(as_admin("GET", "/users", limit="ten"), 400, "limit", id="limit-text"),
    pytest.param(as_admin("GET", "/users", offset=-1), 400, "offset", id="offset-negative"),
    pytest.param(as_admin("GET", "/users", offset="x"), 400, "offset", id="offset-text"),
    pytest.param(as_admin("GET", "/users", metadata="{not json"), 400, "metadata",
                 id="metadata-not-json"),
    pytest.param(as_admin("GET", "/users", metadata="[1, 2]"), 400, "metadata",
                 id="metadata-array"),
    pytest.param(as_admin("GET", "/users", metadata='"london"'), 400, "metadata",
                 id="metadata-string"),
    pytest.param(as_admin("GET", "/users", status="sleeping"), 400, "status", id="status-bad"),
    # tokens
    pytest.param(profile_with(lambda c: None), 401, UNCHECKED, id="token-missing"),
    pytest.param(profile_with(lambda c: "garbage"), 401, UNCHECKED, id="token-garbage"),
    pytest.param(profile_with(lambda c: "a.b.c"), 401, UNCHECKED, id="token-three-dots"),
    pytest.param(profile_with(lambda c: ""), 401, UNCHECKED, id="token-empty"),
    pytest.param(profile_with(lambda c: c.admin, scheme="Basic"), 401, UNCHECKED,
                 id="token-basic-scheme"),
    pytest.param(profile_with(lambda c: c.admin, scheme="Token"), 401, UNCHECKED,
                 id="token-unknown-scheme"),
    pytest.param(profile_with(lambda c: c.admin[:-4] + "AAAA"), 401, UNCHECKED,
                 id="token-bad-signature"),
    pytest.param(profile_with(lambda c: c.token(c.claims(exp=time.time() - 5))), 401,
                 UNCHECKED, id="token-expired"),
    pytest.param(profile_with(lambda c: c.token(c.claims(), Ed25519PrivateKey.generate())),
                 401, UNCHECKED, id="token-foreign-key"),
    pytest.param(profile_with(lambda c: c.token(c.claims(iss="someone-else"))), 401,
                 UNCHECKED, id="token-wrong-issuer"),
    pytest.param(profile_with(lambda c: c.token(c.claims(type="refresh"))), 401, UNCHECKED,
                 id="token-refresh-kind"),
    pytest.param(profile_with(lambda c: c.token(c.claims(sub="not-a-uuid"))), 401, UNCHECKED,
                 id="token-subject-not-uuid"),
    pytest.param(profile_with(token_for_unknown_user), 401, UNCHECKED,
                 id="token-unknown-subject"),
    pytest.param(profile_with(alg_none_token), 401, UNCHECKED, id="token-alg-none"),
    pytest.param(profile_with(lambda c: c.user_tokens["refresh_token"]), 401, UNCHECKED,
                 id="token-refresh-as-access"),
    pytest.param(refresh_with(lambda c: c.token(c.claims(type="refresh", exp=time.time() - 5))),
                 401, UNCHECKED, id="refresh-expired"),
    pytest.param(refresh_with(lambda c: c.user_tokens["access_token"]), 401, UNCHECKED,
                 id="refresh-with-access"),
    pytest.param(refresh_with(lambda c: "garbage"), 401, UNCHECKED, id="refresh-garbage"),
    pytest.param(
        lambda c: c.client.post(
            "/users", json={"credentials": creds()}, headers=bearer("garbage")
        ),
        401, UNCHECKED, id="create-with-garbage-token",
    ),
    pytest.param(
        lambda c: c.client.post(
            "/users/tokens/issue", json={"identity": c.identity, "secret": "wrong-secret"}
        ),
        401, UNCHECKED, id="issue-wrong-secret",
    ),
    pytest.param(
        lambda c: c.client.post(
            "/users/tokens/issue", json={"identity": "nobody@x.y", "secret": SECRET}
        ),
        401, UNCHECKED, id="issue-unknown-identity",
    ),
    # methods
    pytest.param(as_admin("DELETE", "/users/{id}"), 405, UNCHECKED, id="method-delete"),
    pytest.param(as_admin("PUT", "/users/profile", {}), 405, UNCHECKED, id="method-put"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "status", "field"), ROWS)
def test_refusals_share_one_shape_and_change_nothing(
    ctx: Ctx, call: Call, status: int, field: str | None
) -> None:
    before = all_users(ctx.client, ctx.admin)

    response = call(ctx)

    assert_problem(response, status, field=field)
    assert all_users(ctx.client, ctx.admin) == before


def test_a_body_just_under_the_limit_is_accepted(ctx: Ctx) -> None:
    """The 413 rows above are about size alone: the same request, smaller, goes through."""
    limit = ctx.fleet.settings.max_body_bytes
    identity = new_identity("padded")
    prefix = b'{"credentials": {"identity": "%s", "secret": "%s"}, "padding": "' % (
        identity.encode(),
        SECRET.encode(),
    )
    body = prefix + b"x" * (limit - len(prefix) - 2) + b'"}'
    assert len(body) == limit

    response = ctx.client.post("/users", content=body, headers=JSON)

    assert response.status_code == 201, response.text[:300]
    assert response.json()["credentials"] == {"identity": identity}


def test_a_wrong_old_secret_is_refused_with_the_error_shape(ctx: Ctx) -> None:
    before = all_users(ctx.client, ctx.admin)

    response = ctx.client.patch(
        "/users/secret",
        json={"old_secret": "wrong-secret", "new_secret": "another-secret"},
        headers=bearer(ctx.user_tokens["access_token"]),
    )

    assert response.status_code == 401, response.text  # what Magistrala answers
    assert_problem(response, 401, field="old_secret")
    assert all_users(ctx.client, ctx.admin) == before
    assert issue_tokens(ctx.client, ctx.identity, SECRET)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/users"),
        ("POST", "/users/tokens/issue"),
        ("PATCH", "/users/{id}"),
        ("PATCH", "/users/{id}/tags"),
        ("PATCH", "/users/{id}/owner"),
        ("PATCH", "/users/{id}/identity"),
        ("PATCH", "/users/secret"),
    ],
)
def test_a_missing_body_is_400_and_says_so(ctx: Ctx, method: str, path: str) -> None:
    before = all_users(ctx.client, ctx.admin)

    response = ctx.client.request(method, path.format(id=ctx.user_id), headers=ctx.auth(JSON))

    body = assert_problem(response, 400)
    assert "body" in body["message"].lower(), body
    assert all_users(ctx.client, ctx.admin) == before
