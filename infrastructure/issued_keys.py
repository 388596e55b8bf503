"""Devices' private keys that FleetID made: sealed with AES-256-GCM under a key file of the data
directory (`keys/issued-keys.key`), the certificate's serial bound into each seal, and kept in
the `issued_keys` table, never in the log. Destroying a batch's rows destroys its keys."""

import os
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infrastructure.schema import issued_keys


class KeySeal:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, serial: str, der: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, der, serial.encode())

    def open(self, serial: str, sealed: bytes) -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], serial.encode())


class SqlIssuedKeys:
    def __init__(
        self, engine: sa.Engine, write_lock: AbstractContextManager[Any], seal: KeySeal
    ) -> None:
        self._engine = engine
        self._write_lock = write_lock
        self._seal = seal

    def put(self, batch: int, keys: list[tuple[int, str, bytes]]) -> None:
        if not keys:
            return
        rows = [
            {"serial": serial, "batch": batch, "position": index, "sealed_key": sealed}
            for index, serial, sealed in keys
        ]
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(issued_keys.insert(), rows)

    def discard_from(self, batch: int, index: int) -> None:
        where = (issued_keys.c.batch == batch) & (issued_keys.c.position >= index)
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(issued_keys.delete().where(where))

    def sealed(self, batch: int, first: int, last: int) -> dict[str, bytes]:
        c = issued_keys.c
        query = sa.select(c.serial, c.sealed_key).where(
            (c.batch == batch) & c.position.between(first, last)
        )
        with self._engine.connect() as conn:
            return {serial: bytes(sealed) for serial, sealed in conn.execute(query)}

    def destroy(self, batch: int) -> None:
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(issued_keys.delete().where(issued_keys.c.batch == batch))

    def open(self, serial: str, sealed: bytes) -> bytes:
        return self._seal.open(serial, sealed)
