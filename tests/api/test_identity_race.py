"""Concurrent creates with one identity: exactly one wins, every other gets a conflict."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from application.users import NewUser
from domain.causes import Interface
from domain.errors import Conflict
from interfaces.aggregates import USERS
from interfaces.bootstrap import FleetID
from tests.api.support import (
    SECRET,
    all_users,
    assert_problem,
    jwt_claims,
    list_users,
    new_identity,
)
from tests.helpers import admin_token, bearer, blocking, register

THREADS = 8

Variant = Callable[[str, int], str]
VARIANTS: list[Any] = [
    pytest.param(lambda identity, i: identity, id="same-identity"),
    pytest.param(
        lambda identity, i: identity.upper() if i % 2 else identity.title(), id="case-variants"
    ),
]


def race(attempt: Callable[[int], Any]) -> list[Any]:
    """Run `attempt(i)` in THREADS threads released at the same instant."""
    barrier = threading.Barrier(THREADS)

    def start(i: int) -> Any:
        barrier.wait(timeout=10)
        return attempt(i)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(start, range(THREADS)))


@pytest.mark.parametrize("variant", VARIANTS)
def test_concurrent_http_creates_with_one_identity(
    client: TestClient[Any], variant: Variant
) -> None:
    identity = new_identity("race")
    admin = admin_token(client)
    before = all_users(client, admin)

    responses = race(
        lambda i: client.post(
            "/users", json={"credentials": {"identity": variant(identity, i), "secret": SECRET}}
        )
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: THREADS - 1}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, field="identity")
    winner = next(r.json() for r in responses if r.status_code == 201)
    after = all_users(client, admin)
    assert [u["id"] for u in after if u["id"] not in {b["id"] for b in before}] == [winner["id"]]
    assert len(after) == len(before) + 1


@pytest.mark.parametrize("variant", VARIANTS)
def test_concurrent_registrations_through_the_application(
    client: TestClient[Any], sqlite_fleet: FleetID, variant: Variant
) -> None:
    identity = new_identity("race")
    admin = admin_token(client)
    before = all_users(client, admin)

    def attempt(i: int) -> str:
        try:
            view = blocking(sqlite_fleet[USERS].commands).register(
                NewUser(identity=variant(identity, i), secret=SECRET), None, Interface.REST
            )
        except Conflict as error:
            return f"conflict on {error.field}"
        return str(view.id)

    outcomes = race(attempt)

    winners = [outcome for outcome in outcomes if not outcome.startswith("conflict")]
    assert len(winners) == 1, outcomes
    assert outcomes.count("conflict on identity") == THREADS - 1, outcomes
    after = all_users(client, admin)
    assert [u["id"] for u in after if u["id"] not in {b["id"] for b in before}] == winners


@pytest.mark.parametrize("variant", VARIANTS)
def test_concurrent_identity_changes_to_one_identity(
    client: TestClient[Any], variant: Variant
) -> None:
    admin = admin_token(client)
    users = [register(client, new_identity(f"changer{i}"), token=admin) for i in range(THREADS)]
    wanted = new_identity("wanted")

    responses = race(
        lambda i: client.patch(
            f"/users/{users[i]['id']}/identity",
            json={"identity": variant(wanted, i)},
            headers=bearer(admin),
        )
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: 1, 409: THREADS - 1}, [r.text for r in responses]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    for i, user in enumerate(users):
        stored = client.get(f"/users/{user['id']}", headers=bearer(admin)).json()
        expected = variant(wanted, i) if i == winner else user["credentials"]["identity"]
        assert stored["credentials"]["identity"] == expected
    tokens = client.post("/users/tokens/issue", json={"identity": wanted, "secret": SECRET})
    assert tokens.status_code == 201, tokens.text
    assert jwt_claims(tokens.json()["access_token"])["sub"] == users[winner]["id"]


def test_a_registration_racing_an_identity_change_leaves_one_holder(
    client: TestClient[Any],
) -> None:
    admin = admin_token(client)
    changers = [register(client, new_identity(f"changer{i}"), token=admin) for i in range(4)]
    wanted = new_identity("contested")

    def attempt(i: int) -> httpx.Response:
        if i < len(changers):
            return client.patch(
                f"/users/{changers[i]['id']}/identity",
                json={"identity": wanted},
                headers=bearer(admin),
            )
        return client.post("/users", json={"credentials": {"identity": wanted, "secret": SECRET}})

    responses = race(attempt)

    statuses = Counter(response.status_code for response in responses)
    assert statuses[409] == THREADS - 1, [r.text for r in responses]
    assert statuses[200] + statuses[201] == 1, [r.text for r in responses]
    _, holders = list_users(client, admin, identity=wanted, status="all")
    assert holders == [wanted]
