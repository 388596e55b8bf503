"""Per-subject data keys for crypto-shredding, held in a table outside the event log.

Each personal value in an event is sealed with AES-256-GCM under its subject's key; the key is
stored wrapped under the master key from the data directory. Deleting a subject's key makes every
sealed value of that subject unreadable while the log itself stays intact and verifiable.
"""

import base64
import os
import threading
from typing import Any

import msgspec
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol

from domain.errors import SubjectErased
from infrastructure.schema import subject_keys

NONCE_SIZE = 12
SEALED = "sealed"


class SubjectKeyring:
    def __init__(self, engine: sa.Engine, master_key: bytes) -> None:
        self._engine = engine
        self._master = AESGCM(master_key)
        self._cache: dict[str, AESGCM] = {}
        self._lock = threading.Lock()

    def seal(self, subject: str, field: str, value: Any, *, first: bool) -> dict[str, str]:
        """Only a subject's first event creates its key: after an erasure, nothing may seal new
        personal data under a fresh key (that would make the old events undecryptable)."""
        key = self._key(subject, create=first)
        if key is None:
            raise SubjectErased(f"{subject} has been erased")
        nonce = os.urandom(NONCE_SIZE)
        box = key.encrypt(nonce, msgspec.json.encode(value), _aad(subject, field))
        return {SEALED: base64.b64encode(nonce + box).decode()}

    def unseal(self, subject: str, field: str, sealed: Any) -> bytes | None:
        """Plaintext JSON of the value, or None when the subject's key has been erased."""
        if not isinstance(sealed, dict) or SEALED not in sealed:
            raise ValueError(f"field {field!r} of {subject} is not sealed")
        key = self._key(subject, create=False)
        if key is None:
            return None
        raw = base64.b64decode(sealed[SEALED])
        try:
            return key.decrypt(raw[:NONCE_SIZE], raw[NONCE_SIZE:], _aad(subject, field))
        except InvalidTag:
            raise ValueError(f"sealed field {field!r} of {subject} fails authentication") from None

    def erase(self, subject: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(subject_keys.delete().where(subject_keys.c.subject == subject))
        self.forget(subject)

    def forget(self, subject: str) -> None:
        """Drop the cached key so the next read sees the table."""
        with self._lock:
            self._cache.pop(subject, None)

    def observe(self, event: DomainEventProtocol[Any]) -> None:
        """Every process following the log drops an erased subject's key from its cache."""
        self.forget(str(event.originator_id))

    def _key(self, subject: str, *, create: bool) -> AESGCM | None:
        cached = self._cache.get(subject)
        if cached is not None:
            return cached
        with self._engine.begin() as conn:
            wrapped = conn.execute(
                sa.select(subject_keys.c.wrapped_key).where(subject_keys.c.subject == subject)
            ).scalar_one_or_none()
            if wrapped is None and create:
                wrapped = self._wrap(subject, AESGCM.generate_key(bit_length=256))
                conn.execute(subject_keys.insert().values(subject=subject, wrapped_key=wrapped))
        if wrapped is None:
            return None
        key = AESGCM(self._unwrap(subject, wrapped))
        with self._lock:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[subject] = key
        return key

    def _wrap(self, subject: str, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._master.encrypt(nonce, key, b"subject:" + subject.encode())

    def _unwrap(self, subject: str, wrapped: bytes) -> bytes:
        aad = b"subject:" + subject.encode()
        return self._master.decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], aad)


def _aad(subject: str, field: str) -> bytes:
    return f"{subject}|{field}".encode()
