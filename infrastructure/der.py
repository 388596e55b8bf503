"""The few DER operations FleetID does by hand: reading an element's header, taking its
content, and wrapping content in a tag. Only on DER that `cryptography` itself produced."""


def header(der: bytes, at: int) -> tuple[int, int]:
    """The length of the header of the element at `at`, and of its content."""
    first = der[at + 1]
    if first < 0x80:
        return 2, first
    count = first & 0x7F
    return 2 + count, int.from_bytes(der[at + 2 : at + 2 + count], "big")


def content(der: bytes, at: int) -> bytes:
    head, length = header(der, at)
    return der[at + head : at + head + length]


def after(der: bytes, at: int) -> int:
    """Where the element following the one at `at` starts."""
    head, length = header(der, at)
    return at + head + length


def tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body
