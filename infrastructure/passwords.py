"""Argon2id password hashing (RFC 9106), stored as PHC strings that carry their own parameters.

Defaults follow OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane. Raising them
later is safe: old hashes still verify with the parameters recorded in them.
"""

import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

SALT_BYTES = 16
HASH_BYTES = 32


class Argon2Hasher:
    def __init__(self, memory_kib: int, iterations: int, lanes: int = 1) -> None:
        self._memory_kib = memory_kib
        self._iterations = iterations
        self._lanes = lanes
        self._decoy = self.hash("decoy secret for unknown identities")

    def hash(self, secret: str) -> str:
        kdf = Argon2id(
            salt=os.urandom(SALT_BYTES),
            length=HASH_BYTES,
            iterations=self._iterations,
            lanes=self._lanes,
            memory_cost=self._memory_kib,
        )
        return kdf.derive_phc_encoded(secret.encode())

    def verify(self, secret: str, hashed: str) -> bool:
        try:
            Argon2id.verify_phc_encoded(secret.encode(), hashed)
        except InvalidKey:
            return False
        return True

    def burn(self) -> None:
        self.verify("not the secret", self._decoy)
