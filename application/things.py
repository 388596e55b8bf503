"""Thing commands: provision (one or many, all or nothing), change, enable and disable.

A thing's secret is unique across things. It is claimed through an index aggregate keyed by the
secret's lookup hash, saved in the same commit as the thing, so two things can never hold one
secret, however their commands interleave.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.authorization import (
    Actor,
    can_see_entity,
    require_new_owner,
    require_thing_right,
)
from application.bulk import check_size, entry
from application.consistency import run_command
from application.identity_keys import index_entry
from application.ports.connections import ConnectionViews
from application.ports.security import BlindIndex, SecretBox
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.ports.things import ThingView
from domain.causes import Cause, Interface
from domain.errors import Conflict, NotFound
from domain.identities import IdentityIndex, IdentityTaken
from domain.policies import Policy
from domain.switchable import Status
from domain.things import SealedSecret, Thing, check_thing_secret

SECRET_DOMAIN = "thing-secret\x00"
"""Separates secret lookups from user identity keys made with the same blind-index key."""


def secret_lookup(blind: BlindIndex, secret: str) -> str:
    """The keyed hash a thing is found by (identify, MQTT sign-in) and kept unique by."""
    return blind.key(SECRET_DOMAIN + secret)


def shown_to(actor: Actor, view: ThingView) -> ThingView:
    """The thing as the actor may see it. Whoever holds the secret can publish as the device, so
    only its owner and admins see it; a member that may list or change the thing does not."""
    return view if can_see_entity(actor, view.owner) else replace(view, secret=None)


class ThingExists(Conflict):
    reason = "thing_exists"


class SecretTaken(Conflict):
    reason = "secret_taken"


@dataclass(frozen=True)
class NewThing:
    id: UUID | None = None
    identity: str = ""
    name: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    secret: str | None = None
    status: Status = Status.ENABLED
    parent: UUID | None = None
    """The gateway (or device behind it) the thing connects through; None: directly."""
    public_key: str | None = None


class ThingCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        blind: BlindIndex,
        box: SecretBox,
        rights: ConnectionViews,
    ) -> None:
        self._rights = rights
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._blind = blind
        self._box = box

    def view_of(self, thing: Thing) -> ThingView:
        updated_at = thing.modified_on if thing.version > 1 else None
        return _view(thing, self._box.open(thing.sealed_secret), updated_at)

    async def provision(self, actor: Actor, new: NewThing, via: Interface) -> ThingView:
        views = await self._provision(actor, [new], via, bulk=False)
        return views[0]

    async def provision_many(
        self, actor: Actor, batch: Sequence[NewThing], via: Interface
    ) -> list[ThingView]:
        """All or nothing: the first invalid or conflicting entry fails the whole batch, and the
        error names it by index (`[3].credentials.secret`)."""
        check_size(batch, "things")
        return await self._provision(actor, batch, via, bulk=True)

    async def update(
        self,
        actor: Actor,
        thing_id: UUID,
        via: Interface,
        *,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> ThingView:
        def change(thing: Thing, cause: Cause) -> list[Aggregate]:
            if name is not None:
                thing.rename(name, cause)
            if metadata is not None:
                thing.replace_metadata(metadata, cause)
            return [thing]

        return await self._change(actor, thing_id, via, change, "c_update")

    async def replace_tags(
        self, actor: Actor, thing_id: UUID, tags: list[str], via: Interface
    ) -> ThingView:
        def change(thing: Thing, cause: Cause) -> list[Aggregate]:
            thing.replace_tags(tags, cause)
            return [thing]

        return await self._change(actor, thing_id, via, change, "c_update")

    async def change_owner(
        self, actor: Actor, thing_id: UUID, owner: UUID, via: Interface
    ) -> ThingView:
        def change(thing: Thing, cause: Cause) -> list[Aggregate]:
            require_new_owner(actor, self._reader.get(owner))
            thing.change_owner(owner, cause)
            return [thing]

        return await self._change(actor, thing_id, via, change, None)

    async def change_secret(
        self, actor: Actor, thing_id: UUID, secret: str, via: Interface
    ) -> ThingView:
        """The old secret stops working with this commit: identify reads the new lookup."""
        sealed = self._seal(check_thing_secret(secret))

        def change(thing: Thing, cause: Cause) -> list[Aggregate]:
            if thing.secret_lookup == sealed.lookup:
                return []
            claimed = self._claim(sealed.lookup, thing.id, cause, field="secret")
            released = self._release(thing.secret_lookup, thing.id, cause)
            thing.change_secret(sealed, cause)
            return [thing, claimed, *released]

        return await self._change(actor, thing_id, via, change, "c_update")

    async def enable(self, actor: Actor, thing_id: UUID, via: Interface) -> ThingView:
        def change(thing: Thing, cause: Cause) -> list[Aggregate]:
            thing.enable(cause)
            return [thing]

        return await self._change(actor, thing_id, via, change, "c_delete")

    async def disable(self, actor: Actor, thing_id: UUID, via: Interface) -> ThingView:
        def change(thing: Thing, cause: Cause) -> list[Aggregate]:
            thing.disable(cause)
            return [thing]

        return await self._change(actor, thing_id, via, change, "c_delete")

    async def _provision(
        self, actor: Actor, batch: Sequence[NewThing], via: Interface, *, bulk: bool
    ) -> list[ThingView]:
        cause = actor.cause(via)
        prepared = []
        for index, new in enumerate(batch):
            with entry(index if bulk else None):
                prepared.append(self._prepare(new))
        _refuse_repeats(prepared, bulk)

        def command() -> tuple[list[ThingView], list[Aggregate]]:
            changed: list[Aggregate] = []
            views: list[ThingView] = []
            for index, (thing_id, new, secret, plain) in enumerate(prepared):
                with entry(index if bulk else None):
                    thing, claimed = self._new_thing(thing_id, new, secret, actor.id, cause)
                changed += [thing, claimed]
                views.append(self._view_of_new(thing, plain))
            return views, changed

        return await run_command(self._writer, self._sync, command)

    def provision_within(
        self, new: NewThing, owner: UUID, cause: Cause
    ) -> tuple[Thing, list[Aggregate]]:
        """For another application's command: the new thing (with a secret drawn here) and
        everything to save with it."""
        thing_id, new, secret, _plain = self._prepare(new)
        thing, claimed = self._new_thing(thing_id, new, secret, owner, cause)
        return thing, [thing, claimed]

    def remove_within(self, thing: Thing, cause: Cause) -> list[Aggregate]:
        """For another application's command: the thing removed, its secret released and its
        connections revoked; everything to save."""
        revoked: list[Aggregate] = []
        for channel in self._rights.channels_of(thing.id):
            policy = self._reader.get(Policy.id_for(thing.id, channel))
            if isinstance(policy, Policy) and policy.active:
                policy.revoke(cause)
                revoked.append(policy)
        thing.remove(cause)
        return [thing, *self._release(thing.secret_lookup, thing.id, cause), *revoked]

    def device(
        self,
        thing_id: UUID,
        name: str,
        metadata: dict[str, Any],
        public_key: str,
        owner: UUID,
        cause: Cause,
    ) -> list[Aggregate]:
        """The thing of a device that a certificate was issued to, under a random secret; not
        saved: whoever issued the certificate saves it with the issuance."""
        secret = self._seal(str(uuid4()))
        thing = Thing.provision(
            id=thing_id,
            identity="",
            name=name,
            tags=[],
            metadata=metadata,
            owner=owner,
            secret=secret,
            cause=cause,
            public_key=public_key,
        )
        return [thing, IdentityIndex(key=secret.lookup, holder=thing_id, cause=cause)]

    def _view_of_new(self, thing: Thing, secret: str) -> ThingView:
        """Provisioned things answer with the secret in hand; no need to decrypt it."""
        return _view(thing, secret, None)

    def _prepare(self, new: NewThing) -> tuple[UUID, NewThing, SealedSecret, str]:
        if new.secret is None:
            plain = str(uuid4())
        else:
            plain = check_thing_secret(new.secret, field="credentials.secret")
        return new.id or uuid4(), new, self._seal(plain), plain

    def _new_thing(
        self, thing_id: UUID, new: NewThing, secret: SealedSecret, owner: UUID, cause: Cause
    ) -> tuple[Thing, IdentityIndex]:
        """Only ids and secrets the client chose are looked up: one the server just drew at
        random cannot exist yet (and if it did, the commit's version check would refuse it)."""
        if new.id is not None and self._reader.get(thing_id) is not None:
            raise ThingExists("an entity with this id already exists", field="id")
        thing = Thing.provision(
            id=thing_id,
            identity=new.identity,
            name=new.name,
            tags=new.tags,
            metadata=new.metadata,
            owner=owner,
            secret=secret,
            cause=cause,
            parent=new.parent,
            public_key=new.public_key,
        )
        if new.status is Status.DISABLED:
            thing.disable(cause)
        if new.secret is None:
            return thing, IdentityIndex(key=secret.lookup, holder=thing_id, cause=cause)
        return thing, self._claim(secret.lookup, thing_id, cause, field="credentials.secret")

    def _seal(self, secret: str) -> SealedSecret:
        return SealedSecret(secret_lookup(self._blind, secret), self._box.seal(secret))

    def _claim(self, lookup: str, holder: UUID, cause: Cause, *, field: str) -> IdentityIndex:
        try:
            return IdentityIndex.claim(index_entry(self._reader, lookup), lookup, holder, cause)
        except IdentityTaken:
            raise SecretTaken("secret is already in use by another thing", field=field) from None

    def _release(self, lookup: str, holder: UUID, cause: Cause) -> list[IdentityIndex]:
        index = index_entry(self._reader, lookup)
        return [] if index is None else index.released_by(holder, cause)

    async def _change(
        self,
        actor: Actor,
        thing_id: UUID,
        via: Interface,
        change: Callable[[Thing, Cause], list[Aggregate]],
        action: str | None,
    ) -> ThingView:
        """`action`: what a member of one of the thing's channels needs; None: owner only."""

        def command() -> tuple[ThingView, list[Aggregate]]:
            thing = self._reader.get(thing_id)
            if not isinstance(thing, Thing):
                raise NotFound("thing not found", field="id")
            require_thing_right(
                actor, thing.owner, lambda: self._rights.thing_actions(actor.id, thing_id), action
            )
            changed = change(thing, actor.cause(via))
            return shown_to(actor, self.view_of(thing)), changed

        return await run_command(self._writer, self._sync, command)


def _refuse_repeats(
    prepared: Sequence[tuple[UUID, NewThing, SealedSecret, str]], bulk: bool
) -> None:
    """One request may not give two things one id or one secret."""
    ids: set[UUID] = set()
    lookups: set[str] = set()
    for index, (thing_id, _, secret, _) in enumerate(prepared):
        where = f"[{index}]." if bulk else ""
        if thing_id in ids:
            raise ThingExists("the id is repeated in this request", field=f"{where}id")
        if secret.lookup in lookups:
            raise SecretTaken(
                "the secret is repeated in this request", field=f"{where}credentials.secret"
            )
        ids.add(thing_id)
        lookups.add(secret.lookup)


def _view(thing: Thing, secret: str, updated_at: datetime | None) -> ThingView:
    return ThingView(
        id=thing.id,
        identity=thing.identity,
        name=thing.name,
        tags=list(thing.tags),
        metadata=dict(thing.metadata),
        owner=thing.owner,
        secret=secret,
        status=thing.status.value,
        created_at=thing.created_on,
        updated_at=updated_at,
        updated_by=thing.updated_by,
        parent=thing.parent,
        public_key=thing.public_key,
    )
