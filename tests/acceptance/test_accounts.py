"""Accounts: registering, signing in, sessions ending, password resets, erasure."""

import threading
from uuid import UUID

import pytest

from application.authorization import Actor
from application.ports.users import UserFilter
from application.users import NewUser
from domain.errors import Conflict, NotFound, Unauthenticated
from domain.users import Role
from interfaces.aggregates import USERS
from tests.acceptance.conftest import VIA, World


def register(world: World, identity: str, secret: str = "secret-4711", **fields: object) -> Actor:
    view = world.run(world[USERS].commands.register(NewUser(identity, secret, **fields), None, VIA))  # type: ignore[arg-type]
    return Actor(view.id, Role.USER)


def test_a_user_signs_in_with_its_secret_and_only_with_it(world: World) -> None:
    olga = register(world, "olga@fleet.example", name="Olga")

    tokens = world.services.sessions.issue("olga@fleet.example", "secret-4711")
    assert world.services.sessions.authenticate(tokens.access_token) == olga
    refreshed = world.services.sessions.refresh(tokens.refresh_token)
    assert world.services.sessions.authenticate(refreshed.access_token) == olga
    for identity, secret in [("olga@fleet.example", "wrong-secret"), ("nobody@x.example", "x")]:
        with pytest.raises(Unauthenticated):
            world.services.sessions.issue(identity, secret)


def test_disabling_a_user_ends_its_sessions_and_enabling_needs_a_new_sign_in(
    world: World,
) -> None:
    olga = register(world, "olga@fleet.example")
    tokens = world.services.sessions.issue("olga@fleet.example", "secret-4711")

    world.run(world[USERS].commands.disable(world.admin, olga.id, VIA))
    with pytest.raises(Unauthenticated):
        world.services.sessions.authenticate(tokens.access_token)
    with pytest.raises(Unauthenticated):
        world.services.sessions.issue("olga@fleet.example", "secret-4711")

    world.run(world[USERS].commands.enable(world.admin, olga.id, VIA))
    with pytest.raises(Unauthenticated):
        world.services.sessions.refresh(tokens.refresh_token)
    fresh = world.services.sessions.issue("olga@fleet.example", "secret-4711")
    assert world.services.sessions.authenticate(fresh.access_token) == olga


def test_one_identity_is_taken_once_even_by_concurrent_registrations(world: World) -> None:
    winners: list[UUID] = []
    refused: list[Exception] = []

    def attempt(_: int) -> None:
        try:
            winners.append(register(world, "shared@fleet.example").id)
        except Conflict as error:
            refused.append(error)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (len(winners), len(refused)) == (1, 5)
    found = world[USERS].queries.page(world.admin, UserFilter(identity="shared@fleet.example"))
    assert [user.id for user in found.items] == winners


def test_users_list_themselves_admins_list_everyone(world: World) -> None:
    olga = register(world, "olga@fleet.example", tags=["ops"])
    ida = register(world, "ida@fleet.example", tags=["ops"])

    mine = world[USERS].queries.page(olga, UserFilter(status="all"))
    everyone = world[USERS].queries.page(world.admin, UserFilter(tag="ops"))

    assert [user.identity for user in mine.items] == ["olga@fleet.example"]
    assert sorted(user.identity or "" for user in everyone.items) == [
        "ida@fleet.example",
        "olga@fleet.example",
    ]
    with pytest.raises(NotFound):
        world[USERS].queries.get(olga, ida.id)


def test_a_password_reset_mails_a_token_that_sets_the_secret_once(world: World) -> None:
    register(world, "olga@fleet.example", name="Olga")
    world.services.password_reset.request("nobody@fleet.example")
    assert world.mailer.sent == [], "an unknown identity gets no mail, and the caller no hint"

    world.services.password_reset.request("olga@fleet.example")
    (mail,) = world.mailer.sent
    token = mail.body.split("Reset token: ")[1].split()[0]
    assert (mail.to, "Hello Olga" in mail.body) == ("olga@fleet.example", True)

    world.run(world.services.password_reset.reset(token, "new-secret-99", "new-secret-99"))
    world.services.sessions.issue("olga@fleet.example", "new-secret-99")
    with pytest.raises(Unauthenticated):
        world.services.sessions.issue("olga@fleet.example", "secret-4711")
    with pytest.raises(Unauthenticated):
        world.run(world.services.password_reset.reset(token, "third-secret-9", "third-secret-9"))


def test_an_erased_user_is_gone_and_its_identity_free(world: World) -> None:
    olga = register(world, "olga@fleet.example", name="Olga", metadata={"phone": "+49 30 1234"})

    world.run(world[USERS].commands.erase(olga.id, world.admin.cause(VIA)))

    with pytest.raises(NotFound):
        world[USERS].queries.get(world.admin, olga.id)
    with pytest.raises(Unauthenticated):
        world.services.sessions.issue("olga@fleet.example", "secret-4711")
    assert register(world, "olga@fleet.example").id != olga.id
