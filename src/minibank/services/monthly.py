"""Money in and out of one account per calendar month, in the bank's time zone, for the last twelve months."""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import bindparam, text

from ..db import Database
from ..models import UTCDateTime, utcnow
from .accounts import Account, get_by_number

MONTHS = 12


@dataclass(frozen=True, slots=True)
class Month:
    """One calendar month's movements: money in and money out, both as positive minor units."""

    start: date
    money_in: int
    money_out: int

    @property
    def net(self) -> int:
        """What the month added to (or, negative, took from) the balance."""
        return self.money_in - self.money_out


@dataclass(frozen=True, slots=True)
class MonthlyFlows:
    """An account and its last months, oldest first, the current one last."""

    account: Account
    months: list[Month]


def month_starts(now: datetime, zone: tzinfo, count: int = MONTHS) -> list[datetime]:
    """Midnight on the 1st of the last ``count`` months in ``zone`` (the current one last), and of the next."""
    local = now.astimezone(zone)
    first = local.year * 12 + local.month - count  # months since year 0, zero-based
    return [datetime(index // 12, index % 12 + 1, 1, tzinfo=zone) for index in range(first, first + count + 1)]


# The month boundaries are cut in Python, where zoneinfo knows every offset and daylight-saving
# change, and bound as UTC instants; the SQL only counts how many boundaries an entry has passed.
# So one statement, the same on both engines, sums in the database and returns twelve rows at
# most, exact in any zone (SQLite has no time zones; days or hours in UTC would split wrongly
# in a zone 30 or 45 minutes off the hour, or on the day the clocks change).
def _query(count: int):
    buckets = " ".join(f"WHEN e.created_at < :b{i + 1} THEN {i}" for i in range(count))
    sql = (
        f"SELECT CASE {buckets} END AS month, "
        "SUM(CASE WHEN e.amount > 0 THEN e.amount ELSE 0 END) AS money_in, "
        "SUM(CASE WHEN e.amount < 0 THEN -e.amount ELSE 0 END) AS money_out "
        f"FROM entries e WHERE e.account_id = :account AND e.created_at >= :b0 AND e.created_at < :b{count} "
        "GROUP BY 1"
    )
    return text(sql).bindparams(*(bindparam(f"b{i}", type_=UTCDateTime) for i in range(count + 1)))


_MONTHS_QUERY = _query(MONTHS)


def last_months(
    db: Database, *, number: str, owner_id: int | None, zone: tzinfo, now: datetime | None = None
) -> MonthlyFlows:
    """The account's money in and out per month for the last twelve months; another owner's account is NotFound."""
    account = get_by_number(db, number=number, owner_id=owner_id)
    starts = month_starts(now or utcnow(), zone)
    params = {"account": account.id, **{f"b{i}": start for i, start in enumerate(starts)}}
    rows = db.read(lambda conn: conn.execute(_MONTHS_QUERY, params).all())
    # PostgreSQL sums bigints as numeric (a Decimal); SQLite as an int.
    sums = {row.month: (int(row.money_in), int(row.money_out)) for row in rows}
    months = [Month(start.date(), *sums.get(i, (0, 0))) for i, start in enumerate(starts[:-1])]
    return MonthlyFlows(account, months)
