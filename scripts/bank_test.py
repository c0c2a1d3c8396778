#!/usr/bin/env python3
"""The bank test, after Jepsen's `bank` workload: money moved at random through the HTTP API
by several client processes while others read balances; at the end nothing is lost, nothing
is doubled and both verify commands pass.

Run it against running servers and their database, with the project's virtualenv:

    .venv/bin/python scripts/bank_test.py --base-url http://127.0.0.1:5000 \\
        --database-url "$MINIBANK_DATABASE_URL" --duration 10 --seed 42

The servers need rate limits off (MINIBANK_RATELIMIT_ENABLED=false): the clients log in and
send money far faster than a person would. Each run makes customers of its own, so one
database can host many runs. Exits 0 when every check passes, else 1, naming the failures
and the seed to rerun with.
"""

import argparse
import multiprocessing
import os
import random
import re
import secrets
import sys
import time
import traceback
from dataclasses import replace
from decimal import Decimal

from bank_clients import Customer, Plan, Report, call, check_read, reader, retrying, writer

RUNNING = "bank test: running"


def _amount(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,2})?", text) or not Decimal(text):
        raise argparse.ArgumentTypeError(f"not a positive amount such as 12.34: {text!r}")
    return int(Decimal(text) * 100)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number above 0: {text!r}")
    return int(text)


def parse_args(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--base-url",
        action="append",
        required=True,
        dest="bases",
        help="an app server such as http://127.0.0.1:5000; repeat it and the clients alternate",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("MINIBANK_DATABASE_URL"),
        help="the servers' database (default: MINIBANK_DATABASE_URL)",
    )
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of load (default 8)")
    parser.add_argument(
        "--seed", type=int, default=None, help="makes the clients' choices repeatable (default: random)"
    )
    parser.add_argument("--writers", type=_positive, default=4, help="client processes sending transfers (default 4)")
    parser.add_argument("--readers", type=_positive, default=2, help="client processes reading balances (default 2)")
    parser.add_argument("--customers", type=_positive, default=8, help="customers to make (default 8)")
    parser.add_argument("--accounts", type=_positive, default=2, help="accounts per customer (default 2)")
    parser.add_argument("--balance", type=_amount, default="1000.00", help="opening balance of each account (1000.00)")
    parser.add_argument("--max-amount", type=_amount, default="250.00", help="largest transfer (250.00)")
    parser.add_argument(
        "--grace",
        type=float,
        default=30.0,
        help="seconds past the end a client keeps retrying its last request (default 30)",
    )
    options = parser.parse_args(argv)
    if not options.database_url:
        parser.error("--database-url (or MINIBANK_DATABASE_URL) is required")
    if options.customers * options.accounts < 2:
        parser.error("money needs two accounts to move between: raise --customers or --accounts")
    if options.seed is None:
        options.seed = random.randrange(2**31)
    return options


def log_in(plan: Plan, report: Report) -> Plan:
    """The plan with an API token for every customer."""
    from bank_ledger import PASSWORD

    def token(customer: Customer) -> str:
        body = {"email": customer.email, "password": PASSWORD}
        answer = retrying(plan, report, lambda base: call(base, "POST", "/api/v1/auth/token", body=body))
        if answer is None or answer[0] != 200:
            raise RuntimeError(f"{customer.email} could not log in: {answer}")
        return answer[2]["access_token"]

    return replace(plan, customers=tuple(replace(customer, token=token(customer)) for customer in plan.customers))


def run_clients(plan: Plan, options, report: Report) -> None:
    """Writers and readers, each a process of its own, until the deadline; their findings go into ``report``."""
    with multiprocessing.get_context("spawn").Pool(options.writers + options.readers) as pool:
        print(
            f"{RUNNING} {options.writers} writers and {options.readers} readers for {options.duration}s "
            f"against {' '.join(plan.bases)}",
            flush=True,
        )
        plan = replace(plan, deadline=time.time() + options.duration)
        jobs = [pool.apply_async(writer, (plan, i)) for i in range(options.writers)]
        jobs += [pool.apply_async(reader, (plan, i)) for i in range(options.readers)]
        for job in jobs:
            client = job.get(timeout=options.duration + options.grace + 60)
            report.acked += client.acked
            report.counts.update(client.counts)
            report.problems += client.problems


def final_total(plan: Plan, report: Report) -> int:
    """The test customers' money through the API once the load has stopped, every read checked."""
    total = 0
    for customer in plan.customers:
        answer = retrying(
            plan, report, lambda base, token=customer.token: call(base, "GET", "/api/v1/accounts", token=token)
        )
        if answer is None:
            report.problem(f"{customer.email}: no final read")
            continue
        total += sum(check_read(report, customer, answer).values())
    return total


def bank_test(options) -> list[str]:
    """Set up, run the clients, check everything; the problems found."""
    # Imported here, not at the top: every spawned client re-imports this module and needs none of it.
    from bank_ledger import check_acknowledged, customer_total, quiet, set_up, verify

    from minibank.db import Database

    quiet()
    tag = secrets.token_hex(4)
    db = Database(options.database_url, pool_size=1)
    try:
        customers = set_up(
            db, tag=tag, customers=options.customers, accounts_each=options.accounts, balance=options.balance
        )
        before = customer_total(db)
        report = Report()
        plan = Plan(
            options.seed,
            tag,
            tuple(options.bases),
            tuple(customers),
            options.max_amount,
            deadline=time.time() + options.grace,
            grace=options.grace,
        )
        plan = log_in(plan, report)
        run_clients(plan, options, report)
        expected = options.customers * options.accounts * options.balance
        if (total := final_total(plan, report)) != expected:
            report.problem(f"the test customers hold {total} through the API, expected {expected}")
        if (after := customer_total(db)) != before:
            report.problem(f"all customers hold {after} in the database, {before} before the run")
        problems = report.problems + check_acknowledged(db, tag, report) + verify(options.database_url)
    finally:
        db.dispose()
    if not report.acked or not report.counts["reads"]:
        problems.append("no transfer acknowledged or no balance read: the run proves nothing")
    print(f"bank test (seed={options.seed}): " + ", ".join(f"{name} {n}" for name, n in sorted(report.counts.items())))
    return problems


def main(argv=None) -> int:
    """Run the bank test; print the verdict with the seed."""
    options = parse_args(argv)
    started = time.monotonic()
    try:
        problems = bank_test(options)
    except Exception as error:
        traceback.print_exc()
        problems = [f"the bank test itself failed: {error!r}"]
    elapsed = f"{time.monotonic() - started:.1f}s"
    if problems:
        print(f"FAIL (seed={options.seed}, {elapsed}): {len(problems)} problems; rerun with --seed {options.seed}")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"PASS (seed={options.seed}, {elapsed}): nothing lost, nothing doubled, ledger and audit chain verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
