"""Certificate signing requests read with `cryptography`: PEM (`CERTIFICATE REQUEST` or `NEW
CERTIFICATE REQUEST` blocks, any number in one text) or DER (one per ZIP member). Each must be
signed by its own key: a request whose signature does not verify is refused with where it was.

A ZIP is read member by member within bounds, so that a small upload cannot unpack into a
large one: at most MAX_REQUESTS members of at most MAX_MEMBER bytes each."""

import io
import re
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from application.ports.uploads import SigningRequest, UnreadableUpload
from domain.generators import MAX_COUNT
from infrastructure.leaf_certificates import SUBJECT_OIDS

MAX_REQUESTS = MAX_COUNT
MAX_MEMBER = 64 * 1024
"""A request is about a kilobyte; an RSA-4096 one with many attributes stays far below."""
PEM_BLOCK = re.compile(
    rb"-----BEGIN (NEW )?CERTIFICATE REQUEST-----\r?\n.*?-----END (NEW )?CERTIFICATE REQUEST-----",
    re.DOTALL,
)
NAMES = {oid: name for name, oid in SUBJECT_OIDS.items()}
EXTENSIONS = (".csr", ".pem")


class CryptographyRequests:
    def read(self, content: bytes, zipped: bool) -> list[SigningRequest]:
        found = _from_zip(content) if zipped else _from_pem(content, "")
        if not found:
            raise UnreadableUpload("holds no certificate signing request")
        if len(found) > MAX_REQUESTS:
            raise UnreadableUpload(f"holds over {MAX_REQUESTS} requests")
        return found


def _from_pem(content: bytes, prefix: str) -> list[SigningRequest]:
    found = []
    line, counted = 1, 0
    for block in PEM_BLOCK.finditer(content):
        line += content.count(b"\n", counted, block.start())
        counted = block.start()
        where = f"{prefix}line {line}"
        try:
            request = x509.load_pem_x509_csr(block.group(0))
        except ValueError:
            raise UnreadableUpload(f"{where}: not a certificate signing request") from None
        found.append(_checked(request, where))
        if len(found) > MAX_REQUESTS:
            break
    return found


def _from_zip(content: bytes) -> list[SigningRequest]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise UnreadableUpload("is not a ZIP file") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_REQUESTS:
        raise UnreadableUpload(f"holds over {MAX_REQUESTS} files")
    found: list[SigningRequest] = []
    for member in sorted(members, key=lambda m: m.filename):
        name = member.filename
        if not name.lower().endswith(EXTENSIONS):
            raise UnreadableUpload(f"{name}: only .csr and .pem files are read")
        if member.file_size > MAX_MEMBER:
            raise UnreadableUpload(f"{name}: over {MAX_MEMBER} bytes")
        try:
            with archive.open(member) as opened:
                data = opened.read(MAX_MEMBER + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
            raise UnreadableUpload(f"{name}: cannot be read ({error})") from None
        if len(data) > MAX_MEMBER:
            raise UnreadableUpload(f"{name}: over {MAX_MEMBER} bytes")
        if PEM_BLOCK.search(data):
            found.extend(_from_pem(data, f"{name}: "))
            continue
        try:
            request = x509.load_der_x509_csr(data)
        except ValueError:
            raise UnreadableUpload(f"{name}: not a certificate signing request") from None
        found.append(_checked(request, name))
    return found


def _checked(request: x509.CertificateSigningRequest, where: str) -> SigningRequest:
    try:
        verified = request.is_signature_valid
        public = request.public_key()
        subject = {
            NAMES[attribute.oid]: str(attribute.value)
            for attribute in request.subject
            if attribute.oid in NAMES
        }
    except (ValueError, TypeError):
        raise UnreadableUpload(f"{where}: its request cannot be read") from None
    if not verified:
        raise UnreadableUpload(
            f"{where}: its signature does not verify (who sent it lacks the key)"
        )
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningRequest(where, subject, spki, _algorithm(public))


def _algorithm(public: object) -> str:
    if isinstance(public, ec.EllipticCurvePublicKey):
        return {"secp256r1": "EC:P-256", "secp384r1": "EC:P-384"}.get(public.curve.name, "")
    if isinstance(public, rsa.RSAPublicKey) and public.key_size in (2048, 3072, 4096):
        return f"RSA:{public.key_size}"
    return ""
