"""The bank test's client processes: writers move money through the API, readers check balances.

Standard library only, so that spawning a client process costs little. Everything a client
decides comes from its own seeded generator; only the timing of retries is left to chance.
"""

import http.client
import itertools
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

TIMEOUT = 10
# Refusals the bank may give a well-formed transfer under load; anything else is a finding.
REFUSALS = {"insufficient_funds", "limit_exceeded"}
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Customer:
    """A customer of the test: e-mail, user id, account numbers and an API token."""

    email: str
    user_id: int
    numbers: tuple[str, ...]
    token: str = ""


@dataclass(frozen=True)
class Plan:
    """What every client needs: where the servers are, who the customers are, when to stop."""

    seed: int
    tag: str
    bases: tuple[str, ...]
    customers: tuple[Customer, ...]
    max_amount: int
    deadline: float
    grace: float


@dataclass
class Report:
    """What one client saw: acknowledged transfers, counts of outcomes, and problems."""

    acked: list = field(default_factory=list)  # (key, id, amount, from, to)
    counts: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)

    def problem(self, text: str) -> None:
        """Record a finding (the first few are kept)."""
        self.counts["problems"] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


class Unavailable(Exception):
    """No usable answer: connection refused or reset, timeout, or a 5xx."""


def call(base: str, method: str, path: str, *, token: str = "", body=None, key: str | None = None):
    """One HTTP exchange on a fresh connection: (status, headers, JSON body); Unavailable when there is no answer."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise Unavailable(type(error).__name__) from None
    finally:
        connection.close()
    if response.status >= 500:
        raise Unavailable(f"http-{response.status}")
    return response.status, response.headers, json.loads(data) if data else {}


def cents(text: str) -> int:
    """The API's decimal text as integer cents."""
    return int(Decimal(text) * 100)


def retrying(plan: Plan, report: Report, attempt_call, *, rotate: int = 0):
    """Call ``attempt_call(base)`` until it answers, rotating over the servers; None after the grace period."""
    give_up = plan.deadline + plan.grace
    for attempt in itertools.count():
        try:
            return attempt_call(plan.bases[(rotate + attempt) % len(plan.bases)])
        except Unavailable as error:
            report.counts[f"retry {error}"] += 1
        if time.time() > give_up:
            return None
        # Jitter from the global generator: the seeded ones decide only what is sent.
        time.sleep(min(0.02 * 2**attempt, 0.5) * random.random())


def writer(plan: Plan, index: int) -> Report:
    """Send seeded random transfers until the deadline, each under its own idempotency key."""
    rng = random.Random(f"{plan.seed}:writer:{index}")
    everyone = [number for customer in plan.customers for number in customer.numbers]
    report = Report()
    sequence = 0
    while time.time() < plan.deadline:
        customer = rng.choice(plan.customers)
        source = rng.choice(customer.numbers)
        destination = rng.choice([number for number in everyone if number != source])
        amount = rng.randint(1, plan.max_amount)
        key = f"bank-{plan.tag}-w{index}-{sequence}"
        body = {"from_account": source, "to_account": destination, "amount": f"{amount / 100:.2f}", "memo": key}
        answer = retrying(
            plan,
            report,
            lambda base, token=customer.token, body=body, key=key: call(
                base, "POST", "/api/v1/transfers", token=token, body=body, key=key
            ),
            rotate=index + sequence,
        )
        sequence += 1
        _record_transfer(report, key, (amount, source, destination), answer)
    return report


def _record_transfer(report: Report, key: str, sent: tuple, answer) -> None:
    if answer is None:
        report.problem(f"{key}: no answer within the grace period")
        return
    status, headers, body = answer
    if status == 201:
        amount, source, destination = sent
        if (cents(body["amount"]), body["from_account"], body["to_account"]) != sent:
            report.problem(f"{key}: acknowledged {body}, sent {sent}")
        report.acked.append((key, body["id"], amount, source, destination))
        report.counts["replayed" if headers.get("Idempotent-Replayed") == "true" else "acknowledged"] += 1
    elif status == 422 and body.get("code") in REFUSALS:
        report.counts[f"refused {body['code']}"] += 1
    else:
        report.problem(f"{key}: unexpected {status} {body}")


def reader(plan: Plan, index: int) -> Report:
    """Read every customer's accounts until the deadline; each read must show all of them, none negative."""
    rng = random.Random(f"{plan.seed}:reader:{index}")
    report = Report()
    while time.time() < plan.deadline:
        customer = rng.choice(plan.customers)
        answer = retrying(
            plan,
            report,
            lambda base, token=customer.token: call(base, "GET", "/api/v1/accounts", token=token),
            rotate=index + report.counts["reads"],
        )
        if answer is None:
            report.problem(f"reader {index}: no answer within the grace period")
            break
        report.counts["reads"] += 1
        check_read(report, customer, answer)
    return report


def check_read(report: Report, customer: Customer, answer) -> dict[str, int]:
    """Check one read of a customer's accounts; returns their balances in cents."""
    status, _, body = answer
    if status != 200:
        report.problem(f"{customer.email}: read answered {status} {body}")
        return {}
    balances = {item["number"]: cents(item["balance"]) for item in body["items"]}
    if set(balances) != set(customer.numbers):
        report.problem(f"{customer.email}: read shows accounts {sorted(balances)}, expected {sorted(customer.numbers)}")
    negative = {number: balance for number, balance in balances.items() if balance < 0}
    if negative:
        report.problem(f"{customer.email}: negative balances {negative}")
    return balances
