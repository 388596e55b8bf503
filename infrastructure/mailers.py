"""Where the server's e-mail goes: the `mail_outbox` table, or an SMTP server.

With no SMTP server configured, mail is kept in the database for the operator's own mail
system to take (and a log line says one is waiting, without its contents: a reset link is a
credential). With one, it is sent at once over STARTTLS or TLS; a failure is the caller's error,
so a reset request that could not be mailed answers 503 rather than as if it had been.
"""

import logging
import smtplib
import ssl
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa

from application.ports.mail import Mail, MailNotSent
from infrastructure.schema import mail_outbox

log = logging.getLogger(__name__)


class OutboxMailer:
    def __init__(self, engine: sa.Engine, write_lock: AbstractContextManager[Any]) -> None:
        self._engine = engine
        self._write_lock = write_lock

    def send(self, mail: Mail) -> None:
        row = {
            "recipient": mail.to,
            "subject": mail.subject,
            "body": mail.body,
            "queued_at": time.time(),
        }
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(mail_outbox.insert(), row)
        log.info("queued an e-mail (%s) in the mail_outbox table", mail.subject)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    sender: str
    security: str
    """`starttls`, `tls` or `none` (a relay on the same host)."""


class SmtpMailer:
    def __init__(self, server: SmtpServer, timeout: float = 10.0) -> None:
        self._server = server
        self._timeout = timeout

    def send(self, mail: Mail) -> None:
        server = self._server
        message = EmailMessage()
        message["From"] = server.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            self._deliver(message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailNotSent(f"{type(error).__name__}: {error}") from None

    def _deliver(self, message: EmailMessage) -> None:
        server = self._server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.security == "tls":
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self._timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        with smtp:
            if server.security == "starttls":
                smtp.starttls(context=context)
            if server.username:
                smtp.login(server.username, server.password)
            smtp.send_message(message)
