"""The certificate manager's User API: the document's examples in order, who may do what (a
row per rule), what is refused (changing nothing), and a user's removal and erasure."""

import asyncio
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Cause, Interface
from interfaces.aggregates import MEMBERS, USERS
from interfaces.bootstrap import FleetID, ensure_shipped_profiles
from tests.api.certificate_people import (
    CREATE,
    USERS_PATH,
    cm_sign_in,
    create_member,
    enroll,
    organizations,
    privilege,
)
from tests.api.support import assert_problem
from tests.conftest import ADMIN_IDENTITY
from tests.helpers import admin_token, bearer

U = USERS_PATH
UPDATE = {
    "firstName": "John",
    "lastName": "Smith",
    "phone": "+38 050 492 4110",
    "email": "j.smith@example.com",
    "userPrivileges": [
        {
            "id": 1,
            "userRole": "USER",
            "ecosystemId": 1,
            "organizationId": 1,
            "accessibleProfiles": [1, 2],
        }
    ],
}
CONTACT = {k: UPDATE[k] for k in ("firstName", "lastName", "phone", "email")}


@pytest.fixture
def admin(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, str]:
    ensure_shipped_profiles(sqlite_fleet)
    headers = bearer(admin_token(client))
    organizations(client, headers, "Domain", "Other")
    return headers


def test_the_documents_examples_in_order(client: TestClient[Any], admin: dict[str, str]) -> None:
    me = client.get(USERS_PATH, headers=admin)
    assert me.status_code == 200, me.text
    assert me.json() == {
        "userId": 1,
        "firstName": "",
        "lastName": "",
        "phone": "",
        "email": "",
        "organizationId": 0,
        "organizationName": "",
        "credentials": {"login": ADMIN_IDENTITY},
        "userPrivileges": [],
        "ecosystemId": 0,
        "isAdmin": True,
    }

    created = client.put(USERS_PATH, json=CREATE, headers=admin)
    assert created.status_code == 200, created.text
    assert created.json() == 2

    got = client.get(f"{U}/2?organizationId=1", headers=admin)
    assert got.status_code == 200, got.text
    assert got.json() == {
        "userId": 2,
        "firstName": "John",
        "lastName": "Smith",
        "phone": "+38 050 492 4110",
        "email": "j.smith@example.com",
        "organizationId": 1,
        "organizationName": "Domain",
        "credentials": {"login": "eeeeeeeeeeeeeeeffffff"},
        "userPrivileges": [
            {
                "id": 1,
                "userRole": "USER",
                "ecosystemId": 1,
                "organizationId": 1,
                "accessibleProfiles": [1],
            }
        ],
        "ecosystemId": 1,
        "isAdmin": False,
    }

    found = client.post(
        f"{U}/organizations/1?role=user", json={"searchLine": "test"}, headers=admin
    )
    assert found.status_code == 200, found.text
    assert found.json() == []
    found = client.post(
        f"{U}/organizations/1?role=USER", json={"searchLine": "SMITH"}, headers=admin
    )
    assert [u["userId"] for u in found.json()] == [2]
    admins = client.post(
        f"{U}/organizations/1?role=org_admin", json={"searchLine": ""}, headers=admin
    )
    assert admins.json() == []

    assert client.get(f"{U}/check_email?email=test@email", headers=admin).json() is False
    taken = client.get(f"{U}/check_email?email=J.Smith@example.com", headers=admin)
    assert taken.json() is True
    assert client.get(f"{U}/check_user?username=testUser", headers=admin).json() is False
    login = client.get(f"{U}/check_user?username=eeeeeeeeeeeeeeeffffff", headers=admin)
    assert login.json() is True

    updated = client.put(f"{U}/2", json=UPDATE, headers=admin)
    assert updated.status_code == 200, updated.text
    assert updated.content == b""
    assert client.get(f"{U}/2", headers=admin).json()["userPrivileges"][0][
        "accessibleProfiles"
    ] == [1, 2]

    user = cm_sign_in(client, "eeeeeeeeeeeeeeeffffff", "admin123")
    own = client.put(f"{U}/current", json={**CONTACT, "firstName": "Jack"}, headers=user)
    assert own.status_code == 200, own.text
    email = client.put(f"{U}/update_email", json={"email": "jack@example.com"}, headers=user)
    assert email.status_code == 200, email.text
    me = client.get(USERS_PATH, headers=user).json()
    assert (me["firstName"], me["email"], me["isAdmin"]) == ("Jack", "jack@example.com", False)

    wrong = {"currentPassword": "nope12345", "newPassword": "qwerty123"}
    refused = client.put(
        f"{U}/credentials",
        json={**wrong, "repeatedNewPassword": "qwerty123"},
        headers=user,
    )
    assert refused.status_code == 200
    assert refused.json() is False
    change = {"currentPassword": "admin123", "newPassword": "qwerty123"}
    changed = client.put(
        f"{U}/credentials",
        json={**change, "repeatedNewPassword": "qwerty123"},
        headers=user,
    )
    assert changed.status_code == 200
    assert changed.json() is True
    user = cm_sign_in(client, "eeeeeeeeeeeeeeeffffff", "qwerty123")

    removed = client.get(f"{U}/remove_user?userId=2", headers=admin)
    assert removed.status_code == 200, removed.text
    assert_problem(client.get(f"{U}/2", headers=admin), 404, field="userId")
    again = client.post(
        "/auth/pwd", json={"username": "eeeeeeeeeeeeeeeffffff", "password": "qwerty123"}
    )
    assert again.status_code == 401
    assert client.get(USERS_PATH, headers=user).status_code == 401


