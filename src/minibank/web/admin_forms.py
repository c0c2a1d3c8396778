"""The back office's forms: finding a customer, cash at the counter, the audit trail's filters."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..services.customers import SEARCH_MAX_LENGTH
from .forms import StatementForm, account_number_field, amount_field, form_token_field, memo_field, strip_text


class CustomerSearchForm(FlaskForm):
    """Part of a name, an e-mail address or an account number (a GET form: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, e-mail or account number",
        filters=[strip_text],
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
    account = account_number_field("Account number", "Type the customer's account number.")
    amount = amount_field()
    memo = memo_field()
    token = form_token_field()


class AuditFilterForm(StatementForm):
    """Which audit events to show (a GET form); days in the bank's time zone, both included."""

    actor = StringField(
        "Who (user id or e-mail)",
        filters=[strip_text],
        validators=[Optional(), Length(max=254)],
        render_kw={"type": "search"},
    )
    event = StringField(
        "Event", filters=[strip_text], validators=[Optional(), Length(max=40)], description="For example deposit"
    )
    object = StringField(
        "Object",
        filters=[strip_text],
        validators=[Optional(), Length(max=80)],
        description="An account number, or user:ID",
    )

    def is_filtering(self) -> bool:
        """Whether anything narrows the trail."""
        return any(bool(f.data) for f in (self.actor, self.event, self.object, self.start, self.end))
