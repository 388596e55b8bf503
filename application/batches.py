"""The certificate manager's batches: a USER orders certificates of one authority's profile,
numbered by a generator. So far: the preview, which shows what the batch's first certificate
would be given, checked as its creation will check it."""

from dataclasses import dataclass

from application.authorization import Actor
from application.member_rules import standing_of
from application.ports.allocations import AllocationViews
from application.ports.authorities import AuthorityViews
from application.ports.members import MemberViews
from application.profiles import ProfileQueries
from domain.batch_values import BatchValues
from domain.errors import InvalidValue, NotFound
from domain.generators import applicable, generator


@dataclass(frozen=True)
class BatchRequest:
    authority: int
    name: str
    generator: int
    generator_params: dict[str, str]
    size: int
    profile_params: dict[str, str]


@dataclass(frozen=True)
class BatchQueries:
    members: MemberViews
    authorities: AuthorityViews
    allocations: AllocationViews
    profiles: ProfileQueries

    def preview(self, actor: Actor, request: BatchRequest) -> BatchValues:
        """Who may order from the authority: an admin, or a user whose organization may use it
        (enabled) and who may use its profile. Anyone else learns nothing of the authority."""
        standing = standing_of(self.members, actor)
        authority = self.authorities.get(request.authority)
        profile = None if authority is None else authority.profile
        if profile is None or not standing.uses_profile(profile):
            raise NotFound("authority not found", field="authorityId")
        if not standing.admin:
            allocation = self.allocations.get(standing.organization, request.authority)
            if allocation is None or allocation.status != "enabled":
                raise NotFound("authority not found", field="authorityId")
        _, config = self.profiles.get(actor, profile)
        chosen = generator(request.generator)
        takes_mac = any(element.syntax == "MACAddress" for element in config.elements)
        if chosen not in applicable(takes_mac):
            raise InvalidValue("the profile takes no such generator", field="generatorId")
        return BatchValues.of(
            config, chosen, request.generator_params, request.profile_params, request.size
        )
