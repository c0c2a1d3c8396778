"""The audit trail in the back office: events filtered by who, what, which object and when; the chain's state."""

from datetime import datetime, time, timedelta

from flask import render_template, request

from ..domain.errors import BankError
from ..extensions import db
from ..security.permissions import Permission
from ..services import audit, audit_chain, users
from . import bp
from .admin_forms import AuditFilterForm
from .admin_guard import staff_page
from .filters import bank_zone

PAGE_SIZE = 50
FILTER_NAMES = ("actor", "event", "object", "from", "to")


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=bank_zone())


def _actor_id(text: str) -> int:
    """A user id typed as digits, or the id of the user with that e-mail address."""
    if text.isdigit():
        return int(text) if len(text) < 19 else 0
    return users.get_by_email(db, email=text).id


def _where(form: AuditFilterForm) -> audit.AuditFilter:
    start, end = form.start.day, form.end.day
    return audit.AuditFilter(
        actor_id=_actor_id(form.actor.data) if form.actor.data else None,
        event=form.event.data or None,
        object=form.object.data or None,
        since=_start_of(start) if start else None,
        until=_start_of(end + timedelta(days=1)) if end else None,
    )


def _cursor() -> int | None:
    text = request.args.get("before", "")
    return int(text) if text.isdigit() and 0 < len(text) < 19 and int(text) > 0 else None


@bp.get("/admin/audit")
@staff_page(Permission.READ_AUDIT)
def admin_audit():
    """Audit events newest first, a page at a time, and whether the hash chain holds (as `minibank verify-audit`)."""
    form = AuditFilterForm(request.args)
    valid = form.validate() if form.is_filtering() else True
    page = None
    if valid:
        try:
            page = audit.list_events(db, limit=PAGE_SIZE, before_id=_cursor(), where=_where(form))
        except BankError:
            form.actor.errors = [*form.actor.errors, "No user has that e-mail address."]
            valid = False
    kept = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)} if valid else {}
    return render_template(
        "admin/audit.html",
        filters=form,
        page=page,
        kept=kept,
        paged=_cursor() is not None,
        chain=audit_chain.verify(db),
    ), (200 if valid else 400)
