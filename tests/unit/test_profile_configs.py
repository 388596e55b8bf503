"""Profile configurations: the document's is read as it means, and each fault is named by its
path in the configuration."""

import json
from typing import Any

import pytest

from domain.errors import InvalidValue
from domain.profile_configs import parameters, parse_config, subject_defaults
from infrastructure.profile_files import SHIPPED, read_profiles

DEVICE = json.loads(read_profiles(SHIPPED)[0][1])


def test_the_shipped_device_profile_reads_as_the_document_means() -> None:
    config = parse_config(json.dumps(DEVICE))
    assert config.key_algorithm == "EC:P-256"
    assert config.signature_algorithm == "ecdsa-with-SHA256"
    assert config.serial_bytes == 16
    assert config.default_years == 1
    assert config.key_usage == ("digitalSignature", "keyAgreement")
    assert config.purposes == ("id-kp-clientAuth",)
    assert config.ocsp_urls == ("http://ocsp.demo.iot.comodoca.com",)
    assert subject_defaults(config)["countryName"] == "GB"
    assert [p.name for p in parameters(config)] == [
        "additionalInformation",
        "macAddress",
        "years",
        "deviceClass",
        "pkcs12Password",
    ]


def test_every_shipped_profile_is_valid() -> None:
    names = [name for name, raw in read_profiles(SHIPPED) if parse_config(raw)]
    assert len(names) == 4


def changed(path: str, value: Any) -> str:
    config = json.loads(json.dumps(DEVICE))
    *parents, last = path.split("/")
    target = config
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return json.dumps(config)


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("SubjectPublicKeyInfo/syntax", "EC:P-192", "config.SubjectPublicKeyInfo.syntax"),
        ("SignatureAlgorithm/name", "sha256WithRSAEncryption", "config.SignatureAlgorithm.name"),
        ("SignatureAlgorithm", DELETE, "config.SignatureAlgorithm"),
        ("Subject/attributes", [], "config.Subject.attributes"),
        ("Subject/attributes/0/type", "shoeSize", "config.Subject.attributes[0].type"),
        ("Subject/attributes/0/default", 5, "config.Subject.attributes[0].default"),
        (
            "Subject/attributes/4/source",
            ["Somewhere.else"],
            "config.Subject.attributes[4].source[0]",
        ),
        ("Subject/attributes/5/syntax", "Regex:.*", "config.Subject.attributes[5].syntax"),
        (
            "Extensions/KeyUsage/bits",
            ["digitalSignature", "flying"],
            "config.Extensions.KeyUsage.bits[1]",
        ),
        (
            "Extensions/ExtendedKeyUsage/purposes",
            ["id-kp-magic"],
            "config.Extensions.ExtendedKeyUsage.purposes[0]",
        ),
        (
            "Extensions/AuthorityInfoAccess/ocspURLs",
            ["ftp://x"],
            "config.Extensions.AuthorityInfoAccess.ocspURLs[0]",
        ),
        ("SerialNumber/length", 4, "config.SerialNumber.length"),
        ("SerialNumber/generator", "counter", "config.SerialNumber.generator"),
        ("Validity/default/years", 0, "config.Validity.default.years"),
        ("Validity/default/years", True, "config.Validity.default.years"),
    ],
)
def test_a_fault_is_named_by_its_path(path: str, value: Any, field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_config(changed(path, value))
    assert refused.value.field == field


@pytest.mark.parametrize("raw", ["", "[]", "{", '"text"', "{}", "x" * 70_000])
def test_what_is_not_a_configuration_is_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        parse_config(raw)
