"""What a batch's ZIP holds, made as it is read (page by page, never the whole batch at once):
- `chain.pem`: the issuing authority's certificate, then the root's;
- per certificate, in the batch's order, `NNNNNN-SERIAL.crt.pem`, and with a key FleetID made,
  `NNNNNN-SERIAL.p12` (PKCS#12, under the batch's password, with the chain the profile's
  `pkcs12CertBag` asks for) or, for a batch ordered without a password, `NNNNNN-SERIAL.key.pem`;
- `certificates.csv` last: place, serial number, common name, device id of each.
File names use the serial, not the common name, which may hold characters no file system
takes."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from application.ports.authorities import AuthorityViews
from application.ports.batches import BatchViews
from application.ports.issuing import CertificateFiles, IssuedKeys
from application.ports.profiles import ProfileViews
from application.ports.storage import AggregateReader
from domain.authorities import ROOT
from domain.batches import Batch, batch_id
from domain.profile_configs import parse_config

PAGE = 500
BAG_TYPE = "pkcs12CertBag"
DEFAULT_BAG = "leaf+issuer+root"
GIVEN = ("Request.", "Batch.")


@dataclass(frozen=True)
class BatchDownloads:
    reader: AggregateReader
    batches: BatchViews
    authorities: AuthorityViews
    profiles: ProfileViews
    keys: IssuedKeys
    files: CertificateFiles

    def entries(self, number: int) -> Iterator[tuple[str, bytes]]:
        batch = self.reader.get(batch_id(number))
        assert isinstance(batch, Batch)
        issuer = self.authorities.get(batch.authority)
        root = self.authorities.get(ROOT)
        chain = [a.certificate for a in (issuer, root) if a is not None]
        yield "chain.pem", "".join(chain).encode()
        bundled = self._bundled(batch, chain)
        listing = io.StringIO()
        rows = csv.writer(listing)
        rows.writerow(["position", "serialNumber", "commonName", "deviceId"])
        after = -1
        while page := self.batches.certificates(number, after, PAGE):
            keys = self.keys.sealed(number, page[0].position, page[-1].position)
            for certificate in page:
                name = f"{certificate.position + 1:06d}-{certificate.serial}"
                rows.writerow(
                    [
                        certificate.position + 1,
                        certificate.serial,
                        _cell(certificate.common_name),
                        certificate.device,
                    ]
                )
                yield f"{name}.crt.pem", self.files.certificate_pem(certificate.der)
                sealed = keys.get(certificate.serial)
                if sealed is None:
                    continue
                pkcs8 = self.keys.open(certificate.serial, sealed)
                if batch.pkcs12_password is None:
                    yield f"{name}.key.pem", self.files.key_pem(pkcs8)
                else:
                    yield (
                        f"{name}.p12",
                        self.files.pkcs12(
                            certificate.common_name or certificate.serial,
                            pkcs8,
                            certificate.der,
                            bundled,
                            batch.pkcs12_password,
                        ),
                    )
            after = page[-1].position
        yield "certificates.csv", listing.getvalue().encode()

    def _bundled(self, batch: Batch, chain: list[str]) -> list[str]:
        """The certificates a PKCS#12 file holds beside the leaf, as the profile (or the batch,
        where the profile lets it choose) says."""
        profile = self.profiles.get(batch.profile)
        bag = DEFAULT_BAG
        for element in () if profile is None else parse_config(profile.config).elements:
            if element.type != BAG_TYPE:
                continue
            names = [s.split(".", 1)[1] for s in element.sources if s.startswith(GIVEN)]
            given = [batch.profile_params[n] for n in names if n in batch.profile_params]
            bag = next(iter(given), None) or element.default or DEFAULT_BAG
        return {"leaf": [], "leaf+issuer": chain[:1]}.get(bag, chain)


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula is quoted as text (OWASP's CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
