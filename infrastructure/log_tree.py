"""The event log's Merkle tree, stored, and its signed tree heads.

Leaves are the hashes of the events' exported lines (infrastructure/log_entries.py), appended in
global order by the audit trail in the same transaction as their index rows. A tree head signs
the root at a size with the log's Ed25519 key, over RFC 9162's TreeHeadDataV2 encoding
(timestamp, tree size, root hash, no extensions), so auditors can check it with any Ed25519
implementation.
"""

import struct
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.log_proofs import MerkleLog, SignedHead
from infrastructure.copy_rows import copy_rows
from infrastructure.merkle import Node, Tree, node_hash
from infrastructure.schema import log_entries, log_tree_heads, log_tree_nodes


def signed_bytes(timestamp: int, tree_size: int, root_hash: bytes) -> bytes:
    """TreeHeadDataV2: uint64 timestamp, uint64 tree_size, opaque root_hash<32..255>, empty
    extensions<0..2^16-1>."""
    return struct.pack(">QQB", timestamp, tree_size, len(root_hash)) + root_hash + b"\x00\x00"


class LogTree(MerkleLog):
    def __init__(
        self, engine: sa.Engine, key: Ed25519PrivateKey, write_lock: AbstractContextManager[Any]
    ) -> None:
        self._engine = engine
        self._key = key
        self._write_lock = write_lock
        self.tree = Tree(self._fetch)

    def public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def size(self) -> int:
        with self._engine.connect() as conn:
            return leaf_count(conn)

    def leaf_of(self, position: int) -> int | None:
        """The leaf index of the event at a log position, once indexed."""
        with self._engine.connect() as conn:
            found = conn.execute(
                sa.select(log_entries.c.leaf).where(log_entries.c.position == position)
            ).scalar()
        return None if found is None else int(found)

    def leaf_hash(self, index: int) -> bytes:
        return self._fetch([(0, index)])[(0, index)]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return self.tree.inclusion(index, size)

    def consistency(self, first: int, second: int) -> list[bytes]:
        return self.tree.consistency(first, second)

    def leaves(self, size: int) -> Iterator[tuple[int, bytes]]:
        return leaves(self._engine, size)

    def sign(self) -> SignedHead:
        """A head for the tree as it is now (the latest one again when nothing was added). When
        another signer (the background one, another process) stored a head of the same size
        first, that one is the answer: one head per size."""
        size = self.size()
        latest = self.latest()
        if latest is not None and latest.tree_size == size:
            return latest
        root = self.tree.root(size)
        timestamp = int(time.time() * 1000)
        head = SignedHead(
            size, timestamp, root, self._key.sign(signed_bytes(timestamp, size, root))
        )
        row = {"tree_size": size, "timestamp": timestamp, "root_hash": root}
        try:
            with self._write_lock, self._engine.begin() as conn:
                conn.execute(sa.insert(log_tree_heads).values(**row, signature=head.signature))
        except sa.exc.IntegrityError:
            return self.head(size) or head
        return head

    def latest(self) -> SignedHead | None:
        return self._head(sa.select(log_tree_heads).order_by(log_tree_heads.c.tree_size.desc()))

    def head(self, size: int) -> SignedHead | None:
        return self._head(sa.select(log_tree_heads).where(log_tree_heads.c.tree_size == size))

    def _head(self, query: sa.Select[Any]) -> SignedHead | None:
        with self._engine.connect() as conn:
            row = conn.execute(query.limit(1)).first()
        if row is None:
            return None
        return SignedHead(row.tree_size, row.timestamp, bytes(row.root_hash), bytes(row.signature))

    def _fetch(self, nodes: Iterable[Node]) -> dict[Node, bytes]:
        """One round trip, an index lookup per node on both databases (a row-value IN list
        scanned the whole table on SQLite; one query per level cost 20 round trips)."""
        wanted = list(nodes)
        if not wanted:
            return {}
        node = log_tree_nodes.c
        query = sa.select(node.level, node.idx, node.hash).where(
            sa.or_(*(sa.and_(node.level == level, node.idx == idx) for level, idx in wanted))
        )
        with self._engine.connect() as conn:
            found = {(row.level, row.idx): bytes(row.hash) for row in conn.execute(query)}
        missing = [node for node in wanted if node not in found]
        if missing:
            raise LookupError(f"the log's tree lacks nodes {missing[:3]}")
        return found


def leaf_count(conn: sa.Connection) -> int:
    top = conn.execute(
        sa.select(sa.func.max(log_tree_nodes.c.idx)).where(log_tree_nodes.c.level == 0)
    ).scalar()
    return 0 if top is None else int(top) + 1


NODE_COLUMNS = ("level", "idx", "hash")
Edge = dict[int, bytes]
"""The tree's right edge at a size: for each level whose node count is odd, the hash of that
level's last node. It is all that appending needs of what is stored."""


def right_edge(conn: sa.Connection, size: int) -> Edge:
    wanted = {level: (size >> level) - 1 for level in range(size.bit_length()) if size >> level & 1}
    if not wanted:
        return {}
    node = log_tree_nodes.c
    query = sa.select(node.level, node.idx, node.hash).where(
        sa.or_(*(sa.and_(node.level == level, node.idx == idx) for level, idx in wanted.items()))
    )
    found = {row.level: bytes(row.hash) for row in conn.execute(query)}
    if found.keys() != wanted.keys():
        raise LookupError(f"the log's tree of {size} leaves lacks its right edge")
    return found


def append_leaves(conn: sa.Connection, first: int, hashes: list[bytes], edge: Edge) -> Edge:
    """Store leaves first.. and every subtree they complete, in the caller's transaction, given
    the edge at `first` leaves; the edge after them."""
    level, start = 0, first
    fresh = dict(enumerate(hashes, start))
    rows = [(0, i, h) for i, h in fresh.items()]
    after: Edge = {}
    while fresh:
        end = start + len(fresh)
        if end % 2:
            after[level] = fresh[end - 1]
        parents = range(start // 2, end // 2)
        if start % 2 and len(parents):
            fresh[start - 1] = edge[level]
        fresh = {p: node_hash(fresh[2 * p], fresh[2 * p + 1]) for p in parents}
        level, start = level + 1, parents.start
        rows += [(level, i, h) for i, h in fresh.items()]
    if conn.dialect.name == "postgresql":
        copy_rows(conn, log_tree_nodes, NODE_COLUMNS, rows)
    else:
        conn.execute(
            log_tree_nodes.insert(), [dict(zip(NODE_COLUMNS, r, strict=True)) for r in rows]
        )
    return after | {above: h for above, h in edge.items() if above >= level}


def leaves(engine: sa.Engine, size: int, batch: int = 10_000) -> Iterator[tuple[int, bytes]]:
    """(position, leaf hash) of the first `size` leaves, in order, read in batches."""
    done = 0
    while done < size:
        node = log_tree_nodes.c
        query = (
            sa.select(log_entries.c.leaf, log_entries.c.position, node.hash)
            .join(log_tree_nodes, sa.and_(node.level == 0, node.idx == log_entries.c.leaf))
            .where(log_entries.c.leaf >= done, log_entries.c.leaf < min(size, done + batch))
            .order_by(log_entries.c.leaf)
        )
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield row.position, bytes(row.hash)
        done = rows[-1].leaf + 1
