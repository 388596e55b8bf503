"""Where FleetID serves each authority's CRL, OCSP responder and certificate: the URLs its
certificates name (RFC 5280's CRL distribution points and authority information access)."""

from application.ports.issuing import AuthorityUrls

PKI = "/pki"


def authority_urls(base_url: str, authority: int) -> AuthorityUrls:
    return AuthorityUrls(
        crl=f"{base_url}{PKI}/authorities/{authority}.crl",
        ocsp=f"{base_url}{PKI}/ocsp/{authority}",
        ca_issuers=f"{base_url}{PKI}/authorities/{authority}.cer",
    )
