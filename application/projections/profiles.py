"""Profiles projection: one `profiles` row version per change."""

from typing import Any

from application.projections.changes import EntityProjection
from domain.profile_configs import parse_config
from domain.profiles import Profile


class ProfilesProjection(EntityProjection):
    name = "profiles"
    tables: tuple[str, ...] = ("profiles",)
    events = Profile.Event
    created = Profile.Loaded

    def first_row(self, event: Profile.Loaded) -> dict[str, Any]:
        return {"number": event.number, "name": event.name, **_config(event.config)}

    def changes(self, event: Any) -> dict[str, Any] | None:
        if isinstance(event, Profile.Reconfigured):
            return _config(event.config)
        return None


def _config(raw: str) -> dict[str, Any]:
    config = parse_config(raw)
    return {
        "key_algorithm": config.key_algorithm,
        "signature_algorithm": config.signature_algorithm,
        "config": raw,
    }
