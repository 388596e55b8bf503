"""Certificate signing requests read with `cryptography`: PEM (`CERTIFICATE REQUEST` or `NEW
CERTIFICATE REQUEST` blocks, any number in one text) or DER (one per ZIP member). Each must be
signed by its own key: a request whose signature does not verify is refused with where it was.

A ZIP is read member by member within bounds, so that a small upload cannot unpack into a
large one: at most MAX_REQUESTS members of at most MAX_MEMBER bytes each."""

import io
import struct
import zipfile
import zlib

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from application.ports.uploads import SigningRequest, UnreadableUpload
from domain.generators import MAX_COUNT
from infrastructure.leaf_certificates import SUBJECT_OIDS

MAX_REQUESTS = MAX_COUNT
MAX_MEMBER = 64 * 1024
"""A request is about a kilobyte; an RSA-4096 one with many attributes stays far below."""
BEGIN = b"CERTIFICATE REQUEST-----"
"""The end of a BEGIN line, `NEW ` or not; its END line ends the same way."""
END = b"-----END "
MAX_UNPACKED = 64 * 1024 * 1024
NAMES = {oid: name for name, oid in SUBJECT_OIDS.items()}
EXTENSIONS = (".csr", ".pem")


class CryptographyRequests:
    def read(self, content: bytes, zipped: bool) -> list[SigningRequest]:
        found = _from_zip(content) if zipped else _from_pem(content, "", MAX_REQUESTS)
        if not found:
            raise UnreadableUpload("holds no certificate signing request")
        return found


def _from_pem(content: bytes, prefix: str, limit: int) -> list[SigningRequest]:
    """Each BEGIN ... END block in turn, found by plain search (linear in the text)."""
    found: list[SigningRequest] = []
    line, counted, at = 1, 0, 0
    while (start := _next_begin(content, at)) >= 0:
        line += content.count(b"\n", counted, start)
        counted = start
        where = f"{prefix}line {line}"
        stop = content.find(END, start)
        if stop < 0:
            raise UnreadableUpload(f"{where}: a request without its END line")
        at = content.find(b"-----", stop + len(END)) + 5
        if at < 5:
            raise UnreadableUpload(f"{where}: a request without its END line")
        if len(found) == limit:
            raise UnreadableUpload(f"holds over {MAX_REQUESTS} requests")
        try:
            request = x509.load_pem_x509_csr(content[start:at])
        except ValueError:
            raise UnreadableUpload(f"{where}: not a certificate signing request") from None
        found.append(_checked(request, where))
    return found


def _next_begin(content: bytes, at: int) -> int:
    found = content.find(BEGIN, at)
    return found if found < 0 else content.rfind(b"-----", 0, found + 1)


def _from_zip(content: bytes) -> list[SigningRequest]:
    """Members in name order, within the bounds: MAX_REQUESTS requests in all, MAX_MEMBER
    bytes a member, MAX_UNPACKED bytes unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError, EOFError, struct.error, OSError):
        raise UnreadableUpload("is not a ZIP file") from None
    if len(members) > MAX_REQUESTS:
        raise UnreadableUpload(f"holds over {MAX_REQUESTS} files")
    found: list[SigningRequest] = []
    unpacked = 0
    for member in sorted(members, key=lambda m: m.filename):
        name = member.filename
        if not name.lower().endswith(EXTENSIONS):
            raise UnreadableUpload(f"{name}: only .csr and .pem files are read")
        data = _member(archive, member)
        unpacked += len(data)
        if unpacked > MAX_UNPACKED:
            raise UnreadableUpload(f"unpacks to over {MAX_UNPACKED} bytes")
        if BEGIN in data:
            found.extend(_from_pem(data, f"{name}: ", MAX_REQUESTS - len(found)))
            continue
        if len(found) == MAX_REQUESTS:
            raise UnreadableUpload(f"holds over {MAX_REQUESTS} requests")
        try:
            request = x509.load_der_x509_csr(data)
        except ValueError:
            raise UnreadableUpload(f"{name}: not a certificate signing request") from None
        found.append(_checked(request, name))
    return found


def _member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    name = member.filename
    if member.file_size > MAX_MEMBER:
        raise UnreadableUpload(f"{name}: over {MAX_MEMBER} bytes")
    try:
        with archive.open(member) as opened:
            data = opened.read(MAX_MEMBER + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        ValueError,
        EOFError,
        struct.error,
        OSError,
    ) as error:
        raise UnreadableUpload(f"{name}: cannot be read ({type(error).__name__})") from None
    if len(data) > MAX_MEMBER:
        raise UnreadableUpload(f"{name}: over {MAX_MEMBER} bytes")
    return data


def _checked(request: x509.CertificateSigningRequest, where: str) -> SigningRequest:
    try:
        verified = request.is_signature_valid
        public = request.public_key()
        subject = {
            NAMES[attribute.oid]: str(attribute.value)
            for attribute in request.subject
            if attribute.oid in NAMES
        }
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise UnreadableUpload(f"{where}: its request or key cannot be read") from None
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
