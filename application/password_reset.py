"""The password reset flow of Magistrala's API: a reset e-mail, then a new password.

The e-mail's link starts with the operator's configured page, never with a host the caller
names: Magistrala builds it from the request's `Referer`, so anyone could have a user mailed
a link to their own site carrying the user's token. The request answers the same whether or
not the identity is registered, so it cannot be used to find out who is.
"""

from dataclasses import dataclass

from application.ports.mail import Mail, Mailer
from application.sessions import Sessions
from application.users import UserCommands
from domain.causes import Interface
from domain.errors import InvalidValue

SUBJECT = "Reset your FleetID password"


@dataclass(frozen=True)
class ResetPolicy:
    token_ttl: int
    """Seconds a reset token lives."""
    link: str
    """The page that takes the token (`...?token=`); empty: the e-mail carries the token alone."""


class PasswordReset:
    def __init__(
        self, sessions: Sessions, users: UserCommands, mailer: Mailer, policy: ResetPolicy
    ) -> None:
        self._sessions = sessions
        self._users = users
        self._mailer = mailer
        self._policy = policy

    def request(self, identity: str) -> None:
        issued = self._sessions.reset_token(identity, self._policy.token_ttl)
        if issued is None:
            return
        token, user = issued
        minutes = max(1, self._policy.token_ttl // 60)
        where = f"{self._policy.link}{token}" if self._policy.link else f"Reset token: {token}"
        body = (
            f"Hello {user.name or identity},\n\n"
            f"a password reset was asked for your account. Within {minutes} minutes:\n\n"
            f"{where}\n\nIf you did not ask for it, ignore this e-mail.\n"
        )
        self._mailer.send(Mail(to=identity, subject=SUBJECT, body=body))

    async def reset(self, token: str, password: str, confirm_password: str) -> None:
        if password != confirm_password:
            raise InvalidValue("password and confirm_password differ", field="confirm_password")
        actor = self._sessions.resetting(token)
        await self._users.reset_secret(actor, password, Interface.REST)
