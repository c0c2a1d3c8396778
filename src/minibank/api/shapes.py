"""Service results turned into the API's response shapes (money as decimal text)."""

from datetime import UTC, datetime

from pydantic import BaseModel

from .schemas import AccountOut, AdminUserOut, AuditEventOut, HistoryItemOut, money


def _shape(
    model: type[BaseModel], source, *, amounts: tuple[str, ...] = (), renamed: dict[str, str] | None = None
) -> dict:
    """The ``model`` fields read from ``source``'s attributes, minor units in ``amounts`` as decimal text."""
    renamed = renamed or {}
    values = {name: getattr(source, renamed.get(name, name)) for name in model.model_fields}
    values.update({name: money(values[name]) for name in amounts})
    return model(**values).model_dump(mode="json")


def account_out(account) -> dict:
    """An account as the API shows it."""
    return _shape(AccountOut, account, amounts=("balance",))


def transfer_out(record, created_at: str | None = None) -> dict:
    """A committed transfer as the API shows it (TransferOut): the bank's cash account is never named.

    Built by hand rather than through the model: a batch answers with a thousand of them, all
    made at one time (``created_at``: that time as api_time wrote it, written once for them all).
    """
    return {
        "id": record.id,
        "kind": record.kind,
        "from_account": None if record.kind == "deposit" else record.source,
        "to_account": None if record.kind == "withdrawal" else record.destination,
        "amount": money(record.amount),
        "currency": record.currency,
        "memo": record.memo,
        "created_at": created_at or api_time(record.created_at),
    }


def api_time(moment: datetime) -> str:
    """A UTC time as every answer writes it (pydantic's form: ISO 8601, Z for UTC)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def history_item_out(item) -> dict:
    """One history entry as the API shows it."""
    return _shape(HistoryItemOut, item, amounts=("amount", "balance_after"))


def audit_event_out(event) -> dict:
    """One audit event as the API shows it."""
    return _shape(AuditEventOut, event)


def admin_user_out(user) -> dict:
    """A user as a teller sees one."""
    return _shape(AdminUserOut, user)