@pytest.fixture
def people(client: TestClient[Any], admin: dict[str, str]) -> dict[str, dict[str, str]]:
    """An admin, an ecosystem admin, an admin and a user of organization 1, a user of
    organization 2, and a FleetID user outside the certificate manager."""
    made = {
        "eco_admin": [privilege("ECO_ADMIN", profiles=[1, 2])],
        "org_admin": [privilege("ORG_ADMIN", 1)],
        "org_user": [privilege("USER", 1)],
        "other_user": [privilege("USER", 2)],
    }
    return enroll(client, admin, made)


def given(*privileges: Any) -> dict[str, Any]:
    """A change of contact and privileges."""
    return {**CONTACT, "userPrivileges": list(privileges)}


def granting(*privileges: Any) -> dict[str, Any]:
    return {"userPrivileges": list(privileges)}


USER = privilege("USER")
P0 = "userPrivileges[0]"
RULES = [
    # who, method, path, body, status
    ("admin", "GET", f"{U}/5", None, 200),
    ("eco_admin", "GET", f"{U}/5", None, 200),
    ("org_admin", "GET", f"{U}/4", None, 200),
    ("org_admin", "GET", f"{U}/5", None, 404),
    ("org_admin", "GET", f"{U}/1", None, 404),
    ("org_user", "GET", f"{U}/4", None, 200),
    ("org_user", "GET", f"{U}/3", None, 404),
    ("outsider", "GET", USERS_PATH, None, 404),
    ("outsider", "GET", f"{U}/4", None, 404),
    ("org_admin", "POST", f"{U}/organizations/1", {}, 200),
    ("org_admin", "POST", f"{U}/organizations/2", {}, 404),
    ("org_user", "POST", f"{U}/organizations/1", {}, 403),
    ("outsider", "POST", f"{U}/organizations/1", {}, 404),
    ("eco_admin", "POST", f"{U}/organizations/2", {}, 200),
    ("org_admin", "PUT", f"{U}/4", given(USER), 200),
    ("org_admin", "PUT", f"{U}/4", given(privilege("USER", 2)), 403),
    ("org_admin", "PUT", f"{U}/4", given(privilege("USER", profiles=[2])), 403),
    ("org_admin", "PUT", f"{U}/5", given(USER), 404),
    ("org_admin", "PUT", f"{U}/2", given(USER), 404),
    ("org_user", "PUT", f"{U}/4", given(USER), 403),
    ("eco_admin", "PUT", f"{U}/5", given(privilege("ORG_ADMIN", 2)), 200),
    ("eco_admin", "PUT", f"{U}/1", given(), 404),
    ("org_admin", "GET", f"{U}/remove_user?userId=4", None, 200),
    ("org_admin", "GET", f"{U}/remove_user?userId=5", None, 404),
    ("org_admin", "GET", f"{U}/remove_user?userId=3", None, 403),
    ("org_user", "GET", f"{U}/remove_user?userId=4", None, 403),
    ("eco_admin", "GET", f"{U}/remove_user?userId=3", None, 200),
    ("org_user", "GET", f"{U}/check_email?email=x@example.com", None, 200),
    ("outsider", "GET", f"{U}/check_email?email=x@example.com", None, 403),
    ("org_user", "GET", f"{U}/check_user?username=abcdef", None, 403),
    ("org_admin", "GET", f"{U}/check_user?username=abcdef", None, 200),
    ("outsider", "PUT", f"{U}/current", CONTACT, 404),
    ("org_user", "PUT", f"{U}/current", CONTACT, 200),
]  # fmt: skip


