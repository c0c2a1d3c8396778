"""The forms of two-factor authentication: a code at login, setting it up, new recovery codes, turning it off."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..security.passwords import MAX_LENGTH
from .forms import TOO_LONG, strip_text

_CODE_HINT = "The 6 digits your authenticator app shows now."


def code_field(label: str = "Code", description: str = _CODE_HINT) -> StringField:
    """A one-time code (6 digits, or a recovery code where the service takes one)."""
    return StringField(
        label,
        filters=[strip_text],
        validators=[DataRequired("Type the code."), Length(max=32, message="That is not a code.")],
        description=description,
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )


class LoginCodeForm(FlaskForm):
    """The second step of a login with two-factor authentication."""

    code = code_field(
        "Code", "The 6 digits your authenticator app shows now, or one of your recovery codes (such as abcde-fghjk)."
    )


class TwoFactorCodeForm(FlaskForm):
    """A current code: to finish setting up the app, or for new recovery codes."""

    code = code_field()


class TwoFactorOffForm(FlaskForm):
    """Turn two-factor authentication off: the password and a current code."""

    password = PasswordField(
        "Password", validators=[DataRequired("Type your password."), Length(max=MAX_LENGTH, message=TOO_LONG)]
    )
    code = code_field(description="From your authenticator app, or one of your recovery codes.")
