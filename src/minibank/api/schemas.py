"""Request and response shapes of the API, declared once (validation and OpenAPI)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..domain.batches import MAX_ITEMS
from ..domain.money import format_amount
from ..domain.transfers import MEMO_MAX_LENGTH
from ..security.passwords import MIN_LENGTH as PASSWORD_MIN

# The money parser's own grammar (domain.money); zero and amounts past a 64-bit cent count are 422 invalid_amount.
AMOUNT_PATTERN = r"^[0-9]{1,18}(\.[0-9]{1,2})?$"


class Strict(BaseModel):
    """Request bodies: exact types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    """Response bodies."""

    model_config = ConfigDict(extra="forbid")


# Amounts are validated by the bank's money parser (422 invalid_amount); the pattern documents it.
AmountText = Annotated[
    str,
    Field(
        max_length=21,
        json_schema_extra={"pattern": AMOUNT_PATTERN},
        examples=["12.34"],
        description="Decimal text, never a JSON number",
    ),
]
SignedAmountText = Annotated[str, Field(examples=["-12.34"], json_schema_extra={"pattern": r"^-?[0-9]+\.[0-9]{2}$"})]
AccountNumber = Annotated[
    str,
    Field(
        max_length=32,
        examples=["4821093377"],
        json_schema_extra={"pattern": "^[0-9 -]+$"},
        description="Ten digits, the last two a MOD 97-10 check; spaces and dashes are ignored",
    ),
]
# The services' own checks, documented as JSON Schema patterns (ECMA-262 and Python read them alike).
PRINTABLE = r"^[^\u0000-\u001f\u007f]*$"
NOT_BLANK = r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$"
# No spaces or controls: the union of what ECMA-262's and Python's \s mean, so both read it the same way.
_EMAIL_CHAR = r"[^@\s\u0000-\u001f\u007f-\u009f"
EMAIL = rf"^{_EMAIL_CHAR}]{{1,64}}@{_EMAIL_CHAR}]+\.{_EMAIL_CHAR}.]+$"
NO_NUL = r"^[^\u0000]*$"
Memo = Annotated[
    str, Field(max_length=MEMO_MAX_LENGTH, json_schema_extra={"pattern": PRINTABLE}, description="Printable text")
]


def money(minor: int) -> str:
    """Minor units as the API's decimal text."""
    return format_amount(minor)


class FieldError(Out):
    """One reason a request was refused, tied to the field (or parameter) at fault."""

    field: str
    code: str
    message: str


class Problem(Out):
    """An error, per RFC 9457, with the bank's stable machine code."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str | None = None
    errors: list[FieldError] | None = None


class RegisterIn(Strict):
    """Open a customer login."""

    email: str = Field(max_length=254, json_schema_extra={"pattern": EMAIL})
    name: str = Field(max_length=100, json_schema_extra={"pattern": NOT_BLANK})
    password: str = Field(
        max_length=256,
        json_schema_extra={"minLength": PASSWORD_MIN, "pattern": NO_NUL},
        description="At least 12 characters, and not a commonly used password",
    )


class AcceptedOut(Out):
    """A request taken: the same answer whatever the e-mail address (registration, password reset)."""

    status: Literal["check_inbox"]
    detail: str


class ResetRequestIn(Strict):
    """Ask for a password reset link by e-mail."""

    email: str = Field(max_length=254, json_schema_extra={"pattern": NO_NUL})


class ResetConfirmIn(Strict):
    """Set a new password with the token from a reset link."""

    token: str = Field(min_length=20, max_length=100, json_schema_extra={"pattern": "^[A-Za-z0-9_-]+$"})
    password: str = Field(
        max_length=256,
        json_schema_extra={"minLength": PASSWORD_MIN, "pattern": NO_NUL},
        description="At least 12 characters, and not a commonly used password",
    )


class TokenIn(Strict):
    """Exchange credentials for an access token."""

    email: str = Field(max_length=254, json_schema_extra={"pattern": NO_NUL})
    password: str = Field(max_length=256, json_schema_extra={"pattern": NO_NUL})
    otp: str | None = Field(
        default=None,
        max_length=32,
        description="For a login with two-factor authentication: the 6-digit code from the authenticator app, "
        "or one of the recovery codes (each works once). Without it, such a login answers 401 "
        "with code second_factor_required.",
        json_schema_extra={"pattern": NO_NUL},
    )


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
    role: Literal["customer", "teller", "supervisor", "auditor"]
    created_at: datetime


class AccountOpenIn(Strict):
    """Open an account."""

    name: str = Field(max_length=60, examples=["Savings"], json_schema_extra={"pattern": NOT_BLANK})


class AccountOut(Out):
    """An account and its balance."""

    number: str
    name: str
    currency: str
    balance: SignedAmountText
    status: Literal["open", "frozen", "closed"]
    opened_at: datetime


class AccountList(Out):
    """The caller's accounts, oldest first (one page holds them all)."""

    items: list[AccountOut]
    next_cursor: str | None


