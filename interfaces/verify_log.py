"""Check a FleetID event log export against a signed tree head, without FleetID.

Standalone on purpose: Python 3.11+ and the `cryptography` package, nothing of FleetID's code.
Copy this file anywhere and run:

    python verify_log.py export log.ndjson head.json log-public-key.pem [--leaves leaves.txt]
    python verify_log.py inclusion head.json log-public-key.pem proof.json [--line LINE_FILE]
    python verify_log.py consistency old-head.json new-head.json log-public-key.pem proof.json

- `export`: the tree over the export's first `tree_size` lines (each line's bytes, as written,
  hashed as an RFC 9162 leaf) must have the head's root. When it does not, `--leaves` (from
  `fleetid log leaves` or `GET /log/leaves`) names the first bad position: the leaves are
  first checked against the head's root, so they cannot lie either.
- `inclusion`: one event's audit path (`GET /log/proofs/inclusion`) leads to the head's root.
- A line whose password hash is withheld (`{"withheld": leaf}`, events stored before FleetID
  sealed hashes) counts with the leaf it carries: its place in the log is proved, its other
  fields are not, and the verifier says which positions those are.
- `consistency`: the old head's tree is a prefix of the new one's (`GET /log/proofs/consistency`):
  nothing was changed, removed or reordered in between, only appended.

Exit status 0 when everything checks, 1 with the reason otherwise.
"""

import argparse
import base64
import hashlib
import json
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

WITHHELD = b'{"withheld":"'


def leaf_hash(line: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + line).digest()


def line_leaf(line: bytes) -> tuple[bytes, bool]:
    """A line's leaf, and whether the line had a password hash withheld: then the leaf is the
    one the line carries in its place (its stored line's), which proves the event's place in the
    log but not the rest of the line."""
    if WITHHELD not in line:
        return leaf_hash(line), False
    try:
        data = json.loads(line).get("data")
    except (ValueError, AttributeError):
        return leaf_hash(line), False
    if not isinstance(data, dict):
        return leaf_hash(line), False
    held = [v for v in data.values() if isinstance(v, dict) and set(v) == {"withheld"}]
    if len(held) != 1:
        return leaf_hash(line), False
    return base64.b64decode(held[0]["withheld"]), True


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(leaves: Iterable[bytes]) -> bytes:
    """RFC 9162's MTH over leaf hashes, in one pass: equal-sized subtrees merge as they fill."""
    stack: list[tuple[int, bytes]] = []
    for leaf in leaves:
        size, current = 1, leaf
        while stack and stack[-1][0] == size:
            left = stack.pop()[1]
            size, current = size * 2, node_hash(left, current)
        stack.append((size, current))
    if not stack:
        return hashlib.sha256(b"").digest()
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = node_hash(left, root)
    return root


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            result = node_hash(sibling, result)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


@dataclass(frozen=True)
class Head:
    tree_size: int
    timestamp: int
    root_hash: bytes
    signature: bytes

    def signed_bytes(self) -> bytes:
        """RFC 9162 TreeHeadDataV2: timestamp, tree size, root hash, no extensions."""
        fixed = struct.pack(">QQB", self.timestamp, self.tree_size, len(self.root_hash))
        return fixed + self.root_hash + b"\x00\x00"


def load_head(path: Path, key: Ed25519PublicKey) -> Head:
    data = json.loads(path.read_text())
    head = Head(
        int(data["tree_size"]),
        int(data["timestamp"]),
        base64.b64decode(data["root_hash"]),
        base64.b64decode(data["signature"]),
    )
    try:
        key.verify(head.signature, head.signed_bytes())
    except InvalidSignature:
        raise Failure(f"{path}: the signature does not match the log's public key") from None
    return head


