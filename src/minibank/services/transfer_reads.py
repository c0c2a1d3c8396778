"""Reading one committed transfer with both account numbers, on the driver connection."""

from ..db import driver_sql, read_time
from ..domain.moves import TransferRecord

_GET_TRANSFER = driver_sql(
    "SELECT t.id, t.kind, s.number, d.number, t.amount, t.currency, t.memo, t.created_at, t.initiator_id, "
    "s.owner_id, d.owner_id FROM transfers t JOIN accounts s ON s.id = t.source_id "
    "JOIN accounts d ON d.id = t.destination_id WHERE t.id = :id"
)


def get_transfer(conn, dialect: str, transfer_id: int) -> TransferRecord | None:
    """One transfer by id, or None."""
    cursor = conn.cursor()
    cursor.execute(_GET_TRANSFER[dialect], {"id": transfer_id})
    row = cursor.fetchone()
    if row is None:
        return None
    return TransferRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], read_time(row[7]), row[8], row[9], row[10])
