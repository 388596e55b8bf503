"""Query strings read as strictly as Magistrala reads them.

Litestar takes the last of a repeated parameter and, through msgspec's lax conversion, reads
`null` as absent for an optional number, boolean or id: `limit=5&limit=6` answered six and
`vb=null` dropped the filter. Magistrala answers 400 to both (`ErrInvalidQueryParams`), and so
does FleetID, for every route, from each handler's own signature.
"""

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from uuid import UUID

from litestar import Litestar, Request
from litestar.handlers import BaseRouteHandler
from litestar.params import QueryParameter
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

from domain.errors import InvalidValue


@dataclass(frozen=True)
class QueryRules:
    single: frozenset[str]
    """Parameters taken once."""
    not_null: frozenset[str]
    """Optional parameters whose type would read the text `null` as absent."""


RULES = "query_rules"
T = TypeVar("T")
OwnerAlias = Annotated[
    UUID | None, QueryParameter(name="owner_id", description="the same as ownerID")
]
"""Magistrala's code and SDK spell parameters `owner_id`, `parent_id`, `tag` where the seed
writes `ownerID`, `parentID`, `tags`: FleetID takes both spellings."""
ParentAlias = Annotated[
    UUID | None, QueryParameter(name="parent_id", description="the same as parentID")
]


def either(seed: T | None, code: T | None, name: str) -> T | None:
    """One value from a parameter a client may spell two ways (empty is absent, as Magistrala
    reads it); two different ones are 400."""
    given = [value for value in (seed, code) if value not in (None, "")]
    if len(given) == 2 and given[0] != given[1]:
        raise InvalidValue(f"{name} is given twice, with different values", field=name)
    return given[0] if given else seed


def query_name(name: str, field: FieldDefinition) -> str:
    """The name a client sends a parameter under (`from`, `parentID`), not its Python name."""
    kwarg = field.kwarg_definition
    return getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or name


def _rules_of(handler: BaseRouteHandler) -> QueryRules:
    fields = {**handler.resolve_layered_parameters(), **handler.parsed_fn_signature.parameters}
    single, not_null = set(), set()
    for name, field in fields.items():
        query = query_name(name, field)
        if not field.is_non_string_sequence:
            single.add(query)
        if field.is_optional and not field.has_inner_subclass_of(str):
            not_null.add(query)
    return QueryRules(frozenset(single), frozenset(not_null))


def learn_query_rules(app: Litestar) -> None:
    """Each handler's rules, kept in its options once every layer is resolved."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                handler.opt[RULES] = _rules_of(handler)


def check_query(request: Request[Any, Any, Any]) -> None:
    """400 naming the first parameter given twice, or given as `null` where that means absent."""
    rules: QueryRules | None = request.route_handler.opt.get(RULES)
    if rules is None or not request.scope.get("query_string"):
        return
    seen: set[str] = set()
    for name, value in request.query_params.multi_items():
        if name in seen and name in rules.single:
            raise InvalidValue(f"{name} is given more than once", field=name)
        if value == "null" and name in rules.not_null:
            raise InvalidValue(f"{name} must have a value, not null", field=name)
        seen.add(name)
