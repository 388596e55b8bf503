"""Certificate profiles: what a certificate of each kind holds, as data an operator loads
(`domain/profile_configs.py`). A profile is known by its number (`profileId`) and its name;
loading a name that exists gives that profile the new configuration."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue
from domain.profile_configs import parse_config

NAMESPACE = UUID("6e0d7c2b-1a3f-4e5d-9b8c-2f4a6c8e0b1d")
MAX_NAME = 255


def profile_id(number: int) -> UUID:
    return uuid5(NAMESPACE, str(number))


def check_profile_name(name: str) -> str:
    if not name.strip() or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidValue(f"must be 1 to {MAX_NAME} printable characters", field="name")
    return name


class Profile(FleetAggregate):
    class Loaded(FleetAggregate.Created):
        number: int
        name: str
        config: str

    @event(Loaded)
    def __init__(self, number: int, name: str, config: str, cause: Cause) -> None:
        self.number = number
        self.name = name
        self.config = config

    @classmethod
    def load(cls, number: int, name: str, config: str, cause: Cause) -> "Profile":
        parse_config(config)
        return cls._create(
            cls.Loaded,
            id=profile_id(number),
            number=number,
            name=check_profile_name(name),
            config=config,
            cause=cause,
        )

    class Reconfigured(FleetAggregate.Event):
        config: str

    def reconfigure(self, config: str, cause: Cause) -> bool:
        """Whether anything changed: loading the same file again records nothing."""
        parse_config(config)
        if config == self.config:
            return False
        self._reconfigure(config=config, cause=cause)
        return True

    @event(Reconfigured)
    def _reconfigure(self, config: str, cause: Cause) -> None:
        self.config = config
