"""One pagination for every list endpoint (issue 12 item 4): django-ninja's
`PageNumberPagination`, declared with `@paginate(Pages)` under the operation's access
rule, so that its parameters and its `{items, count}` answer are in the OpenAPI
description like any other.

    GET /api/v1/awards?page=2&page_size=100
    {"items": [...], "count": 312}

`page` counts from 1; a page past the end answers an empty `items`. `page_size` is 50
unless asked, at most 200: more, or a page number past `MAX_PAGE`, is a 422 in the
API's one format (django-ninja's own class clamps the size silently and lets any page
number reach the database, where an OFFSET past 2**63 is a 500).

An operation that paginates returns its rows as a queryset (or a list) and refuses by
raising (`ApiRefusal`, `Http404`), never by returning a `Status`: the pagination would
take the refusal for the rows.
"""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="The page, from 1.")
        page_size: int = Field(
            PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Rows per page ({PAGE_SIZE} unless asked, at most {MAX_PAGE_SIZE}).",
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)
