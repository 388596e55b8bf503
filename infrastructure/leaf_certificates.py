"""End-entity certificates as a profile describes them (domain/profile_configs.py), signed by an
issuing authority through the signer port.

What the profile leaves to FleetID: the serial number is drawn from the OS's CSPRNG at the
profile's length and made positive; the validity starts five minutes before the batch's time
and ends the chosen number of years later, never after the issuer's own end; the subject key
identifier is the key's SHA-1 (RFC 5280's method 1); and the revocation URLs are FleetID's own,
where it serves the CRL, OCSP and the issuer's certificate, whatever URLs the profile names."""

import datetime
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from application.ports.issuing import AuthorityUrls
from application.ports.signing import Signer
from domain.profile_configs import Element, ProfileConfig
from infrastructure.port_signing import signed_der

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
SUBJECT_OIDS = {
    "countryName": NameOID.COUNTRY_NAME,
    "stateOrProvinceName": NameOID.STATE_OR_PROVINCE_NAME,
    "localityName": NameOID.LOCALITY_NAME,
    "organizationName": NameOID.ORGANIZATION_NAME,
    "organizationalUnitName": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "commonName": NameOID.COMMON_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "emailAddress": NameOID.EMAIL_ADDRESS,
}
PURPOSE_OIDS = {
    "id-kp-serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "id-kp-clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "id-kp-codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "id-kp-emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "id-kp-timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "id-kp-OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
}
USAGE_FLAGS = {
    "digitalSignature": "digital_signature",
    "nonRepudiation": "content_commitment",
    "contentCommitment": "content_commitment",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
    "keyCertSign": "key_cert_sign",
    "cRLSign": "crl_sign",
}
BACKDATE = datetime.timedelta(minutes=5)
HOST_NAME = re.compile(
    r"(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
"""A DNS name as RFC 5280 takes it (preferred name syntax), a leading wildcard label allowed."""
MAX_SUBJECT_VALUE = 64
"""RFC 5280's upper bound of most attributes (ub-common-name and the like)."""


class Unissuable(ValueError):
    """This certificate cannot be made as the profile says; the message says why."""


@dataclass(frozen=True)
class LeafTemplate:
    """What every certificate of one chunk shares: the profile, the issuer, the time."""

    config: ProfileConfig
    issuer: x509.Certificate
    signer: Signer
    key: str
    urls: AuthorityUrls
    at: datetime.datetime

    def certificate(
        self, values: Mapping[str, str], public_key: PublicKey
    ) -> tuple[str, str, bytes]:
        """(serial as hex, common name, DER)."""
        subject = self._subject(values)
        start = (self.at - BACKDATE).replace(microsecond=0)
        end = min(_years_later(start, self._years(values)), self.issuer.not_valid_after_utc)
        serial = _serial(self.config.serial_bytes)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.issuer.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(end)
        )
        for extension, critical in self._extensions(values, public_key):
            builder = builder.add_extension(extension, critical=critical)
        names = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        common_name = str(names[0].value) if names else ""
        return serial_hex(serial), common_name, signed_der(builder, self.signer, self.key)

    def _subject(self, values: Mapping[str, str]) -> x509.Name:
        attributes = []
        for element in self.config.subject:
            value = _value(element, values)
            if value is None:
                continue
            if len(value) > MAX_SUBJECT_VALUE:
                raise Unissuable(f"{element.type} is over {MAX_SUBJECT_VALUE} characters")
            if element.type == "countryName" and (len(value) != 2 or not value.isalpha()):
                raise Unissuable("countryName must be two letters")
            attributes.append(x509.NameAttribute(SUBJECT_OIDS[element.type], value))
        if not attributes:
            raise Unissuable("the subject would be empty")
        return x509.Name(attributes)

    def _years(self, values: Mapping[str, str]) -> int:
        period = next((e for e in self.config.elements if e.type == "validityPeriod"), None)
        given = None if period is None else _value(period, values)
        return int(given) if given and given.isdigit() else self.config.default_years

    def _extensions(
        self, values: Mapping[str, str], public_key: PublicKey
    ) -> list[tuple[x509.ExtensionType, bool]]:
        config = self.config
        found: list[tuple[x509.ExtensionType, bool]] = [
            (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
            (self._authority_key_id, False),
        ]
        if config.key_usage:
            flags = dict.fromkeys(USAGE_FLAGS.values(), False)
            flags.update({USAGE_FLAGS[bit]: True for bit in config.key_usage})
            usage = x509.KeyUsage(**flags, encipher_only=False, decipher_only=False)
            found.append((usage, config.key_usage_critical))
        if config.purposes:
            purposes = x509.ExtendedKeyUsage([PURPOSE_OIDS[p] for p in config.purposes])
            found.append((purposes, config.purposes_critical))
        names = self._alternative_names(values)
        if names:
            found.append((x509.SubjectAlternativeName(names), False))
        if config.revocation_info:
            found.extend(self._revocation_info)
        return found

    def _alternative_names(self, values: Mapping[str, str]) -> list[x509.GeneralName]:
        names: list[x509.GeneralName] = []
        for element in self.config.elements:
            if not element.path.startswith("Extensions.SubjectAlternativeName"):
                continue
            value = _value(element, values)
            name = None if value is None else _general_name(element, value)
            if name is not None:
                names.append(name)
        return names

    @cached_property
    def _authority_key_id(self) -> x509.AuthorityKeyIdentifier:
        ski = self.issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)

    @cached_property
    def _revocation_info(self) -> list[tuple[x509.ExtensionType, bool]]:
        point = x509.DistributionPoint(
            [x509.UniformResourceIdentifier(self.urls.crl)], None, None, None
        )
        access = x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(self.urls.ocsp),
                ),
                x509.AccessDescription(
                    AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(self.urls.ca_issuers),
                ),
            ]
        )
        return [(x509.CRLDistributionPoints([point]), False), (access, False)]


