"""Service results turned into the API's response shapes (money as decimal text)."""

from pydantic import BaseModel

from .schemas import AccountOut, AdminUserOut, AuditEventOut, HistoryItemOut, TransferOut, money


def _shape(model: type[BaseModel], source, *, amounts: tuple[str, ...] = (), renamed: dict[str, str] | None = None) -> dict:
    """The ``model`` fields read from ``source``'s attributes, minor units in ``amounts`` as decimal text."""
    renamed = renamed or {}
    values = {name: getattr(source, renamed.get(name, name)) for name in model.model_fields}
    values.update({name: money(values[name]) for name in amounts})
    return model(**values).model_dump(mode="json")


def account_out(account) -> dict:
    """An account as the API shows it."""
    return _shape(AccountOut, account, amounts=("balance",))


def transfer_out(record) -> dict:
    """A committed transfer as the API shows it: the bank's cash account is never named."""
    shaped = _shape(TransferOut, record, amounts=("amount",), renamed={"from_account": "source", "to_account": "destination"})
    cash_side = {"deposit": "from_account", "withdrawal": "to_account"}.get(record.kind)
    if cash_side:
        shaped[cash_side] = None
    return shaped


def history_item_out(item) -> dict:
    """One history entry as the API shows it."""
    return _shape(HistoryItemOut, item, amounts=("amount", "balance_after"))


def audit_event_out(event) -> dict:
    """One audit event as the API shows it."""
    return _shape(AuditEventOut, event)


def admin_user_out(user) -> dict:
    """A user as a teller sees one."""
    return _shape(AdminUserOut, user)
