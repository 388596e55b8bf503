"""Mosquitto's password and ACL files, rendered from the read model.

Mosquitto (2.0) cannot ask FleetID per packet, so FleetID writes what Mosquitto needs to know:
each enabled thing's secret as a PBKDF2-SHA512 hash (the `$7$` format of `mosquitto_passwd`),
and per thing the channel topics it may write (m_write) and read (m_read) on enabled channels.
Module topics are patterns on the username, so a gateway reaches only its own. The rules are
`application/mqtt_access.py`'s; this is their Mosquitto spelling. Files are replaced
atomically (write, then rename) with mode 0600: they hold secret hashes.
"""

import base64
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from application.ports.security import SecretBox
from infrastructure.schema import channels, policies, things

ITERATIONS = 101
"""mosquitto_passwd's own count: the secrets are random and long, so the hash guards against
reading the file, not against guessing."""
SALT_BYTES = 12
PASSWORDS = "passwords"
ACL = "acl"
KICK = "kick"
STAMP = "stamp"
"""The name of the user property the plugin stamps publishers under."""
"""Usernames whose open connections the plugin closes at Mosquitto's next reload."""

ENABLED_THINGS = sa.select(things.c.id, things.c.sealed_secret).where(
    things.c.valid_to.is_(None), things.c.status == "enabled"
)
GRANTS = (
    sa.select(policies.c.subject, policies.c.object, policies.c.actions)
    .join(channels, sa.and_(channels.c.id == policies.c.object, channels.c.valid_to.is_(None)))
    .where(
        policies.c.valid_to.is_(None),
        policies.c.subject_kind == "thing",
        channels.c.status == "enabled",
    )
)


@dataclass(frozen=True)
class Grant:
    thing: UUID
    channel: UUID
    actions: frozenset[str]


def password_line(username: str, secret: str, salt: bytes) -> str:
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, ITERATIONS)
    encoded = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"{username}:$7${ITERATIONS}${encoded[0]}${encoded[1]}"


def render_passwords(
    credentials: Iterable[tuple[UUID, str]], salt: Callable[[], bytes] | None = None
) -> str:
    draw = salt or (lambda: os.urandom(SALT_BYTES))
    lines = [password_line(str(thing), secret, draw()) for thing, secret in sorted(credentials)]
    return "".join(f"{line}\n" for line in lines)


def render_acl(grants: Iterable[Grant], service: str | None = None) -> str:
    """`service` is FleetID's own account: it reads telemetry and gateway commands, and
    writes acknowledgements and the packs accepted over HTTP."""
    lines = [
        "# Written by FleetID from its read model; changes here are overwritten.",
        "pattern write from/module/%u/#",
        "pattern read to/module/%u/#",
    ]
    if service:
        lines += [
            "",
            f"user {service}",
            "topic readwrite channels/+/messages/#",
            "topic read from/module/+/#",
            "topic write to/module/+/#",
        ]
    by_thing: dict[UUID, list[Grant]] = {}
    for grant in grants:
        by_thing.setdefault(grant.thing, []).append(grant)
    for thing in sorted(by_thing):
        lines += ["", f"user {thing}"]
        for grant in sorted(by_thing[thing], key=lambda g: g.channel):
            for action, access in (("m_write", "write"), ("m_read", "read")):
                if action in grant.actions:
                    lines.append(f"topic {access} channels/{grant.channel}/messages/#")
    return "\n".join(lines) + "\n"


def publisher_stamp(key: bytes) -> str:
    """A stamp name no client can guess: Mosquitto publishes a client's will without letting
    the plugin see it, so a will carrying a property of the plugin's name would pass for a
    stamped message. The name is FleetID's secret (and the plugin's, from the `stamp` file)."""
    return f"fleetid-publisher-{key.hex()}"


class MosquittoFiles:
    def __init__(
        self,
        engine: sa.Engine,
        box: SecretBox,
        stamp: str,
        service: tuple[str, str] | None = None,
    ) -> None:
        """`service`: FleetID's own username and password on the broker, if it connects."""
        self._engine = engine
        self._box = box
        self._stamp = stamp
        self._service = service

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Render both files into `directory` from one snapshot of the read model."""
        with self._engine.connect() as conn, conn.begin():
            credentials = [
                (UUID(row.id), self._box.open(row.sealed_secret))
                for row in conn.execute(ENABLED_THINGS)
            ]
            grants = [
                Grant(UUID(row.subject), UUID(row.object), frozenset(row.actions))
                for row in conn.execute(GRANTS)
            ]
        directory.mkdir(parents=True, exist_ok=True)
        passwords = render_passwords(credentials)
        service = None
        if self._service is not None:
            service = self._service[0]
            passwords += password_line(*self._service, os.urandom(SALT_BYTES)) + "\n"
        _replace(directory / STAMP, self._stamp + "\n")
        return (
            _replace(directory / PASSWORDS, passwords),
            _replace(directory / ACL, render_acl(grants, service)),
        )

    def write_kick_list(self, directory: Path, things: Iterable[UUID]) -> Path:
        return _replace(directory / KICK, "".join(f"{thing}\n" for thing in sorted(things)))


def _replace(path: Path, text: str) -> Path:
    """Write a temporary file of its own (mode 0600: mkstemp's), then rename it over `path`:
    two writers at once (the sync and `fleetid mqtt mosquitto-files`) cannot collide."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
