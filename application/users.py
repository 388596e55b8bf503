"""User commands: validate, authorize, load, decide, save; answer from the changed aggregate.

Commands are coroutines: they wait for their commit without holding a thread. Password hashing,
the one slow computation, runs in a worker thread so that it never stalls the event loop.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.authorization import (
    Actor,
    require_admin_to_grant,
    require_new_owner,
    require_user_editor,
    require_user_steward,
)
from application.consistency import run_command
from application.identity_keys import IdentityKeys
from application.ports.security import BlindIndex, PasswordHasher, SubjectKeys
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.ports.users import UserView
from domain.causes import ActorKind, Cause, Interface
from domain.errors import NotFound, Unauthenticated
from domain.identities import IdentityIndex, IdentityTaken, comparable
from domain.switchable import Status
from domain.users import Role, User, check_identity, check_password

T = TypeVar("T")


@dataclass(frozen=True)
class NewUser:
    identity: str
    secret: str
    name: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    role: Role = Role.USER
    status: Status = Status.ENABLED


def view_of(user: User) -> UserView:
    return UserView(
        id=user.id,
        identity=user.identity,
        name=user.name,
        tags=list(user.tags),
        metadata=dict(user.metadata),
        role=user.role.value,
        status=user.status.value,
        owner=user.owner,
        created_at=user.created_on,
        updated_at=user.modified_on if user.version > 1 else None,
        updated_by=user.updated_by,
    )


def _alone(user: User, cause: Cause) -> tuple[UserView, list[Aggregate]]:
    return view_of(user), []


class UserCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        hasher: PasswordHasher,
        blind: BlindIndex,
        keys: SubjectKeys,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._hasher = hasher
        self._identities = IdentityKeys(blind, reader)
        self._keys = keys

    async def register(self, new: NewUser, actor: Actor | None, via: Interface) -> UserView:
        """Self-registration when `actor` is None (the new user is its own cause); otherwise the
        caller becomes the owner."""
        require_admin_to_grant(actor, new.role)
        user_id = uuid4()
        if actor is None:
            cause = Cause(actor=str(user_id), kind=ActorKind.USER, via=via)
        else:
            cause = actor.cause(via)
        return await self._register(user_id, new, actor.id if actor else None, cause, _alone)

    async def update(
        self,
        actor: Actor,
        user_id: UUID,
        via: Interface,
        *,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> UserView:
        def change(user: User, cause: Cause) -> None:
            require_user_editor(actor, user)
            if name is not None:
                user.rename(name, cause)
            if metadata is not None:
                user.replace_metadata(metadata, cause)

        return await self._change(actor, user_id, via, change)

    async def replace_tags(
        self, actor: Actor, user_id: UUID, tags: list[str], via: Interface
    ) -> UserView:
        def change(user: User, cause: Cause) -> None:
            require_user_editor(actor, user)
            user.replace_tags(tags, cause)

        return await self._change(actor, user_id, via, change)

    async def change_owner(
        self, actor: Actor, user_id: UUID, owner: UUID, via: Interface
    ) -> UserView:
        def change(user: User, cause: Cause) -> None:
            require_user_steward(actor, user, "change its owner")
            require_new_owner(actor, self._reader.get(owner))
            user.change_owner(owner, cause)

        return await self._change(actor, user_id, via, change)

    async def change_identity(
        self, actor: Actor, user_id: UUID, identity: str, via: Interface
    ) -> UserView:
        identity = check_identity(identity)

        def command() -> tuple[UserView, list[Aggregate]]:
            user = self._load(user_id)
            require_user_editor(actor, user)
            cause = actor.cause(via)
            old = user.identity
            user.change_identity(identity, cause)
            same_key = old is not None and comparable(old) == comparable(identity)
            if same_key:
                return view_of(user), [user]
            released = self._release(old, user.id, cause)
            claimed = self._claim(identity, user.id, cause)
            return view_of(user), [user, claimed, *released]

        return await run_command(self._writer, self._sync, command)

    async def change_secret(
        self, actor: Actor, old_secret: str, new_secret: str, via: Interface
    ) -> UserView:
        check_password(new_secret, field="new_secret")
        stored = self._load(actor.id).secret_hash
        if stored is None or not await asyncio.to_thread(self._hasher.verify, old_secret, stored):
            raise Unauthenticated("old_secret does not match", field="old_secret")
        secret_hash = await asyncio.to_thread(self._hasher.hash, new_secret)

        def change(user: User, cause: Cause) -> None:
            user.change_secret(secret_hash, cause)

        return await self._change(actor, actor.id, via, change)

    async def reset_secret(self, actor: Actor, new_secret: str, via: Interface) -> UserView:
        """The reset flow's change: the actor proved itself with a reset token, not the old
        secret. Like every secret change, it ends the user's sessions and its reset tokens."""
        check_password(new_secret, field="password")
        secret_hash = await asyncio.to_thread(self._hasher.hash, new_secret)

        def change(user: User, cause: Cause) -> None:
            user.change_secret(secret_hash, cause)

        return await self._change(actor, actor.id, via, change)

    async def enable(self, actor: Actor, user_id: UUID, via: Interface) -> UserView:
        def change(user: User, cause: Cause) -> None:
            require_user_steward(actor, user, "enable it")
            user.enable(cause)

        return await self._change(actor, user_id, via, change)

    async def disable(self, actor: Actor, user_id: UUID, via: Interface) -> UserView:
        def change(user: User, cause: Cause) -> None:
            require_user_steward(actor, user, "disable it")
            user.disable(cause)

        return await self._change(actor, user_id, via, change)

    async def erase(self, user_id: UUID, cause: Cause) -> None:
        """Destroy the subject's key first, then record the erasure and release the identity.

        Key first: from that instant nothing of the person can be read, whatever fails next;
        running the command again completes an interrupted erasure.
        """
        identity = self._load(user_id, allow_erased=True).identity
        self._keys.erase(str(user_id))

        def command() -> tuple[None, list[Aggregate]]:
            user = self._load(user_id, allow_erased=True)
            if user.is_erased:
                return None, []
            released = self._release(identity, user.id, cause)
            user.erase(cause)
            return None, [user, *released]

        await run_command(self._writer, self._sync, command)

    async def ensure_admin(self, identity: str, secret: str, via: Interface) -> UserView | None:
        """Create the first admin from settings, unless that identity already exists."""
        if self._identities.holder(identity) is not None:
            return None
        new = NewUser(identity=identity, secret=secret, name="admin", role=Role.ADMIN)
        try:
            return await self._register(uuid4(), new, None, Cause.system(via), _alone)
        except IdentityTaken:
            return None

    async def register_with(
        self,
        new: NewUser,
        cause: Cause,
        also: Callable[[User, Cause], tuple[T, list[Aggregate]]],
    ) -> T:
        """Register a user without an owner and, in the same save, what `also` decides on it
        (the certificate manager enrolls it): its answer, and the aggregates it changed."""
        return await self._register(uuid4(), new, None, cause, also)

    async def _register(
        self,
        user_id: UUID,
        new: NewUser,
        owner: UUID | None,
        cause: Cause,
        also: Callable[[User, Cause], tuple[T, list[Aggregate]]],
    ) -> T:
        identity = check_identity(new.identity)
        secret_hash = await asyncio.to_thread(self._hasher.hash, check_password(new.secret))

        def command() -> tuple[T, list[Aggregate]]:
            user = User.register(
                id=user_id,
                identity=identity,
                secret_hash=secret_hash,
                name=new.name,
                tags=new.tags,
                metadata=new.metadata,
                role=new.role,
                owner=owner,
                cause=cause,
            )
            if new.status is Status.DISABLED:
                user.disable(cause)
            index = self._claim(identity, user.id, cause)
            answer, changed = also(user, cause)
            return answer, [user, index, *changed]

        return await run_command(self._writer, self._sync, command)

    async def _change(
        self, actor: Actor, user_id: UUID, via: Interface, change: Callable[[User, Cause], None]
    ) -> UserView:
        def command() -> tuple[UserView, list[Aggregate]]:
            user = self._load(user_id)
            change(user, actor.cause(via))
            return view_of(user), [user]

        return await run_command(self._writer, self._sync, command)

    def _load(self, user_id: UUID, *, allow_erased: bool = False) -> User:
        user = self._reader.get(user_id)
        if not isinstance(user, User) or (user.is_erased and not allow_erased):
            raise NotFound("user not found", field="id")
        return user

    def _claim(self, identity: str, holder: UUID, cause: Cause) -> IdentityIndex:
        key, index = self._identities.current(identity)
        return IdentityIndex.claim(index, key, holder, cause)

    def _release(self, identity: str | None, holder: UUID, cause: Cause) -> list[IdentityIndex]:
        index = None if identity is None else self._identities.current(identity)[1]
        return [] if index is None else index.released_by(holder, cause)
