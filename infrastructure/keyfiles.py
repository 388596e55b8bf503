"""Key material kept in the data directory, created on first use, never in code or in the log."""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infrastructure.private_files import PRIVATE_FILE, private_dir, tighten


def _write_private(path: Path, data: bytes) -> None:
    """Exclusive create, mode 0600: two processes starting at once still agree on one key."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def random_key(path: Path, size: int = 32) -> bytes:
    if not path.exists():
        _write_private(path, os.urandom(size))
    tighten(path)
    data = path.read_bytes()
    if len(data) != size:
        raise ValueError(f"{path} must hold exactly {size} bytes")
    return data


def signing_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(path, pem)
    tighten(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} must hold an Ed25519 private key")
    return key