class HistoryItemOut(Out):
    """One movement on an account: signed amount and the balance it left."""

    id: int
    transfer_id: int
    kind: Literal["transfer", "deposit", "withdrawal"]
    amount: SignedAmountText
    balance_after: SignedAmountText
    counterparty: str | None = Field(
        description="The other customer account; null for cash (kind deposit or withdrawal)"
    )
    counterparty_name: str | None = Field(
        description="How the caller knows the other side: their own account's name, a payee's saved name, "
        "the sender's name for money in, or Cash deposit / Cash withdrawal; null when only the number is known"
    )
    memo: str
    created_at: datetime


class HistoryPageOut(Out):
    """A page of history, newest first; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[HistoryItemOut]
    next_cursor: str | None


class TransferIn(Strict):
    """Move money from one of the caller's accounts to any account in the bank."""

    from_account: AccountNumber
    to_account: AccountNumber
    amount: AmountText
    memo: Memo = ""


class CashIn(Strict):
    """A teller's deposit or withdrawal of cash."""

    account: AccountNumber
    amount: AmountText
    memo: Memo = ""


class TransferOut(Out):
    """A committed movement of money."""

    id: int
    kind: Literal["transfer", "deposit", "withdrawal"]
    from_account: str | None = Field(description="The account debited; null for cash in (kind deposit)")
    to_account: str | None = Field(description="The account credited; null for cash out (kind withdrawal)")
    amount: SignedAmountText
    currency: str
    memo: str
    created_at: datetime


class TransferBatchIn(Strict):
    """Up to a thousand transfers from the caller's accounts, sent as one batch."""

    mode: Literal["atomic", "independent"] = Field(
        description="atomic: all move or none does; independent: each moves or is refused on its own"
    )
    transfers: list[TransferIn] = Field(min_length=1, max_length=MAX_ITEMS)


class ItemProblem(Out):
    """Why one transfer of a batch did not move: the code, status and detail a single transfer would get."""

    code: str
    status: int
    detail: str
    field: str | None


class BatchItemOut(Out):
    """One transfer of a batch, at its place in the request."""

    index: int
    status: Literal["moved", "refused"]
    transfer: TransferOut | None = Field(description="The transfer made; null when refused")
    problem: ItemProblem | None = Field(description="Why it did not move; null when moved")


class TransferBatchOut(Out):
    """A batch that moved money: one result per transfer, in request order."""

    id: int
    mode: Literal["atomic", "independent"]
    status: Literal["applied", "partial"] = Field(
        description="applied: every transfer moved; partial: some were refused"
    )
    moved: int
    refused: int
    created_at: datetime
    items: list[BatchItemOut]


class AuditEventOut(Out):
    """One entry of the audit trail; ``seq`` is null until the sealer has chained it."""

    id: int
    created_at: datetime
    actor_id: int | None
    client_ip: str | None
    event: str
    object: str | None
    outcome: str
    details: dict
    seq: int | None


class AuditPageOut(Out):
    """A page of the audit trail, newest first."""

    items: list[AuditEventOut]
    next_cursor: str | None


class AdminUserOut(UserOut):
    """A user as a teller sees one, with the login status."""

    status: Literal["active", "disabled"]


PayeeName = Annotated[str, Field(max_length=70, examples=["Dan Secretname"], json_schema_extra={"pattern": NOT_BLANK})]


class PayeeIn(Strict):
    """Save a payee: the name you know them by (checked against the holder's) and their account."""

    name: PayeeName
    account_number: AccountNumber
    confirmed: bool = Field(
        default=False, description="Save even though the name is not a match (after showing the customer why)"
    )


class PayeeRenameIn(Strict):
    """Give a payee another name (checked against the holder's again)."""

    name: PayeeName
    confirmed: bool = False


class NameCheckOut(Out):
    """match, close_match (with the name the bank holds) or no_match (and no name)."""

    result: Literal["match", "close_match", "no_match"]
    held_name: str | None


class PayeeOut(Out):
    """A saved payee."""

    id: int
    name: str
    account_number: str
    name_check: Literal["match", "close_match", "no_match"]
    created_at: datetime


class PayeeList(Out):
    """The caller's payees, by name."""

    items: list[PayeeOut]


class UnlockRequestIn(Strict):
    """Ask for an unlock link by e-mail, during a login lockout."""

    email: str = Field(max_length=254, json_schema_extra={"pattern": NO_NUL})


class SessionOut(Out):
    """An active session of the caller's: a web login or an API token."""

    id: str
    kind: Literal["web", "api"]
    device: str = Field(description='Named from the User-Agent, such as "Chrome on Android"')
    client_ip: str | None = Field(description="The address of its last use")
    created_at: datetime
    last_used_at: datetime = Field(description="Noted at most once a minute")
    current: bool = Field(description="Whether this request's token belongs to it")


class SessionList(Out):
    """The caller's active sessions, most recently used first."""

    items: list[SessionOut]


class SessionsEndedOut(Out):
    """How many sessions were signed out."""

    ended: int
