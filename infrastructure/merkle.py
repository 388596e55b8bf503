"""Merkle tree arithmetic of RFC 9162 (Certificate Transparency 2.0), over stored subtrees.

The tree over n leaves is the RFC's MTH: split at the largest power of two below n, left subtree
perfect. Every range such a tree or its proofs ever need is a run of perfect subtrees aligned to
their size, so only those are stored: node (level, index) covers leaves [index * 2**level,
(index + 1) * 2**level). A root or proof is then a handful of stored hashes folded together, in
time and reads logarithmic in the log's size.
"""

import hashlib
from collections.abc import Callable, Iterable

Node = tuple[int, int]
"""(level, index) of a perfect aligned subtree."""
Fetch = Callable[[Iterable[Node]], dict[Node, bytes]]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_below(n: int) -> int:
    """The largest power of two strictly less than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[Node]:
    """The perfect aligned subtrees that make up leaves [start, end), left to right, as they
    occur in the RFC's tree (start is aligned to the largest of them)."""
    nodes: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: list[bytes]) -> bytes:
    """The hash of consecutive subtrees, each at most half its left neighbour's size."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


class Tree:
    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    def root(self, size: int) -> bytes:
        if size == 0:
            return hashlib.sha256(b"").digest()
        return self._ranges([(0, size)])[0]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1)."""
        if not 0 <= index < size:
            raise ValueError("the leaf is not in a tree of that size")
        ranges: list[tuple[int, int]] = []
        start, end = 0, size
        while end - start > 1:
            k = largest_power_below(end - start)
            if index < start + k:
                ranges.append((start + k, end))
                end = start + k
            else:
                ranges.append((start, start + k))
                start += k
        return self._ranges(list(reversed(ranges)))

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of `first` leaves is a prefix of that of `second`
        (RFC 9162 2.1.4.1)."""
        if not 0 < first <= second:
            raise ValueError("a consistency proof needs 0 < first <= second")
        ranges: list[tuple[int, int]] = []
        start, end, complete = 0, second, True
        m = first
        while m != end - start:
            k = largest_power_below(end - start)
            if m <= k:
                ranges.append((start + k, end))
                end = start + k
            else:
                ranges.append((start, start + k))
                start += k
                m -= k
                complete = False
        if not complete:
            ranges.append((start, end))
        return self._ranges(list(reversed(ranges)))

    def _ranges(self, ranges: list[tuple[int, int]]) -> list[bytes]:
        """The hash of each range, from one fetch of every stored subtree they need."""
        wanted = [range_nodes(start, end) for start, end in ranges]
        found = self._fetch({node for nodes in wanted for node in nodes})
        return [fold([found[node] for node in nodes]) for nodes in wanted]
