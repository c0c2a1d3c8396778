"""A form's errors as the error summary lists them: each with the field it links to."""

from flask_wtf import FlaskForm

from . import bp

# Nothing to link to: the customer cannot see or change these fields.
_UNSEEN = ("HiddenField", "CSRFTokenField")


@bp.app_template_filter("problems")
def problems_filter(form: FlaskForm) -> list[tuple[str | None, str]]:
    """(id of the field to link to, or None, message) for every error: the form's own first, then each field's."""
    found: list[tuple[str | None, str]] = [(None, message) for message in form.form_errors]
    for field in form:
        target = None if field.type in _UNSEEN else field.id
        found.extend((target, message) for message in field.errors)
    return found
