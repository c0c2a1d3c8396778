"""The ledger engine's hourly outgoing totals held against the transfers they count, in each dialect's SQL."""

from sqlalchemy import Connection, TextClause, text

_OUTGOING = (
    "SELECT COALESCE(o.user_id, t.user_id), COALESCE(o.hour, t.hour), o.total, t.total "
    "FROM outgoing_totals o FULL OUTER JOIN ("
    "SELECT initiator_id AS user_id, {hour} AS hour, SUM(amount) AS total FROM transfers "
    "WHERE kind = 'transfer' GROUP BY initiator_id, {hour}) t ON o.user_id = t.user_id AND o.hour = t.hour "
    "WHERE {differ}"
)
_OUTGOING_CHECK = {
    "postgresql": text(
        _OUTGOING.format(hour="date_trunc('hour', created_at)", differ="o.total IS DISTINCT FROM t.total")
    ),
    "sqlite": text(
        _OUTGOING.format(hour="strftime('%Y-%m-%d %H:00:00.000000', created_at)", differ="o.total IS NOT t.total")
    ),
}


def outgoing_totals_check(conn: Connection) -> TextClause:
    """The query for every (customer, hour) whose stored total is not the sum of their transfers that hour."""
    # The daily limit reads hourly totals; they must be exactly the customers' transfers.
    return _OUTGOING_CHECK[conn.dialect.name]
