"""A transfer batch's record as the database (and the writer's wire) keeps it: its results as JSON."""

from datetime import datetime

import orjson

from ..domain.batches import BatchOrder, BatchRecord, ItemRefusal, ItemResult
from ..domain.moves import TransferRecord
from .driver import driver_sql, read_time


def results_json(items: tuple[ItemResult, ...]) -> str:
    """Each item's transfer (without what the batch holds once: kind, time, actor) or refusal, in order."""
    return orjson.dumps(
        [
            [
                item.id,
                item.source,
                item.destination,
                item.amount,
                item.currency,
                item.memo,
                item.source_owner,
                item.destination_owner,
            ]
            if isinstance(item, TransferRecord)
            else {"code": item.code, "detail": item.detail, "field": item.field}
            for item in items
        ]
    ).decode()


def refusals_from(text: str | bytes) -> tuple[ItemRefusal, ...]:
    """The items of a batch refused whole, as ``results_json`` wrote them: refusals only."""
    return tuple(ItemRefusal(**item) for item in orjson.loads(text))


def results_from(text: str | bytes, *, owner_id: int, created_at: datetime) -> tuple[ItemResult, ...]:
    """The items ``results_json`` wrote."""
    return tuple(
        ItemRefusal(**item)
        if isinstance(item, dict)
        else TransferRecord(
            item[0], "transfer", item[1], item[2], item[3], item[4], item[5], created_at, owner_id, item[6], item[7]
        )
        for item in orjson.loads(text)
    )


def batch_row(order: BatchOrder, record: BatchRecord, now) -> dict:
    """The batch's row, and its audit event's details, with ``now`` as the driver binds it."""
    return {
        "id": record.id,
        "owner_id": order.owner_id,
        "key": order.key,
        "hash": order.request_hash,
        "mode": order.mode,
        "status": record.status,
        "items": len(record.items),
        "accepted": record.accepted,
        "results": results_json(record.items),
        "now": now,
        "client_ip": order.client_ip,
        "details": orjson.dumps(
            {"mode": order.mode, "items": len(record.items), "accepted": record.accepted}, option=orjson.OPT_SORT_KEYS
        ).decode(),
    }


def stored_batches(rows) -> dict[tuple[int, str], tuple[str, BatchRecord]]:
    """(owner, key) -> (request hash, record), from rows of (owner, key, hash, id, mode, status, created_at, results)."""
    return {(row[0], row[1]): record_from(row[2:], owner_id=row[0]) for row in rows}


def record_from(row, *, owner_id: int) -> tuple[str, BatchRecord]:
    """A stored batch's request hash and record, from (hash, id, mode, status, created_at, results)."""
    request_hash, batch_id, mode, status, created_at, results = row
    created_at = read_time(created_at)
    items = results_from(results, owner_id=owner_id, created_at=created_at)
    return request_hash, BatchRecord(batch_id, owner_id, mode, status, created_at, items)


_WRITE = [
    driver_sql(sql)
    for sql in (
        "INSERT INTO transfer_batches (id, owner_id, idempotency_key, request_hash, mode, status, item_count, "
        "accepted_count, results, created_at) VALUES (:id, :owner_id, :key, :hash, :mode, :status, :items, :accepted, "
        ":results, :now)",
        "INSERT INTO audit_events (created_at, actor_id, client_ip, event, object, outcome, details) "
        "VALUES (:now, :owner_id, :client_ip, 'transfer_batch', 'transfer_batch:' || :id, 'success', :details)",
    )
]


def write_batch(conn, dialect: str, row: dict) -> None:
    """Write the batch's row and its audit event, in the transaction of its transfers."""
    for statement in _WRITE:
        conn.execute(statement[dialect], row)
