"""Query strings: each parameter declared, given once, and validated by a pydantic model."""

import base64
import binascii
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from flask import request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..domain.errors import InvalidAmount, InvalidCursor, InvalidInput
from ..domain.money import parse_amount
from ..services.history import SEARCH_MAX_LENGTH, HistoryFilter
from .body import RequestInvalid, validation_errors
from .schemas import AMOUNT_PATTERN

PAGE_MAX = 100


class Query(BaseModel):
    """Query parameters: strings converted to the declared types; undeclared ones refused."""

    model_config = ConfigDict(extra="forbid")


class NoQuery(Query):
    """An operation that takes no query parameters."""


def parse_query(model: type[Query]):
    """The query string validated into ``model``, or a 422 that names each bad parameter."""
    repeated = [name for name, values in request.args.lists() if len(values) > 1]
    if repeated:
        raise RequestInvalid(
            [{"field": name, "code": "repeated", "message": "Give this parameter once."} for name in repeated],
            detail="The query string is not valid; see errors.",
        )
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as invalid:
        raise RequestInvalid(validation_errors(invalid), detail="The query string is not valid; see errors.") from None


def _calendar_date(text: str) -> date:
    return date.fromisoformat(text)  # ValueError (a 422) for a day that does not exist


if TYPE_CHECKING:
    # What the field holds once validated; pydantic checks the text and its schema says so.
    DateText = date
else:
    DateText = Annotated[
        str,
        Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", json_schema_extra={"format": "date"}, examples=["2026-01-31"]),
        AfterValidator(_calendar_date),
    ]
Limit = Annotated[int, Field(ge=1, le=PAGE_MAX, description=f"Page size, 1 to {PAGE_MAX}")]
Cursor = Annotated[str, Field(max_length=64, description="``next_cursor`` of the previous page")]


if TYPE_CHECKING:
    AmountQuery = str
else:
    AmountQuery = Annotated[str, Field(pattern=AMOUNT_PATTERN, max_length=21, examples=["100.00"])]


class HistoryQuery(Query):
    """Which page of an account's history, and what to look for in it."""

    limit: Limit = 20
    cursor: Cursor | None = None
    from_: DateText | None = Field(None, alias="from", description="First day (UTC), inclusive")
    to: DateText | None = Field(None, description="Last day (UTC), inclusive")
    q: str | None = Field(
        None,
        max_length=SEARCH_MAX_LENGTH,
        description="Text in the memo, or in the other side's name or number (case-insensitive)",
    )
    direction: Literal["in", "out"] | None = Field(None, description="Only money in, or only money out")
    min_amount: AmountQuery | None = Field(None, description="The smallest amount moved, either way, inclusive")
    max_amount: AmountQuery | None = Field(None, description="The largest amount moved, either way, inclusive")

    def where(self) -> HistoryFilter:
        """The service's filter for these parameters."""
        return HistoryFilter(
            text=(self.q or "").strip(),
            since=self.since(),
            until=self.until(),
            direction=self.direction,
            min_amount=_minor(self.min_amount, "min_amount"),
            max_amount=_minor(self.max_amount, "max_amount"),
        )

    def since(self) -> datetime | None:
        """The start of the ``from`` day, UTC."""
        return datetime.combine(self.from_, time(), UTC) if self.from_ else None

    def until(self) -> datetime | None:
        """The end of the ``to`` day (exclusive bound: the next midnight), UTC."""
        if self.to is None or self.to == date.max:
            return None
        return datetime.combine(self.to + timedelta(days=1), time(), UTC)


def _minor(amount: str | None, field: str) -> int | None:
    if amount is None:
        return None
    if not amount.strip("0."):  # zero ("0", "0.00"): a bound like any other, not an amount to move
        return 0
    try:
        return parse_amount(amount)
    except InvalidAmount as refusal:
        raise InvalidInput(refusal.detail, field=field) from None


class PageQuery(Query):
    """Which page of a list."""

    limit: Limit = 50
    cursor: Cursor | None = None


def encode_cursor(row_id: int) -> str:
    """An opaque cursor for the page below ``row_id``."""
    return base64.urlsafe_b64encode(f"r{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The row id a cursor made by ``encode_cursor`` points below; refuse anything else."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        row_id = int(raw[1:]) if raw[:1] == "r" and raw[1:].isdigit() else 0
    except (ValueError, binascii.Error):
        row_id = 0
    if not 0 < row_id < 2**63 or encode_cursor(row_id) != cursor:
        raise InvalidCursor()
    return row_id


class NameCheckQuery(Query):
    """Confirmation of payee: does this name match the holder of this account?"""

    name: str = Field(max_length=70, examples=["Dan Secretname"], description="The name the customer typed")
    account_number: str = Field(max_length=32, examples=["4821093377"], description="The account to pay")
