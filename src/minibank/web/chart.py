"""The money chart's drawing: bars, gridlines and labels in the SVG's own units, from the monthly figures."""

from dataclasses import dataclass

from ..domain.money import MINOR_PER_MAJOR, format_amount
from ..services.monthly import Month

# SVG user units. 340 wide is drawn about 1:1 on a 375 px phone, so its 12-unit text reads as
# 12 px there; wider screens draw it larger, and the stylesheet caps the width and shrinks the text.
WIDTH, HEIGHT = 340, 210
LEFT, RIGHT, TOP, BOTTOM = 40, 2, 8, 30
GRIDLINES = 4
BAR, GAP = 8, 1
NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: where it stands and what it shows."""

    kind: str  # "in" or "out"
    x: float
    y: float
    height: float
    amount: int


@dataclass(frozen=True, slots=True)
class Slot:
    """One month's place on the chart: its pair of bars and its label (and the year under January and the first)."""

    month: Month
    name: str
    centre: float
    bars: tuple[Bar, Bar]
    label: str
    year: str | None


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the template draws, plus the totals its summary speaks of."""

    slots: list[Slot]
    gridlines: list[tuple[float, str]]
    money_in: int
    money_out: int

    width = WIDTH
    height = HEIGHT
    bar = BAR
    left = LEFT
    right = WIDTH - RIGHT
    base = HEIGHT - BOTTOM


def month_name(month: Month) -> str:
    """The month as people read it, "May 2025", in English whatever the server's locale."""
    return f"{NAMES[month.start.month - 1]} {month.start.year}"


def nice_step(top: int, lines: int = GRIDLINES) -> int:
    """The smallest 1, 2 or 5 times a power of ten (in minor units, a whole unit at least) that reaches ``top``."""
    wanted = max(MINOR_PER_MAJOR, -(-top // lines))
    power = 10 ** (len(str(wanted)) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= wanted)


def axis_label(minor: int, step: int) -> str:
    """A gridline's amount, short: "7,500", "20k", "3M", or "0.50" for steps below a whole unit."""
    if minor == 0:
        return "0"
    if step % MINOR_PER_MAJOR:
        return format_amount(minor)
    whole, step_whole = minor // MINOR_PER_MAJOR, step // MINOR_PER_MAJOR
    size, suffix = next((s, x) for s, x in ((10**6, "M"), (10**3, "k"), (1, "")) if step_whole % s == 0)
    return f"{whole // size:,}{suffix}"


def draw(months: list[Month]) -> Chart:
    """Lay the months out as paired bars (in, then out) over a scale of a few round amounts."""
    step = nice_step(max((max(m.money_in, m.money_out) for m in months), default=0))
    top = step * GRIDLINES
    plot = HEIGHT - TOP - BOTTOM
    width = (WIDTH - LEFT - RIGHT) / len(months)

    def bar(kind: str, x: float, amount: int) -> Bar:
        # A bar too small to see is drawn one unit tall: the month did have movements.
        height = max(plot * amount / top, 1.0) if amount else 0.0
        return Bar(kind, round(x, 2), round(HEIGHT - BOTTOM - height, 2), round(height, 2), amount)

    slots = []
    for i, month in enumerate(months):
        centre = LEFT + width * (i + 0.5)
        bars = (bar("in", centre - GAP / 2 - BAR, month.money_in), bar("out", centre + GAP / 2, month.money_out))
        year = str(month.start.year) if i == 0 or month.start.month == 1 else None
        slots.append(Slot(month, month_name(month), round(centre, 2), bars, NAMES[month.start.month - 1][:3], year))
    gridlines = [
        (round(HEIGHT - BOTTOM - plot * n / GRIDLINES, 2), axis_label(step * n, step)) for n in range(GRIDLINES + 1)
    ]
    return Chart(slots, gridlines, sum(m.money_in for m in months), sum(m.money_out for m in months))
