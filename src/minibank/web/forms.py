"""Flask-WTF forms: every state-changing form carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..security.passwords import MAX_LENGTH

TOO_LONG = f"Use at most {MAX_LENGTH} characters."


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)])


class RegisterForm(FlaskForm):
    """A new customer's details."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    name = StringField("Full name", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)],
                             description="At least 12 characters. A passphrase of several words is easy to remember.")


class PasswordForm(FlaskForm):
    """Change the password; the current one is required."""

    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)],
                                 description="At least 12 characters.")


class ButtonForm(FlaskForm):
    """A form with no fields: just the CSRF token behind a button (logout, open account)."""