@pytest.mark.parametrize(("who", "method", "path", "body", "status"), RULES)
def test_who_may_do_what(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
    who: str,
    method: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    answer = client.request(method, path, json=body, headers=people[who])
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(
    ("who", "privileges", "status"),
    [
        ("admin", [privilege("ECO_ADMIN")], 200),
        ("eco_admin", [privilege("ORG_ADMIN", 2, [2])], 200),
        ("eco_admin", [privilege("USER", 1, [3])], 403),
        ("org_admin", [privilege("USER", 1)], 200),
        ("org_admin", [privilege("ORG_ADMIN", 1)], 200),
        ("org_admin", [privilege("ECO_ADMIN")], 403),
        ("org_admin", [privilege("USER", 2)], 403),
        ("org_admin", [], 400),
        ("org_user", [privilege("USER", 1)], 403),
        ("outsider", [privilege("USER", 1)], 403),
    ],
)
def test_who_may_create_whom(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
    who: str,
    privileges: list[Any],
    status: int,
) -> None:
    created = create_member(client, people[who], "newcomer", privileges, organizationId=None)
    assert created.status_code == status, created.text
    exists = client.get(f"{U}/check_user?username=newcomer", headers=people["admin"])
    assert exists.json() is (status == 200)


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"firstName": "J0hn"}, 400, "firstName"),
        ({"firstName": ""}, 400, "firstName"),
        ({"lastName": "x" * 51}, 400, "lastName"),
        ({"phone": "phone"}, 400, "phone"),
        ({"email": "no-at-sign"}, 400, "email"),
        ({"email": "a@b"}, 400, "email"),
        ({"credentials": {"login": "abc", "password": "secret123"}}, 400, "credentials.login"),
        ({"credentials": {"login": "a-b-c-d", "password": "secret123"}}, 400, "credentials.login"),
        ({"credentials": {"login": "abcdef", "password": "nodigits"}}, 400, "credentials.password"),
        ({"credentials": {"login": "abcdef", "password": "1234567"}}, 400, "credentials.password"),
        ({"credentials": {"login": "abcdef", "password": "1" * 51}}, 400, "credentials.password"),
        ({"credentials": {"login": "abcdef"}}, 400, "credentials.password"),
        (granting({**USER, "userRole": "ROOT"}), 400, f"{P0}.userRole"),
        (granting(USER, privilege("USER", 2)), 400, "userPrivileges[1].organizationId"),
        (granting(privilege("USER", 0)), 400, f"{P0}.organizationId"),
        (granting({**USER, "ecosystemId": 7}), 400, f"{P0}.ecosystemId"),
        (granting({**privilege("ECO_ADMIN"), "ecosystemId": 7}), 404, f"{P0}.ecosystemId"),
        (granting(privilege("USER", 9)), 404, f"{P0}.organizationId"),
        (granting(privilege("USER", 1, [1, 99])), 404, f"{P0}.accessibleProfiles[1]"),
        (granting(privilege("USER", 1, [-1])), 400, f"{P0}.accessibleProfiles[0]"),
    ],
)  # fmt: skip
def test_bad_users_are_refused_and_nothing_is_stored(
    client: TestClient[Any],
    admin: dict[str, str],
    change: dict[str, Any],
    status: int,
    field: str,
) -> None:
    body = {**CREATE, "credentials": {"login": "abcdef", "password": "secret123"}, **change}
    assert_problem(client.put(USERS_PATH, json=body, headers=admin), status, field=field)
    assert client.get(f"{U}/check_user?username=abcdef", headers=admin).json() is False
    assert client.get(f"{U}/2", headers=admin).status_code == 404


