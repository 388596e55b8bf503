"""The certificate manager's password reset: a code mailed to the user, then a new password
set with that code alone (`/auth/reset`, `/auth/validate-code`, `/auth/update`).

A code is a random UUID. The log keeps only a keyed hash of it (as the id of its `ResetCode`),
with its holder and expiry. It opens once: setting the password changes the secret, and a code
issued before the holder's last secret or status change opens nothing. A login asks for one
code per window; asking again within it answers False, for a login nobody holds as for one
somebody does, so the answers do not tell who is registered.
"""

import asyncio
import time
from collections.abc import Callable
from uuid import uuid4

from application.authorization import Actor
from application.consistency import run_command
from application.identity_keys import IdentityKeys
from application.ports.mail import Mail, Mailer
from application.ports.security import BlindIndex, ResetRequests
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.ports.users import SessionStates
from application.users import UserCommands
from domain.causes import Interface
from domain.errors import InvalidValue, Unauthenticated
from domain.identities import comparable
from domain.reset_codes import ResetCode
from domain.switchable import Status
from domain.users import Role, User

SUBJECT = "Your FleetID password reset code"
UNUSABLE = "the code is unknown, expired or used"


class CodeReset:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        users: UserCommands,
        states: SessionStates,
        blind: BlindIndex,
        requests: ResetRequests,
        mailer: Mailer,
        ttl: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`ttl`: seconds a code lives, which is also the window between two requests."""
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._users = users
        self._states = states
        self._blind = blind
        self._identities = IdentityKeys(blind, reader)
        self._requests = requests
        self._mailer = mailer
        self._ttl = ttl
        self._clock = clock

    async def request(self, login: str) -> bool:
        """Mail a code to the enabled user signing in with `login`. True unless the login asked
        within the window, whoever holds it: an unknown login gets True and no mail."""
        now = self._clock()
        key = self._blind.key(f"reset-request\x00{comparable(login)}")
        if not await asyncio.to_thread(self._requests.first_since, key, now, self._ttl):
            return False
        user = self._user(login)
        if user is None:
            return True
        code = str(uuid4())

        def command() -> tuple[None, list[ResetCode]]:
            cause = Actor(id=user.id, role=user.role).cause(Interface.REST)
            issued = ResetCode(self._code_key(code), user.id, now + self._ttl, cause)
            return None, [issued]

        await run_command(self._writer, self._sync, command)
        minutes = max(1, self._ttl // 60)
        body = (
            f"Hello {user.name or login},\n\na password reset was asked for your account. "
            f"Within {minutes} minutes, use this code:\n\n{code}\n\n"
            "If you did not ask for it, ignore this e-mail.\n"
        )
        mail = Mail(to=user.identity or login, subject=SUBJECT, body=body)
        await asyncio.to_thread(self._mailer.send, mail)
        return True

    def valid(self, code: str) -> bool:
        return self._holder(code) is not None

    async def update(self, code: str, new_password: str, repeated: str) -> None:
        """Set the holder's password; the code opens nothing after that."""
        if new_password != repeated:
            raise InvalidValue(
                "the repeated password differs", field="updatedPassword.repeatedNewPassword"
            )
        holder = self._holder(code)
        if holder is None:
            raise Unauthenticated(UNUSABLE)
        await self._users.reset_secret(holder, new_password, Interface.REST)

    def _holder(self, code: str) -> Actor | None:
        found = self._reader.get(ResetCode.create_id(self._code_key(code)))
        if not isinstance(found, ResetCode):
            return None
        state = self._states.session_state(found.holder)
        if state is None or state.status != Status.ENABLED.value:
            return None
        since = state.sessions_since.timestamp() if state.sessions_since else None
        if not found.opens(self._clock(), since):
            return None
        return Actor(id=found.holder, role=Role(state.role))

    def _code_key(self, code: str) -> str:
        return self._blind.key(f"reset-code\x00{code.strip().lower()}")

    def _user(self, login: str) -> User | None:
        holder = self._identities.holder(login)
        user = None if holder is None else self._reader.get(holder)
        if not isinstance(user, User) or user.status is not Status.ENABLED:
            return None
        return user
