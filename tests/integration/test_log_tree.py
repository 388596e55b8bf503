"""The stored Merkle tree against the standalone verifier (which shares no code with it): for
random log sizes appended in random batches, every root is RFC 9162's MTH, every audit path and
every consistency proof verifies, and a wrong leaf or size does not."""

import hashlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure.log_tree import Edge, append_leaves, leaf_count, right_edge
from infrastructure.merkle import Tree
from infrastructure.schema import log_tree_nodes
from interfaces.verify_log import root_of, verify_consistency, verify_inclusion


@pytest.fixture(scope="module")
def engine() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://")
    log_tree_nodes.create(engine)
    yield engine
    engine.dispose()


def stored_tree(engine: sa.Engine, batches: list[int]) -> tuple[Tree, list[bytes]]:
    with engine.begin() as conn:
        conn.execute(log_tree_nodes.delete())
    leaves: list[bytes] = []
    edge: Edge = {}
    for size in batches:
        fresh = [hashlib.sha256(f"leaf {len(leaves) + i}".encode()).digest() for i in range(size)]
        with engine.begin() as conn:
            assert leaf_count(conn) == len(leaves)
            stored = right_edge(conn, len(leaves))
            assert stored == edge, "the edge an append returns is the stored one"
            edge = append_leaves(conn, len(leaves), fresh, stored)
        leaves += fresh

    def fetch(nodes: object) -> dict[tuple[int, int], bytes]:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(log_tree_nodes)).all()
        return {(row.level, row.idx): row.hash for row in rows}

    return Tree(fetch), leaves


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.integers(1, 9), min_size=1, max_size=8), data=st.data())
def test_roots_and_proofs_of_every_size_verify(
    engine: sa.Engine, batches: list[int], data: st.DataObject
) -> None:
    tree, leaves = stored_tree(engine, batches)
    total = len(leaves)
    for size in range(1, total + 1):
        assert tree.root(size) == root_of(leaves[:size])
    size = data.draw(st.integers(1, total))
    root = tree.root(size)
    for index in range(size):
        path = tree.inclusion(index, size)
        assert verify_inclusion(index, size, leaves[index], path, root)
        assert not verify_inclusion(index, size, hashlib.sha256(b"x").digest(), path, root)
    for first in range(1, size + 1):
        proof = tree.consistency(first, size)
        assert verify_consistency(first, size, tree.root(first), root, proof)
        if first < size:
            wrong = hashlib.sha256(b"other").digest()
            assert not verify_consistency(first, size, wrong, root, proof)
