"""The bank's error vocabulary: each refusal has a stable machine code."""


class BankError(Exception):
    """Base of every refusal the bank explains to its caller."""

    code = "bank_error"
    field: str | None = None
    retry_after: int | None = None  # seconds to wait before trying again, sent as Retry-After

    def __init__(self, detail: str | None = None, *, field: str | None = None):
        super().__init__(detail or self.default_detail())
        self.detail = detail or self.default_detail()
        if field is not None:
            self.field = field

    @classmethod
    def default_detail(cls) -> str:
        """The message shown when the raiser gives none."""
        return cls.__doc__ or cls.code


class InvalidAmount(BankError):
    """The amount must be a positive number with at most two decimals."""

    code = "invalid_amount"
    field = "amount"


class InvalidInput(BankError):
    """The request is not valid."""

    code = "validation_error"


class InvisibleCharacters(InvalidInput):
    """The text holds a character that does not show as itself (control, format, separator...)."""

    code = "invisible_characters"


class InvalidCursor(InvalidInput):
    """The cursor is not one the bank issued (or it has expired): start again from the first page."""

    code = "invalid_cursor"
    field = "cursor"


class AccountNotFound(BankError):
    """No such account."""

    code = "not_found"
    field = "from"


class NotFound(BankError):
    """Not found."""

    code = "not_found"


class SameAccount(BankError):
    """The source and destination accounts must differ."""

    code = "same_account"
    field = "to"


class UnknownDestination(BankError):
    """There is no account with that number."""

    code = "unknown_destination"
    field = "to"


class AccountClosed(BankError):
    """The account is closed."""

    code = "account_closed"


class AccountFrozen(BankError):
    """The account is frozen: it receives money but cannot send any."""

    code = "account_frozen"


class CurrencyMismatch(BankError):
    """Both accounts must hold the same currency."""

    code = "currency_mismatch"
    field = "to"


class LimitExceeded(BankError):
    """The transfer exceeds your transfer limit."""

    code = "limit_exceeded"
    field = "amount"


class InsufficientFunds(BankError):
    """The account does not hold enough money for this transfer."""

    code = "insufficient_funds"
    field = "amount"


class IdempotencyKeyReused(BankError):
    """This idempotency key was already used for a different request."""

    code = "idempotency_key_reused"


class Unauthenticated(BankError):
    """Authentication is required: send a valid, unexpired access token."""

    code = "unauthenticated"


class Forbidden(BankError):
    """Your role does not allow this."""

    code = "forbidden"


class Conflict(BankError):
    """The request conflicts with the current state."""

    code = "conflict"


class OutcomeUnknown(BankError):
    """The move may or may not have happened: the bank could not confirm its outcome."""

    @classmethod
    def default_detail(cls) -> str:
        """What to do: look before sending again, or retry with the key."""
        return (
            "We could not confirm whether this went through. Check the account's transfers before sending again; "
            "a retry with the same Idempotency-Key is always safe, as it never moves money twice."
        )

    code = "outcome_unknown"
    retry_after = 1


class Busy(BankError):
    """The bank is busy; please try again in a moment."""

    code = "busy"
    retry_after = 1


class LedgerUnavailable(BankError):
    """The ledger could not record the move (a full disk, a broken constraint); nothing was moved."""

    code = "ledger_unavailable"
    retry_after = 5


class SecondFactorRequired(BankError):
    """This login has two-factor authentication: send the 6-digit code from the app, or a recovery code."""

    code = "second_factor_required"
    field = "otp"

    def __init__(self, detail: str | None = None, *, user_id: int | None = None):
        super().__init__(detail)
        self.user_id = user_id  # whose password was right: the web's second page continues their login


class InvalidSecondFactor(BankError):
    """The code is incorrect, or was already used."""

    code = "invalid_second_factor"
    field = "otp"


class SecondFactorEnrolmentRequired(BankError):
    """Staff need two-factor authentication: set it up on the web (Settings, Two-factor authentication) first."""

    code = "second_factor_enrolment_required"
