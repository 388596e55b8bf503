"""pkilint, an independent judge of what FleetID's authorities sign: its RFC 5280 validations
of a certificate, and of an issuer and the certificate it signed (names, key identifiers, the
signature). A finding at WARNING or worse is a fault."""

import warnings

from pkilint import document, loader, pkix, validation
from pkilint.pkix import algorithm, certificate, extension, key, name
from pkilint.pkix import crl as pkix_crl
from pkilint.pkix import ocsp as pkix_ocsp
from pkilint.pkix.certificate import certificate_extension, certificate_key
from pkilint.validation import ValidationFindingSeverity, ValidationResult
from pyasn1_alt_modules import rfc5280

warnings.filterwarnings("ignore", message="DSA is deprecated")


def faults(results: list[ValidationResult]) -> list[str]:
    """`code at path: message` of each finding at WARNING or worse."""
    return [
        f"{found.finding.code} at {result.node.path}: {found.message or ''}"
        for result in results
        for found in result.finding_descriptions
        if found.finding.severity <= ValidationFindingSeverity.WARNING
    ]


def certificate_faults(pem: str) -> list[str]:
    """RFC 5280's rules for one certificate (a CA's as an end entity's)."""
    validator = certificate.create_pkix_certificate_validator_container(
        certificate.create_decoding_validators(
            name.ATTRIBUTE_TYPE_MAPPINGS, extension.EXTENSION_MAPPINGS
        ),
        [
            certificate.create_issuer_validator_container([]),
            certificate.create_validity_validator_container(),
            certificate.create_subject_validator_container([]),
            certificate.create_extensions_validator_container([]),
            certificate.create_spki_validator_container([]),
        ],
    )
    return faults(validator.validate(loader.load_certificate(pem).root))


def issuance_faults(issuer_pem: str, subject_pem: str) -> list[str]:
    """Whether `issuer` signed `subject` as RFC 5280 wants: names, key identifiers, signature."""
    documents: dict[str, document.Document] = {}
    issuer = loader.load_certificate(issuer_pem, "issuer", None, documents)
    documents["issuer"] = issuer
    subject = loader.load_certificate(subject_pem, "subject", None, documents)
    documents["subject"] = subject
    decoders = validation.ValidatorContainer(
        validators=[
            pkix.create_attribute_decoder(name.ATTRIBUTE_TYPE_MAPPINGS),
            pkix.create_extension_decoder(extension.EXTENSION_MAPPINGS),
            pkix.create_signature_algorithm_identifier_decoder(
                algorithm.SIGNATURE_ALGORITHM_IDENTIFIER_MAPPINGS,
                path="certificate.tbsCertificate.signature",
            ),
            certificate.create_spki_decoder(
                key.SUBJECT_PUBLIC_KEY_ALGORITHM_IDENTIFIER_MAPPINGS,
                key.SUBJECT_KEY_PARAMETER_ALGORITHM_IDENTIFIER_MAPPINGS,
            ),
        ],
        path="certificate",
    )
    on_issuer = validation.ValidatorContainer(
        validators=[
            name.IssuerSubjectNameBinaryEqualValidator(
                path="certificate.tbsCertificate.subject",
                subject_document_issuer_dn_path="subject:certificate.tbsCertificate.issuer",
            ),
            extension.IssuerSubjectKeyIdentifierBinaryEqualValidator(
                subject_auth_key_id_retriever=lambda node: document.get_document_by_name(
                    node, "subject"
                ).get_extension_by_oid(rfc5280.id_ce_authorityKeyIdentifier)
            ),
            certificate_extension.IssuerSubjectPolicyChainValidator(),
        ]
    )
    on_subject = validation.ValidatorContainer(
        validators=[
            certificate_key.SubjectSignatureVerificationValidator(
                tbs_node_retriever=lambda node: node.navigate("^.tbsCertificate"),
                path="certificate.signature",
            )
        ]
    )
    results = decoders.validate(issuer.root) + decoders.validate(subject.root)
    results += on_issuer.validate(issuer.root) + on_subject.validate(subject.root)
    return faults(results)


def crl_faults(der: bytes) -> list[str]:
    """RFC 5280's rules for a CRL (pkilint's PKIX profile, as `lint_crl -t CRL -p PKIX`)."""
    validator = pkix_crl.create_pkix_crl_validator_container(
        [
            pkix.create_attribute_decoder(name.ATTRIBUTE_TYPE_MAPPINGS),
            pkix.create_extension_decoder(extension.EXTENSION_MAPPINGS),
        ],
        [
            pkix_crl.create_issuer_validator_container([]),
            pkix_crl.create_validity_validator_container([]),
            pkix_crl.create_extensions_validator_container([]),
        ],
    )
    crl_document = loader.RFC5280CertificateListDocumentLoader().load_der_document(der, "crl")
    return faults(validator.validate(crl_document.root))


def ocsp_faults(der: bytes) -> list[str]:
    """RFC 6960's rules for an OCSP response (as `lint_ocsp_response`)."""
    validator = pkix_ocsp.create_pkix_ocsp_response_validator_container(
        [
            pkix_ocsp.create_response_decoder(),
            pkix.create_attribute_decoder(name.ATTRIBUTE_TYPE_MAPPINGS),
            pkix.create_extension_decoder(extension.EXTENSION_MAPPINGS),
        ],
        [],
    )
    response = loader.RFC6960OCSPResponseDocumentLoader().load_der_document(der, "ocsp")
    return faults(validator.validate(response.root))