def test_a_login_is_unique_in_any_letter_case(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    assert create_member(client, admin, "someone", [privilege("USER")]).status_code == 200
    again = create_member(client, admin, "SomeOne", [privilege("USER")])
    assert again.status_code == 409, again.text
    taken = client.get(f"{U}/check_user?username=SOMEONE", headers=admin)
    assert taken.json() is True


def test_new_passwords_follow_the_rules(client: TestClient[Any], admin: dict[str, str]) -> None:
    assert create_member(client, admin, "someone", [privilege("USER")]).status_code == 200
    user = cm_sign_in(client, "someone", "secret123")
    path = f"{U}/credentials"
    differs = {"currentPassword": "secret123", "newPassword": "qwerty123"}
    assert_problem(
        client.put(path, json={**differs, "repeatedNewPassword": "qwerty124"}, headers=user),
        400,
        field="repeatedNewPassword",
    )
    no_digit = {"currentPassword": "secret123", "newPassword": "qwertyui"}
    assert_problem(
        client.put(path, json={**no_digit, "repeatedNewPassword": "qwertyui"}, headers=user),
        400,
        field="newPassword",
    )
    assert cm_sign_in(client, "someone", "secret123")


def test_an_erased_person_leaves_no_contact_behind(
    client: TestClient[Any], admin: dict[str, str], sqlite_fleet: FleetID
) -> None:
    assert create_member(client, admin, "someone", [privilege("USER")]).status_code == 200
    me = client.get(USERS_PATH, headers=cm_sign_in(client, "someone", "secret123")).json()
    assert me["email"] == CREATE["email"]
    with sqlite_fleet.engine.connect() as connection:
        log = connection.exec_driver_sql("SELECT state FROM stored_events").scalars().all()
    assert not any(b"Smith" in bytes(state) or b"j.smith" in bytes(state) for state in log)
    assert not any(b"ORG_ADMIN" in bytes(state) or b'"USER"' in bytes(state) for state in log)

    found = sqlite_fleet[MEMBERS].queries.views.by_number(2)
    assert found is not None
    erase = sqlite_fleet[USERS].commands.erase(found.user_id, Cause.system(Interface.CLI))
    asyncio.run(erase)
    after = client.get(f"{U}/2", headers=admin).json()
    assert (after["firstName"], after["email"], after["credentials"]["login"]) == ("", "", "")
    assert (after["userPrivileges"], after["organizationId"]) == ([], 0)
    with sqlite_fleet.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT first_name, phone, email, privileges, organization FROM members"
        ).all()
    assert rows
    assert all(tuple(row) == (None, None, None, "[]", 0) for row in rows)


def test_a_right_taken_away_is_not_given_back_by_as_of(
    client: TestClient[Any], people: dict[str, dict[str, str]], sqlite_fleet: FleetID
) -> None:
    before = sqlite_fleet.projections.position
    assert client.get(f"{U}/4", headers=people["org_admin"]).status_code == 200
    demoted = given(privilege("USER", 2))
    assert client.put(f"{U}/3", json=demoted, headers=people["admin"]).status_code == 200
    assert client.get(f"{U}/4", headers=people["org_admin"]).status_code == 404
    past = client.get(f"{U}/4?as_of={before}", headers=people["org_admin"])
    assert past.status_code == 404, past.text


def test_a_number_beyond_any_is_refused(
    client: TestClient[Any], people: dict[str, dict[str, str]]
) -> None:
    """A query number is bounded before it reaches the database."""
    huge = 2**63
    for who in ("org_user", "admin"):
        removed = client.get(f"{U}/remove_user?userId={huge}", headers=people[who])
        assert_problem(removed, 400, field="userId")
    assert_problem(client.get(f"{U}/2?organizationId={huge}", headers=people["admin"]), 400)
