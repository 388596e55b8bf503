"""Mail the application sends (password resets)."""

from dataclasses import dataclass
from typing import Protocol


class MailNotSent(Exception):
    """The mail server did not take a message: the request that needed it failed, and may be
    sent again."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    """Where the server's e-mail goes: an outbox table by default, SMTP when configured."""

    def send(self, mail: Mail) -> None: ...
