"""Who may do what to whom. Rules read the write model for commands and the read model for queries.

A user that may not even see another user gets NotFound, so that probing ids reveals nothing;
a user that may see it but not perform the action gets Forbidden.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from domain.causes import ActorKind, Cause, Interface
from domain.errors import Forbidden, NotFound
from domain.users import Role, User


@dataclass(frozen=True)
class Actor:
    id: UUID
    role: Role
    kind: ActorKind = ActorKind.USER

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def reads_the_log(self) -> bool:
        return self.role in (Role.AUDITOR, Role.ADMIN)

    def cause(self, via: Interface) -> Cause:
        return Cause(actor=str(self.id), kind=self.kind, via=via)


def can_see_user(actor: Actor, user_id: UUID, owner: UUID | None) -> bool:
    return actor.is_admin or actor.id == user_id or (owner is not None and owner == actor.id)


def require_visible_user(actor: Actor, user_id: UUID, owner: UUID | None) -> None:
    if not can_see_user(actor, user_id, owner):
        raise NotFound("user not found", field="id")


def require_new_owner(actor: Actor, new_owner: object) -> None:
    """A new owner must be a user the actor may see. One it may not see gets the answer an id
    that was never a user gets: otherwise handing something over tells which ids are users."""
    if not (
        isinstance(new_owner, User)
        and not new_owner.is_erased
        and can_see_user(actor, new_owner.id, new_owner.owner)
    ):
        raise NotFound("owner must be an existing user the caller may see", field="owner")


def require_user_editor(actor: Actor, user: User) -> None:
    """Profile changes: the user itself, its owner, an admin; an admin's profile only by
    admins and itself, so handing an admin account to a user grants no power over it."""
    require_visible_user(actor, user.id, user.owner)
    if user.role is Role.ADMIN and not (actor.is_admin or actor.id == user.id):
        raise Forbidden("only admins may change an admin")


def require_user_steward(actor: Actor, user: User, action: str) -> None:
    """Ownership and status changes belong to admins and the owner, never to the user itself;
    an admin's only to admins."""
    require_visible_user(actor, user.id, user.owner)
    owns = user.owner is not None and user.owner == actor.id
    if not (actor.is_admin or (owns and user.role is not Role.ADMIN)):
        raise Forbidden(f"only an admin or the user's owner may {action}")


def require_admin_to_grant(actor: Actor | None, role: Role) -> None:
    if role is not Role.USER and not (actor is not None and actor.is_admin):
        raise Forbidden(f"only an admin may create an {role.value}", field="role")


def can_see_entity(actor: Actor, owner: UUID | None) -> bool:
    return actor.is_admin or (owner is not None and owner == actor.id)


def require_entity_owner(
    actor: Actor, owner: UUID | None, kind: str, is_member: Callable[[], bool]
) -> None:
    """Changes only the owner and admins make. A member sees the entity, so it is told it may
    not (403); anyone else that the entity does not exist (404). `is_member` is asked only when
    needed."""
    if can_see_entity(actor, owner):
        return
    if is_member():
        raise Forbidden(f"only an admin or the {kind}'s owner may change it")
    raise NotFound(f"{kind} not found", field="id")


CLIENT_ACTIONS = frozenset({"c_list", "c_update", "c_delete", "c_share"})
"""Actions a member of a channel holds over the things (clients) connected to it."""


def require_thing_right(
    actor: Actor, owner: UUID | None, held: Callable[[], set[str]], action: str | None
) -> None:
    """Admins and the owner may do anything with a thing. A member of a channel the thing is
    connected to may do what its actions allow (`c_list` see it, `c_update` change it,
    `c_delete` enable or disable it); `action` None means owner or admin only. `held` is asked
    only when needed (it costs a query)."""
    if actor.is_admin or (owner is not None and owner == actor.id):
        return
    actions = held()
    if action is not None and action in actions:
        return
    if actions & CLIENT_ACTIONS:
        raise Forbidden(
            f"this needs {action} on a channel the thing is connected to"
            if action
            else "only an admin or the thing's owner may do this"
        )
    raise NotFound("thing not found", field="id")
