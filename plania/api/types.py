"""Types of the API's inputs that the database sets bounds to."""

from typing import Annotated

from pydantic import Field

# A row's id (BigAutoField): a positive 64-bit integer. Larger numbers would reach the
# database and fail there (PostgreSQL: "out of range"), a 500
# instead of the 404 of an id that does not exist (found by the API fuzzing).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
