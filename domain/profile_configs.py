"""A certificate profile's configuration, as the certificate manager's document shows it
(`rawProfileConfig`): what a certificate of the profile holds and where each value comes from.

The configuration is data an operator writes. `parse_config` checks it whole and names the first
fault by its path (`Extensions.KeyUsage.bits[1]`); what it returns is what issuance will read.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue

KEY_ALGORITHMS = ("EC:P-256", "EC:P-384", "RSA:2048", "RSA:3072", "RSA:4096")
SIGNATURES = {
    "EC": ("ecdsa-with-SHA256", "ecdsa-with-SHA384"),
    "RSA": ("sha256WithRSAEncryption", "sha384WithRSAEncryption"),
}
SUBJECT_TYPES = (
    "countryName",
    "stateOrProvinceName",
    "localityName",
    "organizationName",
    "organizationalUnitName",
    "commonName",
    "serialNumber",
    "emailAddress",
)
KEY_USAGES = (
    "digitalSignature",
    "nonRepudiation",
    "contentCommitment",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
)
PURPOSES = (
    "id-kp-serverAuth",
    "id-kp-clientAuth",
    "id-kp-codeSigning",
    "id-kp-emailProtection",
    "id-kp-timeStamping",
    "id-kp-OCSPSigning",
)
SOURCE = re.compile(
    r"Default|System\.Clock|(CSR|Request|Batch|Profile|IssuerCertificate|KeypairQueue)\.[A-Za-z_][\w.]*"
)
SYNTAX = re.compile(r"(Integer|String):[^,]+(,[^,]+)*|MACAddress|DNSName|Email|Text")
URL = re.compile(r"https?://[^\s]+")
OID = re.compile(r"[012](\.(0|[1-9][0-9]{0,38})){1,30}")
MAX_CONFIG = 64 * 1024


@dataclass(frozen=True)
class Element:
    """A value the profile takes from somewhere: a subject attribute, the validity period, a
    subject alternative name, a PKCS#12 option."""

    path: str
    type: str
    sources: tuple[str, ...]
    syntax: str | None
    default: str | None
    optional: bool
    description: str
    oid: str | None = None
    """For an `otherName:<name>` general name: the OID its value is put under. Without one the
    value is left out of certificates: FleetID does not make OIDs up (the document names none
    for `AeroMACS_DeviceClass`, and UUID-based ones under 2.25 are refused by certificate
    linters and by some device parsers for their 128-bit arc)."""


@dataclass(frozen=True)
class ProfileConfig:
    raw: str
    """The text as loaded: served back unchanged."""
    key_algorithm: str
    signature_algorithm: str
    subject: tuple[Element, ...]
    elements: tuple[Element, ...]
    """Every element with a source, subject attributes included, in the document's order."""
    default_years: int
    serial_bytes: int
    key_usage: tuple[str, ...]
    key_usage_critical: bool
    purposes: tuple[str, ...]
    purposes_critical: bool
    crl_urls: tuple[str, ...]
    ocsp_urls: tuple[str, ...]
    revocation_info: bool
    """Whether the profile's certificates say where to ask about revocation (CRL distribution
    points, authority information access): FleetID's own URLs, whatever the profile names."""


