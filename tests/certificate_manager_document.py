"""The example exchanges of the certificate manager's API document, read where the project keeps
it (`../shared/seeds/iot-certificate-manager-api.txt`; FLEETID_SEEDS names another directory),
never copied here: each section's requests and the responses the document shows for them."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("FLEETID_SEEDS", PROJECT.parent / "shared" / "seeds"))
DOCUMENT = SEEDS / "iot-certificate-manager-api.txt"
SECTIONS = (
    "User Authentication API",
    "Authorities API",
    "Batch API",
    "Certificate API",
    "Device API",
    "Download API",
    "EcoSystem API",
    "Generator API",
    "Organization API",
    "Profile API",
    "Upload API",
    "User API",
)
NO_BODY = object()


@dataclass(frozen=True)
class Exchange:
    section: str
    method: str
    target: str
    """Path and query, as the document writes them."""
    body: str | None
    status: int
    answer: Any
    """The documented response body, decoded; NO_BODY when it shows none."""

    @property
    def name(self) -> str:
        return f"{self.method} {self.target}"


def exchanges(*sections: str) -> list[Exchange]:
    """The document's exchanges of `sections`, in the document's order."""
    lines = DOCUMENT.read_text(encoding="utf-8").splitlines()
    found: list[Exchange] = []
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if line in SECTIONS:
            section = line
        if line == "HTTP request" and section in sections:
            exchange, index = _exchange(section, lines, index + 1)
            found.append(exchange)
            continue
        index += 1
    return found


def _exchange(section: str, lines: list[str], index: int) -> tuple[Exchange, int]:
    index = _skip_blank(lines, index)
    method, target, _ = lines[index].split(" ", 2)
    index = _skip_headers(lines, index + 1)
    request: list[str] = []
    while lines[index].strip() != "HTTP response":
        request.append(lines[index])
        index += 1
    # The document writes some GETs' parameter tables where a body would be.
    body = None if method == "GET" else "\n".join(request).strip() or None
    index = _skip_blank(lines, index + 1)
    status = int(lines[index].split(" ")[1])
    index = _skip_blank(lines, _skip_headers(lines, index + 1))
    answer, index = _answer(lines, index)
    return Exchange(section, method, target, body, status, answer), index


def _answer(lines: list[str], index: int) -> tuple[Any, int]:
    first = lines[index].strip()
    if first.startswith(("{", "[")):
        text = ""
        while True:
            text += lines[index] + "\n"
            index += 1
            try:
                return json.loads(text), index
            except json.JSONDecodeError:
                continue
    try:
        return json.loads(first), index + 1
    except json.JSONDecodeError:
        return NO_BODY, index


def _skip_blank(lines: list[str], index: int) -> int:
    while not lines[index].strip():
        index += 1
    return index


def _skip_headers(lines: list[str], index: int) -> int:
    """Past the header lines (`Name: value`) that follow a request or status line."""
    while lines[index].strip() and ":" in lines[index] and not lines[index].startswith("{"):
        index += 1
    return index
