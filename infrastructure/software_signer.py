"""The software implementation of the signer port: private keys generated here, kept (by
default in the `signing_keys` table) sealed with AES-256-GCM under a key file of the data directory
(`keys/signing-keys.key`), never in the log. The key's reference is bound into the seal, so a
sealed key moved to another row does not open."""

import os
import uuid
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any, Protocol

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infrastructure.schema import signing_keys

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
CURVES = {"EC:P-256": ec.SECP256R1, "EC:P-384": ec.SECP384R1}
HASHES = {"EC:P-256": hashes.SHA256, "EC:P-384": hashes.SHA384}


class UnknownKey(LookupError):
    pass


class SealedKeys(Protocol):
    def put(self, ref: str, algorithm: str, sealed: bytes) -> None: ...

    def get(self, ref: str) -> bytes | None: ...


class SqlSealedKeys:
    """The `signing_keys` table."""

    def __init__(self, engine: sa.Engine, write_lock: AbstractContextManager[Any]) -> None:
        self._engine = engine
        self._write_lock = write_lock

    def put(self, ref: str, algorithm: str, sealed: bytes) -> None:
        row = {"ref": ref, "algorithm": algorithm, "sealed_key": sealed}
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(signing_keys.insert().values(**row))

    def get(self, ref: str) -> bytes | None:
        query = sa.select(signing_keys.c.sealed_key).where(signing_keys.c.ref == ref)
        with self._engine.connect() as conn:
            sealed = conn.execute(query).scalar()
        return None if sealed is None else bytes(sealed)


class SoftwareSigner:
    def __init__(self, keys: SealedKeys, master_key: bytes) -> None:
        self._keys = keys
        self._aead = AESGCM(master_key)

    def create_key(self, algorithm: str) -> str:
        return self._store(generate(algorithm))

    def import_key(self, private_key_pem: bytes) -> str:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, PrivateKey):
            raise ValueError("only EC (P-256, P-384) and RSA keys can sign certificates")
        algorithm_of(key)
        return self._store(key)

    def algorithm(self, key: str) -> str:
        return algorithm_of(self._load(key))

    def public_key(self, key: str) -> bytes:
        return (
            self._load(key)
            .public_key()
            .public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def sign(self, key: str, data: bytes) -> bytes:
        private = self._load(key)
        if isinstance(private, ec.EllipticCurvePrivateKey):
            return private.sign(data, ec.ECDSA(HASHES[algorithm_of(private)]()))
        return private.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def private_key(self, key: str) -> PrivateKey:
        """The key itself, for signing in this process (certificates by the thousand): only
        FleetID's own infrastructure asks, never through the port."""
        return self._load(key)

    def _store(self, key: PrivateKey) -> str:
        ref = str(uuid.uuid4())
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        nonce = os.urandom(12)
        self._keys.put(ref, algorithm_of(key), nonce + self._aead.encrypt(nonce, der, ref.encode()))
        return ref

    @lru_cache(maxsize=256)  # noqa: B019 - one signer per process; a reference names one key
    def _load(self, ref: str) -> PrivateKey:
        """Read once per process: a batch signs thousands of certificates with one key."""
        sealed = self._keys.get(ref)
        if sealed is None:
            raise UnknownKey(f"no signing key {ref}")
        der = self._aead.decrypt(sealed[:12], sealed[12:], ref.encode())
        key = serialization.load_der_private_key(der, password=None)
        assert isinstance(key, PrivateKey)
        return key


def generate(algorithm: str) -> PrivateKey:
    if algorithm in CURVES:
        return ec.generate_private_key(CURVES[algorithm]())
    family, _, bits = algorithm.partition(":")
    if family == "RSA" and bits in ("2048", "3072", "4096"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(bits))
    raise ValueError(f"unknown key algorithm {algorithm}")


def algorithm_of(key: PrivateKey) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        for name, curve in CURVES.items():
            if isinstance(key.curve, curve):
                return name
        raise ValueError(f"unsupported curve {key.curve.name}")
    if key.key_size not in (2048, 3072, 4096):
        raise ValueError(f"unsupported RSA key size {key.key_size}")
    return f"RSA:{key.key_size}"