def parse_config(raw: str, field: str = "config") -> ProfileConfig:
    """The checked configuration; InvalidValue names the faulty part as `field.path`."""
    if len(raw) > MAX_CONFIG:
        raise InvalidValue(f"is over {MAX_CONFIG} characters", field=field)
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise InvalidValue(f"is not JSON: {error}", field=field) from None
    at = _At(field)
    config = at.object(document)
    spki = at.child("SubjectPublicKeyInfo").object(config.get("SubjectPublicKeyInfo"))
    key = at.child("SubjectPublicKeyInfo.syntax").choice(spki.get("syntax"), KEY_ALGORITHMS)
    signature = at.child("SignatureAlgorithm").object(config.get("SignatureAlgorithm"))
    family = key.split(":")[0]
    name = at.child("SignatureAlgorithm.name").choice(signature.get("name"), SIGNATURES[family])
    subject = at.child("Subject").object(config.get("Subject"))
    attributes = at.child("Subject.attributes").array(subject.get("attributes"), minimum=1)
    subject_elements = tuple(
        _element(at.child(f"Subject.attributes[{i}]"), item, SUBJECT_TYPES)
        for i, item in enumerate(attributes)
    )
    validity = at.child("Validity").object(config.get("Validity"))
    years = at.child("Validity.default.years").integer(
        at.child("Validity.default").object(validity.get("default", {"years": 1})).get("years"),
        1,
        30,
    )
    others = list(_optional_elements(at, config, validity))
    serial = at.child("SerialNumber").object(config.get("SerialNumber", {"length": 16}))
    serial_bytes = at.child("SerialNumber.length").integer(serial.get("length"), 8, 20)
    if serial.get("generator", "CSPRNG") != "CSPRNG":
        raise InvalidValue("must be CSPRNG", field=f"{field}.SerialNumber.generator")
    extensions = at.child("Extensions").object(config.get("Extensions", {}))
    usage = at.child("Extensions.KeyUsage").object(extensions.get("KeyUsage", {"bits": []}))
    bits = at.child("Extensions.KeyUsage.bits").choices(usage.get("bits", []), KEY_USAGES)
    eku = at.child("Extensions.ExtendedKeyUsage").object(extensions.get("ExtendedKeyUsage", {}))
    purposes = at.child("Extensions.ExtendedKeyUsage.purposes").choices(
        eku.get("purposes", []), PURPOSES
    )
    crl = at.child("Extensions.CRLDistributionPoints").object(
        extensions.get("CRLDistributionPoints", {})
    )
    aia = at.child("Extensions.AuthorityInfoAccess").object(
        extensions.get("AuthorityInfoAccess", {})
    )
    return ProfileConfig(
        raw=raw,
        key_algorithm=key,
        signature_algorithm=name,
        subject=subject_elements,
        elements=subject_elements + tuple(others),
        default_years=years,
        serial_bytes=serial_bytes,
        key_usage=bits,
        key_usage_critical=bool(usage.get("critical", True)),
        purposes=purposes,
        purposes_critical=bool(eku.get("critical", False)),
        revocation_info="CRLDistributionPoints" in extensions
        or "AuthorityInfoAccess" in extensions,
        crl_urls=at.child("Extensions.CRLDistributionPoints.distributionPointURLs").urls(
            crl.get("distributionPointURLs", [])
        ),
        ocsp_urls=at.child("Extensions.AuthorityInfoAccess.ocspURLs").urls(aia.get("ocspURLs", [])),
    )


def _optional_elements(at: "_At", config: dict[str, Any], validity: dict[str, Any]) -> Any:
    if "period" in validity:
        yield _element(at.child("Validity.period"), validity["period"], ("validityPeriod",))
    extensions = config.get("Extensions", {})
    san = extensions.get("SubjectAlternativeName") if isinstance(extensions, dict) else None
    if san is not None:
        names = at.child("Extensions.SubjectAlternativeName.generalNames").array(
            at.child("Extensions.SubjectAlternativeName").object(san).get("generalNames", [])
        )
        for i, item in enumerate(names):
            where = at.child(f"Extensions.SubjectAlternativeName.generalNames[{i}]")
            yield _element(where, item, None)
    pkcs12 = at.child("PKCS12").object(config.get("PKCS12", {}))
    for name in ("CertBag", "Password"):
        if name in pkcs12:
            yield _element(at.child(f"PKCS12.{name}"), pkcs12[name], None)


def _element(at: "_At", item: Any, types: tuple[str, ...] | None) -> Element:
    element = at.object(item)
    kind = element.get("type")
    if types is not None:
        at.child("type").choice(kind, types)
    elif not isinstance(kind, str) or not kind:
        raise InvalidValue("must be a non-empty string", field=f"{at.path}.type")
    sources = element.get("source", ["Default"])
    sources = [sources] if isinstance(sources, str) else sources
    for i, source in enumerate(at.child("source").array(sources, minimum=1)):
        if not isinstance(source, str) or not SOURCE.fullmatch(source):
            raise InvalidValue("is not a known source", field=f"{at.path}.source[{i}]")
    syntax = element.get("syntax")
    if syntax is not None and (not isinstance(syntax, str) or not SYNTAX.fullmatch(syntax)):
        raise InvalidValue("is not a known syntax", field=f"{at.path}.syntax")
    default = element.get("default")
    oid = element.get("oid")
    if oid is not None and (not isinstance(oid, str) or not OID.fullmatch(oid)):
        raise InvalidValue("must be an OID, dotted", field=f"{at.path}.oid")
    if "Default" in sources and not isinstance(default, str):
        raise InvalidValue("a Default source needs a string default", field=f"{at.path}.default")
    return Element(
        path=at.path.split(".", 1)[-1],
        type=str(kind),
        sources=tuple(sources),
        syntax=syntax,
        default=default if isinstance(default, str) else None,
        optional=bool(element.get("optional", False)),
        description=str(element.get("description", "")),
        oid=oid if isinstance(oid, str) else None,
    )


