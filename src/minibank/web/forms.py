"""Flask-WTF forms: every state-changing form carries a CSRF token."""

import re
import secrets
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from ..domain.accounts import is_valid_number, normalize_number
from ..domain.errors import InvalidAmount
from ..domain.money import parse_amount
from ..domain.transfers import MEMO_MAX_LENGTH
from ..security.passwords import MAX_LENGTH
from ..services.history import SEARCH_MAX_LENGTH

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The ledger starts in 1970; a range must still end within the calendar after a day is added.
_FIRST_YEAR, _LAST_YEAR = 1970, 9998

TOO_LONG = f"Use at most {MAX_LENGTH} characters."
MISMATCH = "The two passwords do not match."


def confirmation_of(field_name: str, label: str) -> PasswordField:
    """A second password field that must repeat ``field_name`` exactly (a typo would lock the customer out)."""
    return PasswordField(
        label,
        validators=[DataRequired("Type the password again."), EqualTo(field_name, message=MISMATCH)],
    )


class LoginForm(FlaskForm):
    """E-mail and password; ``next``, the page to go back to (checked to be of this site)."""

    email = EmailField("E-mail", validators=[DataRequired("Type your e-mail address."), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired("Type your password."), Length(max=MAX_LENGTH, message=TOO_LONG)]
    )
    next = HiddenField()


class RegisterForm(FlaskForm):
    """A new customer's details."""

    email = EmailField("E-mail", validators=[DataRequired("Type your e-mail address."), Length(max=254)])
    name = StringField("Full name", validators=[DataRequired("Type your full name."), Length(max=100)])
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH, message=TOO_LONG)],
        description="At least 12 characters. A passphrase of several words is easy to remember.",
    )
    confirm_password = confirmation_of("password", "Confirm password")


class PasswordForm(FlaskForm):
    """Change the password; the current one is required."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Type your current password."), Length(max=MAX_LENGTH, message=TOO_LONG)],
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH, message=TOO_LONG)],
        description="At least 12 characters.",
    )
    confirm_new_password = confirmation_of("new_password", "Confirm new password")


class ResetRequestForm(FlaskForm):
    """The e-mail address to send a password reset link to."""

    email = EmailField("E-mail", validators=[DataRequired("Type your e-mail address."), Length(max=254)])


class UnlockRequestForm(FlaskForm):
    """The e-mail address whose login to send an unlock link for."""

    email = EmailField("E-mail", validators=[DataRequired("Type your e-mail address."), Length(max=254)])


class UnlockForm(FlaskForm):
    """The unlock link's token, behind a button (a link alone must not act: mail scanners follow links)."""

    token = HiddenField()


class ResetPasswordForm(FlaskForm):
    """A new password, set by the link's token."""

    token = HiddenField()
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH, message=TOO_LONG)],
        description="At least 12 characters. A passphrase of several words is easy to remember.",
    )
    confirm_new_password = confirmation_of("new_password", "Confirm new password")


class ButtonForm(FlaskForm):
    """A form with no fields: just the CSRF token behind a button (logout, open account)."""


class OpenAccountForm(FlaskForm):
    """The name the customer gives a new account."""

    name = StringField(
        "Name of the new account",
        default="Savings",
        validators=[DataRequired("Give the account a name."), Length(max=60)],
    )


def strip_text(text):
    """A field filter: text without surrounding spaces (anything else as it came)."""
    return text.strip() if isinstance(text, str) else text


# People write thousands with commas ("1,000.00"); only between groups of three digits.
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?")
_MISGROUPED = "Put commas only between groups of three digits, as in 1,000.00, or leave them out."


class AmountField(StringField):
    """Decimal text such as "12.34" or "1,000.00"; once validated, ``minor`` holds the integer minor units."""

    minor: int | None = None

    def pre_validate(self, form):
        """Parse with the bank's own rule so the form and the service never disagree."""
        self.minor = None
        if not self.data:
            return  # InputRequired says what is missing
        text = self.data
        if "," in text:
            if not _GROUPED.fullmatch(text):
                raise ValidationError(_MISGROUPED)
            text = text.replace(",", "")
        try:
            self.minor = parse_amount(text)
        except InvalidAmount as refusal:
            raise ValidationError(refusal.detail) from None


def valid_account_number(form, field):
    """Refuse a number whose check digits disagree (a typo) before the bank looks it up."""
    if field.data and not is_valid_number(field.data):
        raise ValidationError("That is not a valid account number: please check the digits.")


_MEMO_TOO_LONG = f"The memo may be at most {MEMO_MAX_LENGTH} characters."
_EXPIRED = "This form had expired. Please check the details and send again."


def new_idempotency_token() -> str:
    """A fresh random token that makes one transfer form send money at most once."""
    return secrets.token_urlsafe(24)


class SourceField(SelectField):
    """One of the customer's open accounts (a page from before an account closed may still send it)."""

    def pre_validate(self, form):
        """Say which accounts may pay, rather than WTForms' "Not a valid choice"."""
        if self.data and self.data not in {value for value, _label in self.choices or []}:
            raise ValidationError("Choose one of your open accounts to pay from.")


def account_number_field(label: str, missing: str, **kwargs) -> StringField:
    """A ten-digit account number field (spaces and dashes dropped, the check digits verified)."""
    return StringField(
        label,
        filters=[normalize_number],
        validators=[DataRequired(missing), valid_account_number],
        description="Ten digits, e.g. 1234 5678 90.",
        render_kw={"inputmode": "numeric", "data-account-number": ""},
        **kwargs,
    )


