"""Service results turned into the API's response shapes (money as decimal text)."""

from .schemas import AccountOut, AdminUserOut, AuditEventOut, HistoryItemOut, TransferOut, money


def account_out(account) -> dict:
    """An account as the API shows it."""
    return AccountOut(
        number=account.number,
        name=account.name,
        currency=account.currency,
        balance=money(account.balance),
        status=account.status,
        opened_at=account.opened_at,
    ).model_dump(mode="json")


def transfer_out(record) -> dict:
    """A committed transfer as the API shows it."""
    return TransferOut(
        id=record.id,
        kind=record.kind,
        from_account=record.source,
        to_account=record.destination,
        amount=money(record.amount),
        currency=record.currency,
        memo=record.memo,
        created_at=record.created_at,
    ).model_dump(mode="json")


def history_item_out(item) -> dict:
    """One history entry as the API shows it."""
    return HistoryItemOut(
        id=item.id,
        transfer_id=item.transfer_id,
        kind=item.kind,
        amount=money(item.amount),
        balance_after=money(item.balance_after),
        counterparty=item.counterparty,
        memo=item.memo,
        created_at=item.created_at,
    ).model_dump(mode="json")


def audit_event_out(event) -> dict:
    """One audit event as the API shows it."""
    return AuditEventOut.model_validate(event, from_attributes=True).model_dump(mode="json")


def admin_user_out(user) -> dict:
    """A user as a teller sees one."""
    return AdminUserOut.model_validate(user, from_attributes=True).model_dump(mode="json")
