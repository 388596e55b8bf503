"""A ZIP archive written as it is read: entries go out as they are made, so a batch of any size
never sits whole in memory. `zipfile` writes to an unseekable stream with data descriptors
after each entry, which every unzip tool reads."""

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime


class _Sink:
    """The unseekable file `zipfile` writes to; what it wrote is taken out in pieces."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def close(self) -> None:
        return None

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts = []
        return data


def zip_stream(entries: Iterable[tuple[str, bytes]], at: datetime) -> Iterator[bytes]:
    """The archive's bytes, a piece per entry; names are the archive's paths."""
    sink = _Sink()
    stamp = (at.year, at.month, at.day, at.hour, at.minute, at.second)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
            yield sink.take()
    yield sink.take()
