"""Schemathesis hooks for the run of Magistrala's own OpenAPI files: their known bugs.

Magistrala's OpenAPI files of the seed's version (59bcb72f) disagree in places with Magistrala's
own code, which is what its clients were written against and what FleetID follows
(../shared/notes/magistrala-versions.md). Each such place is a bug of the files, named below
with the reason; a failure that one of them explains is dropped, and nothing else is. Whole
operations are excluded only for `policies-path` and `adapter-health` (see the test).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis import HookContext

UNDOCUMENTED_STATUS = "ST103"
POSITIVE_DATA_REJECTED = "ST202"
NEGATIVE_DATA_ACCEPTED = "ST201"
RESPONSE_SCHEMA = "ST108"
UNDOCUMENTED_CONTENT_TYPE = "ST105"
NO_AUTH_ACCEPTED = "ST401"
MISSING_HEADER_ACCEPTED = "ST203"


@dataclass(frozen=True)
class KnownBug:
    """One disagreement, and the failures it explains: all of its narrowing must hold."""

    name: str
    reason: str
    codes: frozenset[str]
    operations: frozenset[str] = frozenset()
    """`METHOD /path` as the file writes it; empty: every operation."""
    statuses: frozenset[int] = frozenset()
    fields: frozenset[str | None] = frozenset()
    """The `field` of FleetID's problem body; empty: any."""
    mentions: frozenset[str] = frozenset()
    """Text one of which the failure's message or the response holds; empty: any."""
    when: Callable[[Any], bool] = lambda case: True
    """What the generated case must hold."""

    def explains(self, failure: Any, case: Any, response: Any) -> bool:
        operation = f"{case.operation.method.upper()} {case.operation.path}"
        said = f"{getattr(failure, 'message', '')}\n{response.text}"
        return (
            failure.code in self.codes
            and (not self.operations or operation in self.operations)
            and (not self.statuses or response.status_code in self.statuses)
            and (not self.fields or _field(response) in self.fields)
            and (not self.mentions or any(text in said for text in self.mentions))
            and self.when(case)
        )


def _field(response: Any) -> str | None:
    try:
        problem = response.json()
    except ValueError:
        return None
    field = problem.get("field") if isinstance(problem, dict) else None
    if not isinstance(field, str):
        return None
    return re.sub(r"\[\d+\]", "[]", field)


def _bug(
    name: str,
    reason: str,
    *codes: str,
    when: Callable[[Any], bool] = lambda case: True,
    **narrowing: Any,
) -> KnownBug:
    sets = {key: frozenset(value) for key, value in narrowing.items()}
    return KnownBug(name, reason, frozenset(codes), when=when, **sets)


def _holds_an_empty_member(case: Any) -> bool:
    """A member of the body (or of its first entry, or its credentials) is "" or null."""
    body = case.body[0] if isinstance(case.body, list) and case.body else case.body
    if not isinstance(body, dict):
        return False
    members = [*body.values(), *(body.get("credentials") or {}).values()]
    return any(value in ("", None) for value in members if not isinstance(value, dict | list))


