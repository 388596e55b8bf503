"""The certificate manager's ecosystem: made at first start, described by the operator, and
read by its admins (FleetID's admins and its ECO_ADMINs) with its figures: what it may issue,
what its organizations were given and used, and what was ordered and issued day by day."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from application.authorization import Actor
from application.consistency import run_command
from application.member_rules import Standing, standing_of
from application.members import matches
from application.ports.ecosystems import EcosystemView, EcosystemViews, Movement, Totals
from application.ports.members import MemberView, MemberViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.causes import Cause
from domain.ecosystems import Ecosystem, ecosystem_id
from domain.errors import Forbidden, NotFound
from domain.memberships import MemberRole
from domain.organizations import ECOSYSTEM


class EcosystemCommands:
    def __init__(self, reader: AggregateReader, writer: EventWriter, sync: ReadModelSync) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync

    async def ensure(self, cause: Cause) -> bool:
        """Make the ecosystem unless it exists; whether it was made."""

        def command() -> tuple[bool, list[Ecosystem]]:
            if isinstance(self._reader.get(ecosystem_id(ECOSYSTEM)), Ecosystem):
                return False, []
            return True, [Ecosystem.found(ECOSYSTEM, cause)]

        return await run_command(self._writer, self._sync, command)

    async def change(
        self, name: str | None, description: str | None, capacity: int | None, cause: Cause
    ) -> bool:
        """The operator's (`fleetid ecosystem set`); whether anything changed."""

        def command() -> tuple[bool, list[Ecosystem]]:
            found = self._reader.get(ecosystem_id(ECOSYSTEM))
            if not isinstance(found, Ecosystem):
                raise NotFound("the ecosystem is made at the first start", field="ecosystemId")
            changed = found.change(name, description, capacity, cause)
            return changed, [found] if changed else []

        return await run_command(self._writer, self._sync, command)


@dataclass(frozen=True)
class DayCount:
    day: date
    total: int
    """Batches."""
    devices: int
    """Certificates."""


@dataclass(frozen=True)
class Statistics:
    capacity: int
    totals: Totals
    ordered: list[DayCount]
    issued: list[DayCount]


@dataclass(frozen=True)
class EcosystemQueries:
    views: EcosystemViews
    members: MemberViews

    def ecosystem(self, actor: Actor) -> EcosystemView:
        self._require_admin(actor)
        found = self.views.get(ECOSYSTEM)
        if found is None:
            raise NotFound("the ecosystem is made at the first start", field="ecosystemId")
        return found

    def statistics(self, actor: Actor) -> Statistics:
        capacity = self.ecosystem(actor).capacity
        movements = self.views.movements()
        return Statistics(
            capacity,
            self.views.totals(),
            by_day(movements, "ordered"),
            by_day(movements, "issued"),
        )

    def balance(self, actor: Actor) -> int:
        """What its organizations may still use, all together."""
        self._require_admin(actor)
        return self.views.totals().available

    def admins(self, actor: Actor, search: str) -> list[MemberView]:
        self._require_admin(actor)
        found = self.members.ecosystem_admins(ECOSYSTEM)
        return [view for view in found if matches(view, search)]

    def admin(self, actor: Actor, number: int) -> MemberView:
        self._require_admin(actor)
        found = self.members.by_number(number)
        if found is None or not is_ecosystem_admin(found):
            raise NotFound("no ecosystem admin has this number", field="userId")
        return found

    def _require_admin(self, actor: Actor) -> Standing:
        standing = standing_of(self.members, actor)
        administered = (
            set() if standing.membership is None else standing.membership.ecosystems_administered()
        )
        if not standing.admin and ECOSYSTEM not in administered:
            raise Forbidden("only the ecosystem's admins may do this")
        return standing


def is_ecosystem_admin(view: MemberView) -> bool:
    return view.admin or any(
        p.role is MemberRole.ECO_ADMIN and p.ecosystem == ECOSYSTEM for p in view.privileges
    )


def by_day(movements: list[Movement], kind: str) -> list[DayCount]:
    """Batches and certificates of one kind of movement per UTC day, in day order."""
    batches: Counter[date] = Counter()
    devices: Counter[date] = Counter()
    for movement in movements:
        if movement.kind == kind:
            day = movement.at.date()
            batches[day] += 1
            devices[day] += movement.count
    return [DayCount(day, batches[day], devices[day]) for day in sorted(batches)]
