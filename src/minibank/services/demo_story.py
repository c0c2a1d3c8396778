"""The demo customers' last few months: salaries, rent, bills, shopping, cash, and money between friends.

Every movement is made through the ledger engine, stamped with its day in the past
(``Ledger.dated``), so the rule decides each one as it would have then. The story is the
same each time relative to the day it is loaded: it starts on the 25th four months back.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MONTHS = 4
# Businesses the demo customers deal with: holders without a login, as any other customer.
BUSINESSES = {
    "acme": ("Acme Works Ltd", "payroll@acme-works.example", 10_000_000),
    "harbour": ("Harbour Lettings", "rent@harbour-lettings.example", 0),
    "northwind": ("Northwind Energy", "billing@northwind-energy.example", 0),
    "grocers": ("Green Grocers", "tills@green-grocers.example", 0),
}
PAYEES = {
    "alice": ["harbour", "northwind", "grocers", "bob"],
    "bob": ["harbour", "northwind", "grocers", "alice"],
}


@dataclass(frozen=True, slots=True)
class Event:
    """One movement of the story: ``source`` "cash" is a deposit, ``destination`` "cash" a withdrawal."""

    when: datetime
    source: str
    destination: str
    amount: int
    memo: str


def _month_starts(today: date) -> list[date]:
    first = today.replace(day=1)
    starts = [first]
    for _ in range(MONTHS):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    return starts


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _month(start: date, n: int) -> Iterator[Event]:
    """The month from ``start``; ``n`` varies the amounts a little from one month to the next."""
    name = f"{start:%B}"
    at = start.replace
    yield Event(_at(at(day=1), 8, 30), "alice", "harbour", 125_000, f"Rent {name}")
    yield Event(_at(at(day=1), 8, 45), "bob", "harbour", 52_000, f"Rent {name}, room 2")
    yield Event(_at(at(day=3), 7, 15), "alice", "alice_savings", 5_000, "Rainy day")
    for day, alice, bob in ((6, 4_210, 3_580), (13, 6_735, 5_160), (20, 3_890, 2_975), (26, 9_125, 4_785)):
        yield Event(_at(at(day=day), 17, 40), "alice", "grocers", alice + 35 * n, "Groceries")
        yield Event(_at(at(day=day + 1), 18, 5), "bob", "grocers", bob + 20 * n, "Groceries")
    yield Event(_at(at(day=10), 6, 0), "alice", "northwind", 8_540 + 315 * n, f"Electricity {name}")
    yield Event(_at(at(day=11), 6, 0), "bob", "northwind", 3_120 + 140 * n, f"Electricity {name}")
    yield Event(_at(at(day=15), 12, 20), "alice", "cash", 6_000, "")
    yield Event(_at(at(day=16), 13, 5), "bob", "cash", 4_000, "")
    if n % 2:
        yield Event(_at(at(day=18), 21, 30), "bob", "alice", 2_450, "Dinner, my half")
    else:
        yield Event(_at(at(day=18), 20, 10), "alice", "bob", 3_000, "Concert ticket")


def _salary(start: date) -> Event:
    return Event(_at(start.replace(day=25), 9, 0), "acme", "alice", 260_000, f"Salary {start:%B}")


def _wages(first: date, last: date) -> Iterator[Event]:
    """Bob works shifts, paid each Friday."""
    day = first + timedelta(days=(4 - first.weekday()) % 7)
    while day <= last:
        yield Event(_at(day, 16, 0), "acme", "bob", 19_000, f"Wages week {day.isocalendar().week}")
        day += timedelta(days=7)


def story(now: datetime) -> list[Event]:
    """The movements from the 25th four months before ``now`` until an hour ago, oldest first.

    The current month has its bills and shopping so far but not its salary, so the balances
    the demo promises are reached from a positive opening deposit whatever the day.
    """
    today = now.astimezone(UTC).date()
    starts = _month_starts(today)
    events = [_salary(start) for start in starts[:-1]]
    events += _wages(starts[0].replace(day=25), today)
    events += [event for n, start in enumerate(starts[1:]) for event in _month(start, n)]
    latest = now - timedelta(hours=1)
    return sorted((e for e in events if e.when <= latest), key=lambda e: e.when)


def beginning(now: datetime) -> datetime:
    """When the opening deposits are made: the day before the story's first movement."""
    return _at(_month_starts(now.astimezone(UTC).date())[0].replace(day=24), 10)


def net_by_holder(events: list[Event]) -> dict[str, int]:
    """What the story adds to (or takes from) each account, by its name in the story."""
    net: dict[str, int] = {}
    for event in events:
        net[event.source] = net.get(event.source, 0) - event.amount
        net[event.destination] = net.get(event.destination, 0) + event.amount
    return net