KNOWN_BUGS: list[KnownBug] = [
    _bug(
        "statuses-not-listed",
        "The files list few error statuses: 401, 403, 404 and 409 are missing from most "
        "operations, and 400, 405, 413 and 415 from some, though Magistrala's code answers them "
        "(internal/api/common.go EncodeError).",
        UNDOCUMENTED_STATUS,
        statuses={400, 401, 403, 404, 405, 409, 413, 415},
    ),
    _bug(
        "status-codes-differ",
        "Magistrala's code answers bulk creates with 200 and tokens with 201 (tokenRes.Code), "
        "where the files say 201 and 200; its SDK expects the code's.",
        UNDOCUMENTED_STATUS,
        operations={
            "POST /things/bulk",
            "POST /channels/bulk",
            "POST /users/tokens/issue",
            "POST /users/tokens/refresh",
        },
        statuses={200, 201},
    ),
    _bug(
        "health-is-public",
        "`/health` falls under each file's global security, but Magistrala serves it to "
        "anyone (health.go), as FleetID does.",
        NO_AUTH_ACCEPTED,
        NEGATIVE_DATA_ACCEPTED,
        MISSING_HEADER_ACCEPTED,
        operations={"GET /health"},
    ),
    _bug(
        "health-media-type",
        "http.yml and readers.yml give `/health` the type application/json; Magistrala sends "
        "application/health+json (health.go), as users.yml and FleetID say.",
        UNDOCUMENTED_CONTENT_TYPE,
        operations={"GET /health"},
    ),
    _bug(
        "public-routes-secured",
        "users.yml puts the routes one uses before having a token (sign-in, self-registration, "
        "password reset) under its global bearer security; Magistrala serves them without one.",
        NO_AUTH_ACCEPTED,
        MISSING_HEADER_ACCEPTED,
        operations={
            "POST /users",
            "POST /users/tokens/issue",
            "POST /password/reset-request",
            "PUT /password/reset",
        },
    ),
    _bug(
        "level-required",
        "Group, member and channel pages require `level`, which Magistrala omits when it is "
        "zero (omitempty), as FleetID does.",
        RESPONSE_SCHEMA,
        mentions={'"level" is a required property'},
    ),
    _bug(
        "metadata-query-string",
        "users.yml and things.yml type the `metadata` query parameter as a string; the code "
        "reads it as a JSON object and refuses other text (ReadMetadataQuery), as FleetID does.",
        POSITIVE_DATA_REJECTED,
        fields={"metadata"},
        mentions={"metadata must be a JSON object"},
    ),
    _bug(
        "param-spellings",
        "users.yml and things.yml write `parentId` and `ownerId`, readers.yml `Publisher`; the "
        "code reads `parent_id`, `owner_id` (internal/api/common.go) and `publisher`, which "
        "FleetID takes (beside the seed's `parentID` and `ownerID`). A parameter spelled as the "
        "files do is unknown to both, and ignored.",
        NEGATIVE_DATA_ACCEPTED,
        mentions={"`parentId`", "`ownerId`", "parentId:", "ownerId:", "`Publisher`"},
    ),
    _bug(
        "senml-types",
        "http.yml types SenML `bu` as a number (RFC 8428 section 4.5: a string) and states "
        "none of RFC 8428's rules (a record has a name, at most one value, times and values "
        "are finite), which Magistrala's SenML decoder and FleetID apply.",
        POSITIVE_DATA_REJECTED,
        operations={"POST /channels/{id}/messages"},
        fields={
            f"[].{member}"
            for member in ("bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb")
        }
        | {"[].vd", "[].s", "[].t", "[].ut", "[]"},
    ),
    _bug(
        "readers-v-string",
        "readers.yml types `v` as a string, so `v=` is valid to it; the readers parse it as a "
        "float (ReadFloatQuery) and refuse an empty one, as FleetID does.",
        POSITIVE_DATA_REJECTED,
        operations={"GET /channels/{chanId}/messages"},
        fields={"v"},
    ),
    _bug(
        "tags-array",
        "things.yml types the `tags` query parameter as an array; the code reads one string "
        "and refuses a repeated one (ReadStringQuery), as FleetID does.",
        POSITIVE_DATA_REJECTED,
        MISSING_HEADER_ACCEPTED,
        fields={"tags"},
        mentions={"given more than once"},
    ),
    _bug(
        "items-untyped",
        "`actions` items are untyped, and ids are plain strings (or untyped items) where the "
        "code requires UUIDs and action names; a number or a non-UUID is refused by both.",
        POSITIVE_DATA_REJECTED,
        fields={
            "actions[]",
            "subjects[]",
            "objects[]",
            "parent_id",
            "[].parent_id",
            "owner",
            "subject",
        },
        mentions={"Expected `str`", "Expected `uuid`", "Invalid UUID"},
    ),
    _bug(
        "empty-is-absent",
        "The files type members and query parameters strictly; Magistrala's code reads an "
        "empty or null one as absent (its SDK sends them), as FleetID does on these routes.",
        NEGATIVE_DATA_ACCEPTED,
        mentions={": Incorrect type"},
        when=_holds_an_empty_member,
    ),
    _bug(
        "empty-query-is-absent",
        "The same for a query parameter given empty.",
        NEGATIVE_DATA_ACCEPTED,
        mentions={"owner_id: Value not matching the 'uuid' format"},
        when=lambda case: (case.query or {}).get("owner_id") == "",
    ),
    _bug(
        "required-misstated",
        "The files mark members required that the code takes as optional (an update's "
        "`metadata` or `description`, a thing's `credentials`, generated when absent), and mark "
        "none of those it requires (identity, secrets, tokens, e-mail, a channel's or group's "
        "name), which it refuses when missing or empty, as FleetID does.",
        NEGATIVE_DATA_ACCEPTED,
        POSITIVE_DATA_REJECTED,
        mentions={
            "Missing required property: metadata",
            "Missing required property: description",
            "Missing required property: credentials",
            "Missing required property: name",
            "violates `required` at /properties/metadata",
            "violates `required` at /properties/description",
            "violates `required` at /properties/name",
            "violates `required` at /properties/credentials",
            "Object missing required field",
            "a JSON request body is required",
        },
    ),
    _bug(
        "referrer-required",
        "users.yml requires a `Referrer` header on the reset request; the code reads the "
        "optional `Referer` for the link's host (FleetID takes the link from its settings).",
        NEGATIVE_DATA_ACCEPTED,
        operations={"POST /password/reset-request"},
        mentions={"Missing `Referrer` at header"},
    ),
    _bug(
        "limits-unstated",
        "The files state none of the code's limits: a bulk request holds at least one entry "
        "(ErrEmptyList), a status is `enabled` or `disabled` (ErrInvalidStatus), an action is "
        "one of the policy actions (ErrMalformedPolicyAct).",
        POSITIVE_DATA_REJECTED,
        mentions={"at least one entry is required", "Invalid enum value", "unknown action"},
        fields={"things", "channels", "status", "[].status", "action"},
    ),
]
DELIBERATE_DIFFERENCES: list[KnownBug] = [
    _bug(
        "memberships-filters",
        "Not built yet: FleetID's `GET /users/{id}/memberships` takes offset, limit and status; "
        "Magistrala's also filters by name, metadata, owner and parent and answers trees "
        "(docs/magistrala-compatibility.md, Known gaps). The other filters are ignored.",
        NEGATIVE_DATA_ACCEPTED,
        operations={"GET /users/{userID}/memberships"},
    ),
    _bug(
        "no-control-characters",
        "FleetID refuses control characters in names, descriptions, tags, identities and "
        "metadata (no database stores NUL; docs/security.md), where Magistrala's code takes "
        "them; its answer is a 400 naming the field.",
        POSITIVE_DATA_REJECTED,
        mentions={
            "control characters are not allowed",
            "must not contain whitespace or control characters",
        },
    ),
    _bug(
        "no-control-characters-in-queries",
        "The same for the text filters of a query string.",
        POSITIVE_DATA_REJECTED,
        fields={"name", "tags", "tag", "identity", "vs", "vd", "subtopic"},
        mentions={"Expected `str` matching regex"},
    ),
    _bug(
        "groups-level",
        "Not built: FleetID's group trees are whole; Magistrala's `level` (the depth a tree "
        "goes to, at most 5) is ignored (docs/magistrala-compatibility.md, Known gaps).",
        NEGATIVE_DATA_ACCEPTED,
        operations={
            "GET /groups",
            "GET /groups/{groupId}/children",
            "GET /groups/{groupId}/parents",
        },
        mentions={"level"},
    ),
    _bug(
        "secret-and-tag-rules",
        "FleetID takes secrets of 8 to 256 characters without whitespace and tags of 1 to 128 "
        "(docs/magistrala-compatibility.md); the files state no limit.",
        POSITIVE_DATA_REJECTED,
        mentions={"secret must", "each tag must be", "tags are allowed"},
    ),
    _bug(
        "empty-pack",
        "FleetID refuses a SenML pack with no record (there is nothing to store, and the client "
        "should know its pack was empty); http.yml's schema allows an empty array.",
        POSITIVE_DATA_REJECTED,
        operations={"POST /channels/{id}/messages"},
        mentions={"the pack holds no records"},
    ),
    _bug(
        "access-for-things-only",
        "`POST /channels/{id}/access` answers a thing's messaging access (`entity_type` "
        "`thing`); a user's group or thing access is `GET /access/explain` in FleetID.",
        POSITIVE_DATA_REJECTED,
        operations={"POST /channels/{chanID}/access"},
        fields={"entity_type"},
    ),
]


@schemathesis.hook
def filter_failure(context: HookContext, failure: Any, case: Any, response: Any) -> bool:
    excused = KNOWN_BUGS + DELIBERATE_DIFFERENCES
    return not any(bug.explains(failure, case, response) for bug in excused)
