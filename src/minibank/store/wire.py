"""Moves, batches and their outcomes as JSON lines, for SQLite's writer process and the workers that send to it."""

import orjson

from ..domain import errors
from ..domain.batches import BatchOrder, BatchRecord, BatchRefused
from ..domain.moves import Move, Session, TransferRecord
from ..domain.transfers import Limits
from .batch_rows import refusals_from, results_from, results_json
from .driver import read_time


def move_line(move: Move) -> bytes:
    """One move as a JSON line (a move refused before the rule is never sent: see Ledger.submit)."""
    # orjson writes dataclasses itself, in C; dataclasses.asdict deep-copies every field first.
    return orjson.dumps(move) + b"\n"


def order_line(order: BatchOrder) -> bytes:
    """A customer's batch as a JSON line; an item refused before the rule goes with its refusal."""
    return orjson.dumps({"order": order}, default=_error_fields) + b"\n"


def request_from(fields: dict) -> Move | BatchOrder:
    """The move or the batch a line carried; ValueError for anything that is neither."""
    if "order" not in fields:
        return move_from(fields)
    try:
        order = dict(fields["order"])
        moves = tuple(move_from(move) for move in order.pop("moves"))
        return BatchOrder(**order, moves=moves)
    except (TypeError, KeyError, AttributeError) as error:
        raise ValueError("not a batch") from error


def move_from(fields: dict) -> Move:
    """The move a line carried; ValueError for anything that is not one."""
    try:
        limits = Limits(**fields.pop("limits"))
        session = fields.pop("session")
        refused = fields.pop("refused", None)
        return Move(
            **fields,
            limits=limits,
            session=Session(**session) if session is not None else None,
            refused=_error_from(refused) if refused is not None else None,
        )
    except (TypeError, KeyError, AttributeError) as error:
        raise ValueError("not a move") from error


def _error_fields(error) -> dict:
    """A refusal as JSON: its class's name, its detail and its field."""
    if not isinstance(error, errors.BankError):
        raise TypeError(f"{type(error).__name__} does not go on the wire")
    return {"error": type(error).__name__, "detail": error.detail, "field": error.field}


def _error_from(fields: dict) -> errors.BankError:
    """The refusal ``_error_fields`` wrote; an unknown one is an unknown outcome."""
    kind = getattr(errors, fields["error"], None)
    if not (isinstance(kind, type) and issubclass(kind, errors.BankError)):
        return errors.OutcomeUnknown()
    return kind(fields["detail"], field=fields["field"])


def outcome_line(outcome) -> bytes:
    """A move's or a batch's outcome as a JSON line: what was written and whether it replays, or the refusal."""
    if isinstance(outcome, BatchRefused):
        return orjson.dumps({"refused_items": results_json(outcome.items)}) + b"\n"
    if isinstance(outcome, errors.BankError):
        return orjson.dumps(_error_fields(outcome)) + b"\n"
    record, replayed = outcome
    if isinstance(record, BatchRecord):
        batch = {
            "id": record.id,
            "owner_id": record.owner_id,
            "mode": record.mode,
            "status": record.status,
            "created_at": record.created_at,
            "results": results_json(record.items),
        }
        return orjson.dumps({"batch": batch, "replayed": replayed}) + b"\n"
    return orjson.dumps({"record": record, "replayed": replayed}) + b"\n"


def outcome_from(reply: dict):
    """The outcome a reply carried: (record, replayed), or the refusal to raise."""
    if "error" in reply:
        return _error_from(reply)
    if "refused_items" in reply:
        # Every item is a refusal: no transfer to give an owner or a time.
        return BatchRefused(refusals_from(reply["refused_items"]))
    if "batch" in reply:
        batch = dict(reply["batch"])
        created_at = read_time(batch.pop("created_at"))
        items = results_from(batch.pop("results"), owner_id=batch["owner_id"], created_at=created_at)
        return BatchRecord(**batch, created_at=created_at, items=items), reply["replayed"]
    record = reply["record"]
    return TransferRecord(**{**record, "created_at": read_time(record["created_at"])}), reply["replayed"]