def load_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except ValueError:
        raise Failure(f"{path} is not a PEM public key (GET /log/public-key gives one)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Failure(f"{path} is not an Ed25519 public key")
    return key


class Failure(Exception):
    pass


def check_export(export: Path, head: Head, leaves_file: Path | None) -> str:
    lines = export.read_bytes().splitlines()
    covered = lines[: head.tree_size]
    leaves = [line_leaf(line) for line in covered]
    if len(covered) == head.tree_size and root_of(leaf for leaf, _ in leaves) == head.root_hash:
        extra = len(lines) - head.tree_size
        beyond = f"; {extra} later events are not covered by this head" if extra > 0 else ""
        held = [_position(line) for line, (_, w) in zip(covered, leaves, strict=True) if w]
        return f"verified {head.tree_size} events against the signed head{_held(held)}{beyond}"
    reason = "the export does not match the signed head"
    if leaves_file is None:
        raise Failure(f"{reason}; pass --leaves to name the first bad position")
    raise Failure(f"{reason}: {first_bad(covered, head, leaves_file)}")


def first_bad(lines: list[bytes], head: Head, leaves_file: Path) -> str:
    signed: list[tuple[int, bytes]] = []
    for row in leaves_file.read_text().split("\n"):
        if row.strip():
            number, digest = row.split()
            signed.append((int(number), bytes.fromhex(digest)))
    if len(signed) < head.tree_size:
        raise Failure(f"{leaves_file} has {len(signed)} leaves, the head covers {head.tree_size}")
    signed = signed[: head.tree_size]
    if root_of(leaf for _, leaf in signed) != head.root_hash:
        raise Failure(f"{leaves_file} does not match the signed head either: its tree changed")
    for index, (position, leaf) in enumerate(signed):
        if index >= len(lines):
            return f"first bad position {position}: missing from the export (and all after it)"
        if line_leaf(lines[index])[0] != leaf:
            shown = _position(lines[index])
            if shown == position:
                return f"first bad position {position}: the event differs from the signed one"
            return (
                f"first bad position {position}: the export has position {shown} there "
                "(an event deleted, inserted or moved)"
            )
    return "every covered line matches; the export has fewer lines than the head covers"


def _held(positions: list[object]) -> str:
    if not positions:
        return ""
    shown = ", ".join(map(str, positions[:10])) + (", …" if len(positions) > 10 else "")
    label = "position" if len(positions) == 1 else "positions"
    return (
        f"; {len(positions)} of them ({label} {shown}) with a password hash withheld: "
        "their place in the log is proved, the rest of their lines is not"
    )


def _position(line: bytes) -> object:
    try:
        return json.loads(line).get("position")
    except (ValueError, AttributeError):
        return None


def _proof(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise Failure(f"{path} is not a proof object")
    return data


def _hashes(values: object) -> list[bytes]:
    if not isinstance(values, list):
        raise Failure("a proof's hashes must be a list")
    return [base64.b64decode(value) for value in values]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="an export against a signed head")
    export.add_argument("export", type=Path)
    export.add_argument("head", type=Path)
    export.add_argument("public_key", type=Path)
    export.add_argument("--leaves", type=Path, help="'position hex-leaf-hash' per line")
    inclusion = commands.add_parser("inclusion", help="one event's audit path")
    inclusion.add_argument("head", type=Path)
    inclusion.add_argument("public_key", type=Path)
    inclusion.add_argument("proof", type=Path)
    inclusion.add_argument("--line", type=Path, help="the event's exported line, to hash here")
    consistency = commands.add_parser("consistency", help="an old head is a prefix of a new one")
    consistency.add_argument("old_head", type=Path)
    consistency.add_argument("new_head", type=Path)
    consistency.add_argument("public_key", type=Path)
    consistency.add_argument("proof", type=Path)
    args = parser.parse_args(argv)
    try:
        key = load_key(args.public_key)
        if args.command == "export":
            print(check_export(args.export, load_head(args.head, key), args.leaves))
        elif args.command == "inclusion":
            head, proof = load_head(args.head, key), _proof(args.proof)
            leaf = base64.b64decode(str(proof["leaf_hash"]))
            held = False
            if args.line is not None:
                line_hash, held = line_leaf(args.line.read_bytes().rstrip(b"\n"))
                if line_hash != leaf:
                    raise Failure("the line's hash is not the proof's leaf")
            index, size = int(str(proof["leaf_index"])), int(str(proof["tree_size"]))
            path = _hashes(proof["audit_path"])
            if size != head.tree_size or not verify_inclusion(
                index, size, leaf, path, head.root_hash
            ):
                raise Failure("the audit path does not lead to the signed head's root")
            note = " (its password hash withheld: only its place is proved)" if held else ""
            print(f"leaf {index} is in the signed tree of {size} events{note}")
        else:
            old, new = load_head(args.old_head, key), load_head(args.new_head, key)
            proof_hashes = _hashes(_proof(args.proof)["proof"])
            if not verify_consistency(
                old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof_hashes
            ):
                raise Failure("the new head's tree does not extend the old one's")
            print(f"the log of {new.tree_size} events extends the one of {old.tree_size}")
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
