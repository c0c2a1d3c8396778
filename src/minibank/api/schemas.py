"""Request and response shapes of the API, declared once (validation and OpenAPI)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..domain.money import format_amount

AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"


class Strict(BaseModel):
    """Request bodies: exact types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    """Response bodies."""

    model_config = ConfigDict(extra="forbid")


# Amounts are validated by the bank's money parser (422 invalid_amount); the pattern documents it.
AmountText = Annotated[str, Field(max_length=32, json_schema_extra={"pattern": AMOUNT_PATTERN}, examples=["12.34"])]
SignedAmountText = Annotated[str, Field(examples=["-12.34"], json_schema_extra={"pattern": r"^-?[0-9]+\.[0-9]{2}$"})]
AccountNumber = Annotated[str, Field(max_length=32, examples=["4821093377"], description="Ten digits, the last two a MOD 97-10 check")]


def money(minor: int) -> str:
    """Minor units as the API's decimal text."""
    return format_amount(minor)


class Problem(Out):
    """An error, per RFC 9457, with the bank's stable machine code."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str | None = None
    errors: list[dict] | None = None


class RegisterIn(Strict):
    """Open a customer login."""

    email: str = Field(max_length=254)
    name: str = Field(max_length=100)
    password: str = Field(max_length=256)


class TokenIn(Strict):
    """Exchange credentials for an access token."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class TokenOut(Out):
    """A Bearer access token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class UserOut(Out):
    """A user, never with a password hash."""

    id: int
    email: str
    name: str
    role: Literal["customer", "admin"]
    created_at: datetime
