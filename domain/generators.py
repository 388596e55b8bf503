"""Generators: the sequences a batch numbers its certificates with ("batch serialization"):
a start value and an increment, each generator with its own notation. A batch previews and
issues `values(...)`; its `generatorParams` are checked here, each fault naming its key."""

import re
from dataclasses import dataclass

from domain.errors import InvalidValue

MAX_COUNT = 100_000


@dataclass(frozen=True)
class GeneratorParameter:
    number: int
    name: str
    label: str
    type: str
    required: bool
    validator: str
    message: str
    value: str


@dataclass(frozen=True)
class Generator:
    number: int
    name: str
    start: GeneratorParameter
    base: int
    """16 for hexadecimal and MAC addresses, 10 for decimal."""
    width: int
    """Digits every value keeps (leading zeros), 0 for none."""
    for_mac_addresses: bool
    """Applicable only to profiles that take a MAC address."""

    @property
    def parameters(self) -> tuple[GeneratorParameter, ...]:
        return (self.start, INCREMENT)

    def values(self, params: dict[str, str], count: int) -> list[str]:
        """`count` values from startValue by increment; InvalidValue names the faulty key."""
        for parameter in self.parameters:
            given = params.get(parameter.name)
            if not isinstance(given, str) or not re.fullmatch(parameter.validator, given):
                raise InvalidValue(parameter.message, field=f"generatorParams.{parameter.name}")
        if not 1 <= count <= MAX_COUNT:
            raise InvalidValue(f"must be 1 to {MAX_COUNT}", field="count")
        start = int(params["startValue"].replace(":", "").replace("-", ""), self.base)
        step = int(params["increment"])
        last = start + step * (count - 1)
        if self.width and last >= self.base**self.width:
            raise InvalidValue("the sequence runs past its last value", field="generatorParams")
        return [self._format(start + step * i) for i in range(count)]

    def _format(self, value: int) -> str:
        if self.for_mac_addresses:
            digits = f"{value:012X}"
            return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
        return f"{value:0{self.width}X}" if self.base == 16 else str(value)


INCREMENT = GeneratorParameter(
    2, "increment", "Increment", "number", True, r"^[1-9][0-9]{0,8}$", "A whole number from 1", "1"
)
GENERATORS = (
    Generator(
        1,
        "Decimal sequence",
        GeneratorParameter(
            1,
            "startValue",
            "First value",
            "number",
            True,
            r"^[0-9]{1,18}$",
            "A whole number of at most 18 digits",
            "0",
        ),
        10,
        0,
        False,
    ),
    Generator(
        2,
        "Hexadecimal sequence",
        GeneratorParameter(
            1,
            "startValue",
            "First value",
            "hex",
            True,
            r"^[0-9A-Fa-f]{1,16}$",
            "1 to 16 hexadecimal digits",
            "0000",
        ),
        16,
        16,
        False,
    ),
    Generator(
        3,
        "MAC address sequence",
        GeneratorParameter(
            1,
            "startValue",
            "First MAC address",
            "macAddress",
            True,
            r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$",
            "A MAC address, such as 00:1A:2B:3C:4D:5E",
            "00:00:00:00:00:00",
        ),
        16,
        12,
        True,
    ),
)


def applicable(takes_mac_address: bool) -> list[Generator]:
    """The generators a profile can use: MAC address sequences only where it takes one."""
    return [g for g in GENERATORS if takes_mac_address or not g.for_mac_addresses]


def generator(number: int) -> Generator:
    for found in GENERATORS:
        if found.number == number:
            return found
    raise InvalidValue("no such generator", field="generatorId")