def amount_field() -> AmountField:
    """The amount to move, as a person types it (1,000.00 taken)."""
    return AmountField(
        "Amount",
        filters=[strip_text],
        validators=[InputRequired("Type an amount.")],
        description="For example 25.00",
        render_kw={"inputmode": "decimal"},
    )


def memo_field() -> StringField:
    """An optional memo, as long as a transfer's may be."""
    return StringField(
        "Memo (optional)",
        filters=[strip_text],
        validators=[Optional(), Length(max=MEMO_MAX_LENGTH, message=_MEMO_TOO_LONG)],
    )


def form_token_field() -> HiddenField:
    """The form's one-time token (its idempotency key), carried through Check and confirm."""
    return HiddenField(validators=[DataRequired(_EXPIRED), Length(max=64, message=_EXPIRED)])


class TransferForm(FlaskForm):
    """Fields `from`, `to`, `amount`, `memo`, and the idempotency token carried through confirmation."""

    source = SourceField("From", name="from", validators=[InputRequired("Choose the account to pay from.")])
    destination = account_number_field("To account number", "Type the number of the account to pay.", name="to")
    amount = amount_field()
    memo = memo_field()
    token = form_token_field()
    payee_name = StringField(
        "Their name (optional)",
        filters=[strip_text],
        validators=[Optional(), Length(max=70)],
        description="The bank checks it against the account holder's name before you confirm.",
    )
    save_payee = BooleanField("Save as a payee")
    acknowledged = BooleanField("I have checked the name and the number with the person I pay: send it anyway")

    # Kept when the session ends mid-form (web/drafts.py); the token too, so that sending the kept
    # form can never send the money twice. An acknowledgement is never kept: it is given again.
    draft_fields = ("source", "destination", "amount", "memo", "payee_name", "save_payee", "token")


class PayeeForm(FlaskForm):
    """A payee: the name the customer knows them by and their account number; ``confirmed`` after a warning."""

    name = StringField(
        "Their name",
        filters=[strip_text],
        validators=[DataRequired("Type the name of the person or business you pay."), Length(max=70)],
        description="As on their account: the bank checks it against the holder's name.",
    )
    account_number = StringField(
        "Their account number",
        filters=[normalize_number],
        validators=[DataRequired("Type the number of the account to pay."), valid_account_number],
        render_kw={"inputmode": "numeric", "data-account-number": ""},
    )
    confirmed = HiddenField()

    # Kept when the session ends mid-form (web/drafts.py); a warning's confirmation is given again.
    draft_fields = ("name", "account_number")


class PayeeRenameForm(FlaskForm):
    """A payee's new name; ``confirmed`` after a warning."""

    name = StringField(
        "New name", filters=[strip_text], validators=[DataRequired("Type the new name."), Length(max=70)]
    )
    confirmed = HiddenField()


class DayField(StringField):
    """A YYYY-MM-DD date (rendered as a date picker); ``day`` holds it once validated."""

    day: date | None = None

    def pre_validate(self, form):
        """Accept only the ISO form: 2025-01-31."""
        self.day = None
        if self.data:
            try:
                if not _ISO_DATE.fullmatch(self.data):
                    raise ValueError(self.data)
                self.day = date.fromisoformat(self.data)
                if not _FIRST_YEAR <= self.day.year <= _LAST_YEAR:
                    raise ValueError(self.data)
            except ValueError:
                self.day = None
                raise ValidationError("Give a real date as YYYY-MM-DD, e.g. 2025-01-31.") from None


class StatementForm(FlaskForm):
    """The date range of a statement download (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DayField("From", name="from", filters=[strip_text], render_kw={"type": "date"})
    end = DayField("To", name="to", filters=[strip_text], render_kw={"type": "date"})

    def validate_end(self, field):
        """Refuse a range that ends before it starts."""
        if self.start.day and field.day and field.day < self.start.day:
            raise ValidationError("The end date must not be before the start date.")


class HistoryFilterForm(StatementForm):
    """What to look for in an account's history; the same filter makes the statement download."""

    q = StringField(
        "Search",
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=SEARCH_MAX_LENGTH, message=f"Search for at most {SEARCH_MAX_LENGTH} characters."),
        ],
        description="Memo, name or account number.",
        render_kw={"type": "search"},
    )
    direction = SelectField(
        "Direction",
        choices=[
            SelectChoice("", "Money in and out"),
            SelectChoice("in", "Money in"),
            SelectChoice("out", "Money out"),
        ],
        default="",
    )
    min_amount = AmountField("Smallest amount", filters=[strip_text], render_kw={"inputmode": "decimal"})
    max_amount = AmountField("Largest amount", filters=[strip_text], render_kw={"inputmode": "decimal"})

    def validate_max_amount(self, field):
        """Refuse a range of amounts that ends below its start."""
        if self.min_amount.minor and field.minor and field.minor < self.min_amount.minor:
            raise ValidationError("The largest amount must not be below the smallest.")

    def is_filtering(self) -> bool:
        """Whether the customer asked for anything but the whole history."""
        return any(
            bool(f.data) for f in (self.start, self.end, self.q, self.direction, self.min_amount, self.max_amount)
        )
