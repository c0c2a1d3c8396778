"""Moves and their outcomes as JSON lines, for SQLite's writer process and the workers that send to it."""

from dataclasses import asdict

import orjson

from ..domain import errors
from ..domain.moves import Move, Session, TransferRecord
from ..domain.transfers import Limits
from .driver import read_time


def move_line(move: Move) -> bytes:
    """One move as a JSON line (a move refused before the rule is never sent: see Ledger.submit)."""
    fields = asdict(move)
    del fields["refused"]
    return orjson.dumps(fields) + b"\n"


def move_from(fields: dict) -> Move:
    """The move a line carried; ValueError for anything that is not one."""
    try:
        limits = Limits(**fields.pop("limits"))
        session = fields.pop("session")
        return Move(**fields, limits=limits, session=Session(**session) if session is not None else None)
    except (TypeError, KeyError, AttributeError) as error:
        raise ValueError("not a move") from error


def outcome_line(outcome) -> bytes:
    """A move's outcome as a JSON line: the transfer and whether it replays, or the refusal."""
    if isinstance(outcome, errors.BankError):
        return orjson.dumps({"error": type(outcome).__name__, "detail": outcome.detail, "field": outcome.field}) + b"\n"
    record, replayed = outcome
    return orjson.dumps({"record": asdict(record), "replayed": replayed}) + b"\n"


def outcome_from(reply: dict):
    """The outcome a reply carried: (record, replayed), or the refusal to raise."""
    if "error" in reply:
        kind = getattr(errors, reply["error"], None)
        if not (isinstance(kind, type) and issubclass(kind, errors.BankError)):
            return errors.OutcomeUnknown()
        return kind(reply["detail"], field=reply["field"])
    record = reply["record"]
    return TransferRecord(**{**record, "created_at": read_time(record["created_at"])}), reply["replayed"]
