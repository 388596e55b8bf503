"""Schemathesis hooks for the contract runs: the few rules an OpenAPI document cannot state.

OpenAPI describes each parameter and body on its own; it has no way to say that two of them go
together. FleetID has fourteen such rules, each stated in the parameter's description and each
answered 400 naming the field. A request that breaks one is rejected for that reason alone, so
its "schema-valid request rejected" failure is dropped here, by rule, and nothing else is:

- `GET /channels/{channel_id}/messages`: `aggregation` and `interval` come together or not at all;
- `PUT /password/reset`: `confirm_password` equals `password`, `POST /auth/update` and
  `PUT /api/v1/users/credentials`: `repeatedNewPassword` equals `newPassword`;
- a certificate manager user's privileges name one organization, each USER or ORG_ADMIN one
  naming it with its ecosystem (or 0), each ECO_ADMIN one naming its ecosystem;
- `GET /log/proofs/consistency`: `first` is at most `second`;
- `POST /mqtt/vernemq`: the body is the payload of the hook the `vernemq-hook` header names;
- `PATCH /users/{user_id}/owner`: a user is not its own owner;
- a batch's `generatorParams` and `profileParams` follow the rules of the generator and the
  profile the body names (served by `/api/v1/generators` and `/api/v1/profiles/{id}/parameters`),
  and so do an upload's `files` (its signing requests or CSV rows) and its `profileParams`,
  whose `authorityId`, if given, is the `profileId`'s authority;
- the certificate manager's `userId` is a number: the stateful phase links Magistrala's user
  ids (UUIDs) into it by name, and the 400 that answers is not a schema-valid request refused;
- a twin's `verify` body: `message` is written in its `encoding` (hex or base64url);
- a new identity entity: a caller names no wallet and the other roles one (`id_wallet`), a
  `mnemonic` is 24 words of the BIP39 list with a valid checksum and comes without a wallet,
  and its `name` holds more than spaces and no control character;
- a batch filter's `fromDate` and `toDate` are times, as their `date-time` format says (a
  format schemathesis takes as a mere note, generating any string);
- a filter a client may spell two ways (`tags` and `tag`, `ownerID` and `owner_id`,
  `parentID` and `parent_id`) holds one value.

Bodies are read as Litestar reads them, leniently for scalars: `0` and `1` for a boolean, a
number written as text. A request whose one fault is such a scalar is accepted on purpose, and
its "schema-violating request accepted" failure is dropped too.

The run signs in as an admin it must keep: the stateful phase follows links from
`GET /users/profile` and would otherwise disable that admin, or change its identity, and spend
the rest of the run on 401s. Such cases are not generated (FLEETID_FUZZ_ADMIN_ID names it).
"""

import os
import re
from typing import Any

import schemathesis
from schemathesis import HookContext

NEGATIVE_DATA_ACCEPTED = "ST201"
POSITIVE_DATA_REJECTED = "ST202"
LAX_FIELD = re.compile(r"in body - (\w+): Incorrect type")
CREATED_RESOURCE_NOT_FOUND = "ST302"
PRIVILEGE_PLACE = re.compile(r"userPrivileges\[\d+\]\.(organizationId|ecosystemId)")
OWN_ACCOUNT_CHANGES = {"/users/{user_id}/disable", "/users/{user_id}/identity"}


def _breaks_a_joint_rule(path: str, case: Any, problem: dict[str, Any]) -> bool:
    query = case.query or {}
    body = case.body if isinstance(case.body, dict) else {}
    field = problem.get("field")
    if path == "/channels/{channel_id}/messages":
        together = ("aggregation" in query) == ("interval" in query)
        return not together and field in ("aggregation", "interval")
    if path == "/password/reset":
        return body.get("password") != body.get("confirm_password") and field == "confirm_password"
    if path == "/auth/update":
        passwords = body.get("updatedPassword") or {}
        differ = passwords.get("newPassword") != passwords.get("repeatedNewPassword")
        return differ and field == "updatedPassword.repeatedNewPassword"
    if path == "/api/v1/users/credentials":
        differ = body.get("newPassword") != body.get("repeatedNewPassword")
        return differ and field == "repeatedNewPassword"
    if path == "/api/v1/batches/preview":
        return str(field).startswith(("generatorParams", "profileParams", "generatorId"))
    if path in ("/api/v1/batches/upload", "/api/v1/batches/upload-csv"):
        return field in ("files", "csrBatchRequest.profileParams", "authorityId")
    if path in ("/api/v1/users", "/api/v1/users/{user_number}"):
        return bool(PRIVILEGE_PLACE.fullmatch(str(field)))
    if path == "/log/proofs/consistency":
        first, second = _number(query.get("first")), _number(query.get("second"))
        ordered = first is None or second is None or first <= second
        return not ordered and field == "first"
    if path == "/api/gemini/v1/digital-twins/{object_id}/verify":
        return body.get("encoding") in ("hex", "base64url") and field == "message"
    if path == "/api/v1/admin/entity":
        return field in ("id_wallet", "mnemonic", "name")
    if field in ("filter.fromDate", "filter.toDate"):
        return "ISO 8601" in str(problem.get("message"))
    if path == "/mqtt/vernemq":
        return str(problem.get("message", "")).startswith("malformed ")
    if field == "userId" and path.startswith("/api/v1/"):
        return _number(query.get("userId")) is None
    spellings = (("tags", "tag"), ("ownerID", "owner_id"), ("parentID", "parent_id"))
    if any(field == seed and query.get(seed) and query.get(code) for seed, code in spellings):
        return "given twice, with different values" in str(problem.get("message"))
    if path == "/users/{user_id}/owner":
        own = body.get("owner") == (case.path_parameters or {}).get("user_id")
        return own and field == "owner"
    return False


def _number(value: Any) -> int | None:
    """A query value as generated: an int, or its text in the coverage phase."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@schemathesis.hook
def filter_failure(context: HookContext, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a 400 for breaking one of the joint rules above, and a "created
    resource not found" whose 404 names a field of the body (a new owner nobody holds), not
    the resource the path names."""
    if failure.code == NEGATIVE_DATA_ACCEPTED:
        return not _lax_scalar(str(getattr(failure, "message", "")), case.body)
    if failure.code == CREATED_RESOURCE_NOT_FOUND and response.status_code == 404:
        field = _problem(response).get("field")
        return not field or field in (case.path_parameters or {})
    if failure.code != POSITIVE_DATA_REJECTED or response.status_code != 400:
        return True
    problem = _problem(response)
    return not (problem and _breaks_a_joint_rule(case.operation.path, case, problem))


def _lax_scalar(message: str, body: Any) -> bool:
    found = LAX_FIELD.search(message)
    if found is None or not isinstance(body, dict) or found.group(1) not in body:
        return False
    value = body[found.group(1)]
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in (0, 1)
    return isinstance(value, str) and _number(value) is not None


def _problem(response: Any) -> dict[str, Any]:
    try:
        problem = response.json()
    except ValueError:
        return {}
    return problem if isinstance(problem, dict) else {}


@schemathesis.serializer("application/ocsp-request")
def ocsp_request(context: Any, value: Any) -> bytes:
    """The binary body an OCSP request is: what was generated for it, as bytes."""
    return value if isinstance(value, bytes) else str(value).encode()


@schemathesis.hook
def filter_case(context: HookContext, case: Any) -> bool:
    own = os.environ.get("FLEETID_FUZZ_ADMIN_ID")
    parameters = case.path_parameters or {}
    return not (case.operation.path in OWN_ACCOUNT_CHANGES and parameters.get("user_id") == own)
