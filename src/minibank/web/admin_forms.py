"""The back office's forms: finding a customer, cash at the counter, the audit trail's filters."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..domain.accounts import normalize_number
from ..domain.transfers import MEMO_MAX_LENGTH
from ..services.customers import SEARCH_MAX_LENGTH
from .forms import AmountField, StatementForm, valid_account_number

_EXPIRED = "This form had expired. Please check the details and send again."


def _strip(text):
    return text.strip() if isinstance(text, str) else text


class CustomerSearchForm(FlaskForm):
    """Part of a name, an e-mail address or an account number (a GET form: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, e-mail or account number",
        filters=[_strip],
        validators=[
            DataRequired("Type part of a name, an e-mail address or an account number."),
            Length(max=SEARCH_MAX_LENGTH, message=f"Search for at most {SEARCH_MAX_LENGTH} characters."),
        ],
        render_kw={"type": "search"},
    )
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=10_000)])


class CashForm(FlaskForm):
    """Cash paid in or out at the counter; the token makes one form move money at most once."""

    kind = SelectField(
        "Cash",
        choices=[SelectChoice("deposit", "Paid in (deposit)"), SelectChoice("withdrawal", "Paid out (withdrawal)")],
        validators=[InputRequired("Choose paid in or paid out.")],
    )
    account = StringField(
        "Account number",
        filters=[normalize_number],
        validators=[DataRequired("Type the customer's account number."), valid_account_number],
        description="Ten digits, e.g. 1234 5678 90.",
        render_kw={"inputmode": "numeric", "data-account-number": ""},
    )
    amount = AmountField(
        "Amount",
        filters=[_strip],
        validators=[InputRequired("Type an amount.")],
        description="For example 25.00",
        render_kw={"inputmode": "decimal"},
    )
    memo = StringField(
        "Memo (optional)",
        filters=[_strip],
        validators=[Optional(), Length(max=MEMO_MAX_LENGTH, message=f"At most {MEMO_MAX_LENGTH} characters.")],
    )
    token = HiddenField(validators=[DataRequired(_EXPIRED), Length(max=64, message=_EXPIRED)])


class AuditFilterForm(StatementForm):
    """Which audit events to show (a GET form); days in the bank's time zone, both included."""

    actor = StringField(
        "Who (user id or e-mail)",
        filters=[_strip],
        validators=[Optional(), Length(max=254)],
        render_kw={"type": "search"},
    )
    event = StringField(
        "Event", filters=[_strip], validators=[Optional(), Length(max=40)], description="For example deposit"
    )
    object = StringField(
        "Object",
        filters=[_strip],
        validators=[Optional(), Length(max=80)],
        description="An account number, or user:ID",
    )

    def is_filtering(self) -> bool:
        """Whether anything narrows the trail."""
        return any(bool(f.data) for f in (self.actor, self.event, self.object, self.start, self.end))
