"""Where an identity's uniqueness index lives, derived without the identity entering the log."""

from uuid import UUID

from application.ports import BlindIndex
from domain.identities import IdentityIndex, comparable


class IdentityKeys:
    def __init__(self, blind: BlindIndex) -> None:
        self._blind = blind

    def key(self, identity: str) -> str:
        return self._blind.key(comparable(identity))

    def index_id(self, identity: str) -> UUID:
        return IdentityIndex.create_id(self.key(identity))
