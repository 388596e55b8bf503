"""The paging parameters every list endpoint shares."""

from typing import Annotated

from litestar.params import QueryParameter

MAX_PAGE = 100
MAX_OFFSET = 2**31 - 1
"""Keeps the offset a 32-bit integer, which every backend binds."""

Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
