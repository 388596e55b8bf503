"""Where certificate authorities' private keys live and sign: never in the log, and behind
this port so that a hardware security module or a cloud key service can hold them instead of
FleetID's own store (docs/certificate-manager.md names the libraries that would plug in)."""

from typing import Protocol

KEY_ALGORITHMS = ("EC:P-256", "EC:P-384", "RSA:2048", "RSA:3072", "RSA:4096")


class Signer(Protocol):
    def create_key(self, algorithm: str) -> str:
        """A new key pair of one of KEY_ALGORITHMS; the reference that names it from now on."""
        ...

    def import_key(self, private_key_pem: bytes) -> str:
        """Take over an operator's key (PEM, unencrypted PKCS#8 or traditional)."""
        ...

    def algorithm(self, key: str) -> str: ...

    def public_key(self, key: str) -> bytes:
        """The key's SubjectPublicKeyInfo, DER."""
        ...

    def sign(self, key: str, data: bytes) -> bytes:
        """The signature over `data`: ECDSA with SHA-256 (P-256) or SHA-384 (P-384), or RSA
        PKCS#1 v1.5 with SHA-256, as the certificates FleetID makes declare."""
        ...


class CaCertificates(Protocol):
    """Makes the certificates of FleetID's certificate authorities, signing through a Signer."""

    def root(self, key: str, name: str) -> str:
        """A self-signed root's certificate, PEM."""
        ...

    def authority(self, key: str, name: str, issuer_pem: str, issuer_key: str) -> str:
        """An issuing authority's certificate under the issuer, PEM."""
        ...

    def check_root(self, certificate_pem: str, key: str) -> str:
        """An operator's root certificate, PEM, once it is found to be a CA certificate for
        `key` that is valid now; ValueError saying why not."""
        ...