@dataclass(frozen=True)
class _At:
    path: str

    def child(self, name: str) -> "_At":
        return _At(f"{self.path}.{name}")

    def object(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidValue("must be an object", field=self.path)
        return value

    def array(self, value: Any, minimum: int = 0) -> list[Any]:
        if not isinstance(value, list) or len(value) < minimum:
            raise InvalidValue(f"must be an array of at least {minimum}", field=self.path)
        return value

    def choice(self, value: Any, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise InvalidValue(f"must be one of {', '.join(allowed)}", field=self.path)
        return str(value)

    def choices(self, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(
            _At(f"{self.path}[{i}]").choice(item, allowed)
            for i, item in enumerate(self.array(value))
        )

    def integer(self, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidValue(f"must be an integer from {low} to {high}", field=self.path)
        return value

    def urls(self, value: Any) -> tuple[str, ...]:
        items = self.array(value)
        for i, item in enumerate(items):
            if not isinstance(item, str) or not URL.fullmatch(item):
                raise InvalidValue("must be an http(s) URL", field=f"{self.path}[{i}]")
        return tuple(items)


@dataclass(frozen=True)
class Parameter:
    """A value a batch or request may give (`profileParams`), as `/parameters` describes it."""

    name: str
    input_type: str
    required: bool
    validation_pattern: str | None
    message: str | None
    value: str | None
    title: str
    scopes: tuple[str, ...]


SCOPES = (
    ("Request.", "REQUEST"),
    ("Batch.", "BATCH"),
    ("CSR.Subject.", "CSR_SUBJECT"),
    ("CSR.", "CSR"),
)
MAC_ADDRESS = r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{12}$"


def parameters(config: ProfileConfig) -> list[Parameter]:
    """The elements a request or batch may set: those with a Request or Batch source, named by
    it (`Request.years` → `years`)."""
    found = []
    for element in config.elements:
        given = [
            s.split(".", 1)[1] for s in element.sources if s.startswith(("Request.", "Batch."))
        ]
        if not given:
            continue
        pattern, message = _rule(element.syntax)
        found.append(
            Parameter(
                name=given[0],
                input_type=element.type,
                required=not element.optional and element.default is None,
                validation_pattern=pattern,
                message=message,
                value=element.default,
                title=element.description,
                scopes=_scopes(element.sources),
            )
        )
    return found


def subject_defaults(config: ProfileConfig) -> dict[str, str]:
    """The subject attributes the profile fixes, by type (`countryName: GB`)."""
    return {e.type: e.default for e in config.subject if e.default is not None}


def _scopes(sources: tuple[str, ...]) -> tuple[str, ...]:
    scopes: list[str] = []
    for source in sources:
        scope = next((name for prefix, name in SCOPES if source.startswith(prefix)), None)
        if scope is not None and scope not in scopes:
            scopes.append(scope)
    return tuple(scopes)


def _rule(syntax: str | None) -> tuple[str | None, str | None]:
    if syntax is None:
        return None, None
    if syntax == "MACAddress":
        return MAC_ADDRESS, "A MAC address, such as 00:1A:2B:3C:4D:5E"
    kind, _, listed = syntax.partition(":")
    values = listed.split(",")
    if kind == "Integer":
        return f"^({'|'.join(values)}){{1}}$", f"Valid integer values: {listed}"
    if kind == "String":
        return f"^({'|'.join(re.escape(v) for v in values)})$", f"Valid values: {listed}"
    return None, None
