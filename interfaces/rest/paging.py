"""The paging parameters every list endpoint shares."""

from typing import Annotated

from litestar.params import QueryParameter

MAX_PAGE = 100
Offset = Annotated[int, QueryParameter(ge=0)]
"""Any uint64, as Magistrala takes it, and beyond: the read models bind it clamped
(infrastructure/listing.py), and an offset past the rows is an empty page."""
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
