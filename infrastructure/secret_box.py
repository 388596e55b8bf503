"""AES-256-GCM under one key from the data directory, for values the API must show again.

Thing secrets are not personal data: nothing needs them forgotten one by one, so one service
key (not a key per subject) keeps bulk provisioning free of key-table writes.
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE = 12
PURPOSE = b"fleetid secret box v1"


class AesSecretBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE_SIZE)
        return base64.b64encode(
            nonce + self._aead.encrypt(nonce, plaintext.encode(), PURPOSE)
        ).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            return self._aead.decrypt(raw[:NONCE_SIZE], raw[NONCE_SIZE:], PURPOSE).decode()
        except InvalidTag:
            raise ValueError("a sealed secret fails authentication: wrong key or altered") from None
