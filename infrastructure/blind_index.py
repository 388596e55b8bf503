"""HMAC-SHA256 lookup keys for unique values that must not appear in the log."""

import hashlib
import hmac


class HmacBlindIndex:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def key(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
