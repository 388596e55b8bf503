"""Where an identity's uniqueness index lives, derived without the identity entering the log.

An identity's index entries come in generations. An entry whose last holder was erased is
retired, and the next registration of that identity claims the next generation, whose key (and
so id) cannot be related to the retired one's without the server's index key: nothing an auditor
reads links a new account to an erased person. Uniqueness still rests on one deterministic entry
at a time: the first generation that is not retired.
"""

import unicodedata
from uuid import UUID

from application.ports.security import BlindIndex
from application.ports.storage import AggregateReader
from domain.identities import IdentityIndex, comparable
from domain.users import User


def index_entry(reader: AggregateReader, key: str) -> IdentityIndex | None:
    """The uniqueness entry for `key` (an identity's or a thing secret's), if ever claimed."""
    index = reader.get(IdentityIndex.create_id(key))
    if index is not None and not isinstance(index, IdentityIndex):
        raise TypeError(f"{index.id} is not a uniqueness index entry")
    return index


class IdentityKeys:
    def __init__(self, blind: BlindIndex, reader: AggregateReader) -> None:
        self._blind = blind
        self._reader = reader

    def key(self, identity: str, generation: int = 0) -> str:
        """Generation 0 is the key earlier builds used. Identities hold no control characters,
        so the separator cannot make two identities' keys meet."""
        form = comparable(identity)
        return self._blind.key(form if generation == 0 else f"{form}\x00{generation}")

    def current(self, identity: str) -> tuple[str, IdentityIndex | None]:
        """The key of the entry that decides who may hold `identity` now, and that entry (None
        if never claimed): free, held, or released by a user who still exists."""
        generation = 0
        while True:
            key = self.key(identity, generation)
            index = index_entry(self._reader, key)
            if index is None:
                return key, None
            if not self._retired(index):
                return key, index
            generation += 1

    def holder(self, identity: str) -> UUID | None:
        """Who signs in with `identity`. A user registered by an earlier build with compatibility
        characters (a fullwidth `a`, U+FF41) is still indexed under that form's NFC key, and is
        found there."""
        _, index = self.current(identity)
        if index is not None and index.holder is not None:
            return index.holder
        legacy = unicodedata.normalize("NFC", identity).casefold()
        if legacy == comparable(identity):
            return None
        old = self._reader.get(IdentityIndex.create_id(self._blind.key(legacy)))
        return old.holder if isinstance(old, IdentityIndex) else None

    def _retired(self, index: IdentityIndex) -> bool:
        """Also when an erasure stopped before it released the entry: its holder is gone."""
        last = self._reader.get(index.last_holder)
        return isinstance(last, User) and last.is_erased
