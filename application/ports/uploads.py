"""Reading uploaded certificate signing requests: PEM files of many, or ZIP files of `.csr` and
`.pem` files, each request's signature checked (the requester holds the key)."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SigningRequest:
    where: str
    """Where it was found, for errors: `line 12`, or `devices.zip: device7.csr`."""
    subject: dict[str, str]
    """Its subject's attributes by type (`commonName`); the profile chooses which count."""
    public_key: bytes
    """SubjectPublicKeyInfo, DER."""
    key_algorithm: str
    """As profiles name it (`EC:P-256`); empty for a key FleetID does not certify."""


class UnreadableUpload(ValueError):
    """The upload holds something that is not a valid request; the message says where."""


class SigningRequestReader(Protocol):
    def read(self, content: bytes, zipped: bool) -> list[SigningRequest]:
        """Every request of a PEM text or of a ZIP's `.csr` and `.pem` files, in order."""
        ...
