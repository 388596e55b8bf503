"""What each certificate of a batch is given: the batch's `profileParams` made one certificate's
by its generator value ("batch serialization").

Per certificate, a parameter the profile takes from the request as free text (a common name, a
DNS name, additional information) is the certificate's generator value followed by the text
the batch gave (`0` and `name.name` make `0name.name`); a MAC address is the value of a MAC
address generator itself; any other parameter (the validity in years, a device class, the
PKCS#12 password) is the batch's, alike for every certificate. Each resulting value is checked
by the profile's rule for it; a fault names the batch's key (`profileParams.years`)."""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from domain.errors import InvalidValue
from domain.generators import Generator
from domain.profile_configs import MAC_ADDRESS, Parameter, ProfileConfig, parameters

MAX_VALUE = 255
"""The longest value a parameter takes (a subject attribute's upper bound)."""
MAX_NAME = 64
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class BatchValues:
    """A batch's parameters, checked, ready to give each certificate its values."""

    generator: Generator | None
    """None for a single certificate, whose values are the request's as given."""
    generator_params: Mapping[str, str]
    parameters: tuple[Parameter, ...]
    given: Mapping[str, str]
    size: int

    @classmethod
    def of(
        cls,
        config: ProfileConfig,
        generator: Generator | None,
        generator_params: Mapping[str, str],
        profile_params: Mapping[str, str],
        size: int,
    ) -> "BatchValues":
        taken = set() if generator is None else {p.name for p in generator.parameters}
        for key in generator_params:
            if key not in taken:
                shown = key if len(key) <= MAX_NAME and not CONTROL.search(key) else None
                field = "generatorParams" if shown is None else f"generatorParams.{shown}"
                raise InvalidValue("the generator takes no such parameter", field=field)
        known = tuple(parameters(config))
        names = {p.name for p in known}
        for key, value in profile_params.items():
            if key not in names and (len(key) > MAX_NAME or CONTROL.search(key)):
                raise InvalidValue("the profile takes no such parameter", field="profileParams")
            field = f"profileParams.{key}"
            if key not in names:
                raise InvalidValue("the profile takes no such parameter", field=field)
            if not value.strip():
                raise InvalidValue("must not be empty", field=field)
            if len(value) > MAX_VALUE or CONTROL.search(value):
                raise InvalidValue(
                    f"must be at most {MAX_VALUE} characters, none a control character",
                    field=field,
                )
        values = cls(generator, generator_params, known, dict(profile_params), size)
        serials = values.serials()
        values.first()
        values.for_serial(serials[-1])
        return values

    def serials(self) -> list[str]:
        """The generator's values, one per certificate; InvalidValue names the faulty key."""
        if self.generator is None:
            return [""] * self.size
        return self.generator.values(dict(self.generator_params), self.size)

    def first(self) -> dict[str, str]:
        """The first certificate's values; the first's and the last's (the longest) were
        checked when the batch was made, and every certificate's are checked alike."""
        return next(self.each())

    def each(self) -> Iterator[dict[str, str]]:
        """Each certificate's values, by parameter name, in the batch's order."""
        for serial in self.serials():
            yield self.for_serial(serial)

    def for_serial(self, serial: str) -> dict[str, str]:
        """The values of the certificate the generator numbers `serial`; InvalidValue if one
        breaks the profile's rule."""
        values: dict[str, str] = {}
        for parameter in self.parameters:
            value = self._value(parameter, serial)
            field = f"profileParams.{parameter.name}"
            if value is None:
                if parameter.required:
                    raise InvalidValue("the profile needs this parameter", field=field)
                continue
            if len(value) > MAX_VALUE:
                raise InvalidValue(
                    f"must be at most {MAX_VALUE} characters, the generator's value included",
                    field=field,
                )
            pattern = parameter.validation_pattern
            if pattern is not None and not re.fullmatch(pattern, value):
                raise InvalidValue(parameter.message or "breaks the profile's rule", field=field)
            values[parameter.name] = value
        return values

    def _value(self, parameter: Parameter, serial: str) -> str | None:
        given = self.given.get(parameter.name)
        numbered = self.generator
        pattern = parameter.validation_pattern
        if numbered is not None and numbered.for_mac_addresses and pattern == MAC_ADDRESS:
            return serial
        if given is None:
            return parameter.value
        if numbered is not None and pattern is None and "REQUEST" in parameter.scopes:
            return f"{serial}{given}"
        return given
