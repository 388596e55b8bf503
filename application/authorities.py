"""FleetID's certificate authorities: a root, made at first start or imported by the operator
(`fleetid ca import`), and one issuing authority per profile under it, with the profile's key
algorithm. Their certificates are public: anyone may fetch them to check what is issued."""

import asyncio
from dataclasses import dataclass

from application.consistency import run_command
from application.numbering import next_number
from application.ports.authorities import AuthorityViews
from application.ports.profiles import ProfileView
from application.ports.signing import CaCertificates, Signer
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.aggregate import FleetAggregate
from domain.authorities import ROOT, Authority, authority_id
from domain.causes import Cause
from domain.errors import Conflict, InvalidValue, NotFound

ROOT_ALGORITHM = "EC:P-384"
ROOT_NAME = "FleetID Root CA"


class RootExists(Conflict):
    reason = "root_exists"


class AuthorityCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        signer: Signer,
        certificates: CaCertificates,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._signer = signer
        self._certificates = certificates

    async def ensure_root(self, cause: Cause) -> bool:
        """Make the root unless there is one; whether it was made."""
        if self._root() is not None:
            return False
        key = await asyncio.to_thread(self._signer.create_key, ROOT_ALGORITHM)
        certificate = await asyncio.to_thread(self._certificates.root, key, ROOT_NAME)
        await self._save_root(ROOT_NAME, key, ROOT_ALGORITHM, certificate, cause, imported=False)
        return True

    async def import_root(self, certificate_pem: str, key_pem: bytes, cause: Cause) -> None:
        """Only before any root exists: authorities made under one root stay under it."""
        if self._root() is not None:
            raise RootExists("a root exists already; import before the first start")
        try:
            key = await asyncio.to_thread(self._signer.import_key, key_pem)
            certificate = self._certificates.check_root(certificate_pem, key)
        except ValueError as error:
            raise InvalidValue(str(error), field="certificate") from None
        algorithm = self._signer.algorithm(key)
        await self._save_root("imported root", key, algorithm, certificate, cause, imported=True)

    async def ensure_for_profile(
        self, profile: ProfileView, views: AuthorityViews, cause: Cause
    ) -> int | None:
        """An issuing authority for the profile unless it has one; its number, if made."""
        if any(a.profile == profile.number for a in views.all()):
            return None
        root = self._root()
        if root is None:
            raise NotFound("no root certificate authority", field="authority")
        name = f"FleetID {profile.name} CA"
        key = await asyncio.to_thread(self._signer.create_key, profile.key_algorithm)
        certificate = await asyncio.to_thread(
            self._certificates.authority, key, name, root.certificate, root.key
        )

        def command() -> tuple[int, list[FleetAggregate]]:
            numbers, number = next_number(self._reader, "authority", cause)
            made = Authority.establish(
                number, name, profile.number, key, profile.key_algorithm, certificate, cause
            )
            return number, [numbers, made]

        return await run_command(self._writer, self._sync, command)

    def _root(self) -> Authority | None:
        found = self._reader.get(authority_id(ROOT))
        return found if isinstance(found, Authority) else None

    async def _save_root(
        self, name: str, key: str, algorithm: str, certificate: str, cause: Cause, *, imported: bool
    ) -> None:
        def command() -> tuple[None, list[Authority]]:
            if self._root() is not None:
                raise RootExists("a root exists already")
            root = Authority.establish(
                ROOT, name, None, key, algorithm, certificate, cause, imported=imported
            )
            return None, [root]

        await run_command(self._writer, self._sync, command)


@dataclass(frozen=True)
class AuthorityQueries:
    views: AuthorityViews

    def chain(self, number: int) -> str:
        """The authority's certificate and the root's, PEM: public, as CA certificates are."""
        found = self.views.get(number)
        root = self.views.get(ROOT)
        if found is None or root is None:
            raise NotFound("authority not found", field="authorityId")
        return found.certificate if number == ROOT else found.certificate + root.certificate