def _value(element: Element, values: Mapping[str, str]) -> str | None:
    """The profile's default, or what the request, the batch or the CSR gave under the name of
    the element's first such source."""
    for source in element.sources:
        if source == "Default":
            return element.default
        kind, _, name = source.partition(".")
        if kind in ("Request", "Batch", "CSR") and name in values:
            return values[name]
    return None if element.optional or element.default is None else element.default


def _general_name(element: Element, value: str) -> x509.GeneralName | None:
    """None for an otherName whose OID the profile does not give (profile_configs.Element)."""
    kind = element.type
    if kind.startswith("otherName:"):
        if element.oid is None:
            return None
        encoded = value.encode()
        if len(encoded) > 127:
            raise Unissuable(f"{kind} is over 127 bytes")
        utf8 = bytes([0x0C, len(encoded)]) + encoded
        return x509.OtherName(x509.ObjectIdentifier(element.oid), utf8)
    if kind in ("dNSName", "DNSName"):
        if not HOST_NAME.fullmatch(value):
            raise Unissuable(f"{kind} {value!r} is not a host name")
        return x509.DNSName(value)
    if kind in ("rfc822Name", "Email"):
        return x509.RFC822Name(value)
    if kind in ("uniformResourceIdentifier", "URI"):
        return x509.UniformResourceIdentifier(value)
    raise Unissuable(f"FleetID cannot put a {kind} in a certificate")


def serial_hex(serial: int) -> str:
    """Upper-case hex of the serial's bytes, as the document writes serial numbers."""
    return serial.to_bytes((serial.bit_length() + 7) // 8, "big").hex().upper()


def _serial(size: int) -> int:
    """Positive and never zero: the top bit cleared so DER needs no padding byte."""
    while True:
        serial = int.from_bytes(os.urandom(size), "big") >> 1
        if serial:
            return serial


def _years_later(start: datetime.datetime, years: int) -> datetime.datetime:
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)
