"""The bank benchmark's run: each engine seeded, served and measured against its ceiling (see bench/options.py)."""

import json
import logging
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from sqlalchemy.engine import make_url  # noqa: E402

from bench import ceilings, chart, seed  # noqa: E402
from bench.load import run_wrk  # noqa: E402
from bench.options import parse  # noqa: E402
from minibank import migrate  # noqa: E402
from minibank.db import Database  # noqa: E402
from minibank.ops.logging import configure as configure_logging  # noqa: E402
from minibank.services import ledger_check  # noqa: E402
from tests.support.ledger import customer_total  # noqa: E402
from tests.support.servers import app_server  # noqa: E402

BATCH_CEILING_CLIENTS = 32  # pgbench at its own best concurrency here: the stricter yardstick
SECRET = "Qm3vN8rT1xWc7LpZ4sYb9KdF2gHj6AeU0oRi5tVn-XwJ_yCqMkBzPaEs"  # random: production refuses weak secrets


def main() -> None:
    """Parse the options, run every step, write the results."""
    options = parse()
    configure_logging(json=False, level=logging.WARNING)  # the seeding's own events are noise here
    results = {
        "options": {**vars(options), "postgres_url": _shown(options.postgres_url)},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "engines": {},
    }
    work = Path(tempfile.mkdtemp(prefix="minibank-bench-"))
    for engine in options.engines:
        print(f"== {engine}", flush=True)
        results["engines"][engine] = bench_engine(engine, options, work)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    if not options.smoke and options.clients:  # the chart plots the single transfers
        chart.draw(results, out / "throughput.png")
    print(json.dumps(summary(results), indent=2))
    if not all(engine["verified"] for engine in results["engines"].values()):
        sys.exit("ledger verification failed")


def bench_engine(engine: str, options, work: Path) -> dict:
    """Seed, serve and measure one engine."""
    url = _fresh_database(engine, options, work)
    db = Database(url)
    migrate.upgrade(db.engine)
    people = seed.customers(db, count=options.customers)
    # The batches pay into every customer's accounts, and into more of them: at least 2,000 in all.
    destinations = seed.more_accounts(db, people, per_customer=options.batch_accounts)
    histories = {n: seed.history_account(db, owner_email=people[0][0], entries=n) for n in options.history}
    seed.settle(db)
    total_before = customer_total(db)
    env = {
        "MINIBANK_ENV": "production",
        "MINIBANK_SECRET_KEY": SECRET,
        "MINIBANK_DATABASE_URL": url,
        "MINIBANK_INSTANCE_PATH": str(work / "instance"),
        "MINIBANK_RATELIMIT_ENABLED": "false",
        "MINIBANK_PER_PROCESS_LIMITS": "true",  # no Redis, and limits off: nothing to share
        "MINIBANK_DB_POOL_SIZE": str(options.threads[engine] + 1),  # and one for the audit sealer
        "MINIBANK_TOKEN_TTL": "86400",  # one login per customer serves the whole run
    }
    result = {"transfers": {}, "ceiling": {}, "batches": {}, "history": {}}
    with app_server(
        env,
        args=("--workers", str(options.workers), "--threads", str(options.threads[engine])),
        log=work / f"{engine}-server.log",
    ) as base:
        items = _items_file(base, people, work / f"{engine}-items.txt")
        for clients in options.clients:
            runs, ceiling_runs = [], []
            for _ in range(options.runs):
                ceiling_runs.append(_ceiling(engine, options, work, clients))
                runs.append(run_wrk(base, items, clients=clients, seconds=options.seconds))
            result["transfers"][clients] = _median_run(runs)
            medians = {key: statistics.median(run[key] for run in ceiling_runs) for key in ceiling_runs[0]}
            result["ceiling"][clients] = {**medians, "all_runs": ceiling_runs}
            print(
                f"   C={clients}: {result['transfers'][clients]['per_second']} transfers/s, ceiling {medians}",
                flush=True,
            )
        result["batches"] = _batches(engine, options, work, base, items, destinations)
        history_items = _items_file(base, people[:1], work / f"{engine}-history-items.txt")
        # Alternated, like the transfers and their ceiling: whatever the database does in the
        # background after the transfer runs (autovacuum) then falls on both accounts alike.
        history_runs = {entries: [] for entries in histories}
        for _ in range(options.runs):
            for entries, number in histories.items():
                path = f"/api/v1/accounts/{number}/transactions?limit=20"
                history_runs[entries].append(
                    run_wrk(base, history_items, clients=4, seconds=options.seconds, path=path)
                )
        result["history"] = {entries: _median_run(runs, by="p50_ms") for entries, runs in history_runs.items()}
    report = ledger_check.verify(db)
    result["verified"] = report.ok and customer_total(db) == total_before
    result["ledger"] = {"accounts": report.accounts, "transfers": report.transfers, "problems": report.problems}
    db.dispose()
    _clear_away(engine, options, work)
    return result


def _batches(engine: str, options, work: Path, base: str, items: Path, destinations: list[str]) -> dict:
    """Batches of --batch-size transfers at each of --batch-clients, interleaved with the ceiling (at C = 32)."""
    targets = work / f"{engine}-destinations.txt"
    targets.write_text("\n".join(destinations) + "\n")
    measured = {}
    for clients in options.batch_clients:
        runs, ceiling_runs = [], []
        for _ in range(options.runs):
            ceiling_runs.append(_ceiling(engine, options, work, BATCH_CEILING_CLIENTS))
            runs.append(
                run_wrk(
                    base,
                    items,
                    clients=clients,
                    seconds=options.seconds,
                    batch=options.batch_size,
                    destinations=targets,
                )
            )
        run = _median_run(runs)
        medians = {key: statistics.median(run[key] for run in ceiling_runs) for key in ceiling_runs[0]}
        transfers_per_s = round(run["per_second"] * options.batch_size, 1)
        measured[clients] = {
            **run,
            "batch_size": options.batch_size,
            "accounts": len(destinations),
            "transfers_per_second": transfers_per_s,
            "ceiling": {**medians, "all_runs": ceiling_runs},
        }
        print(
            f"   batches of {options.batch_size}, C={clients}: {run['per_second']} batches/s = {transfers_per_s} "
            f"transfers/s, ceiling {medians}",
            flush=True,
        )
    return measured


def _clear_away(engine: str, options, work: Path) -> None:
    """Remove an engine's databases once measured, so that nothing of them (PostgreSQL's
    autovacuum and checkpoints on millions of fresh rows) runs while the next engine is measured."""
    if engine == "sqlite":
        for leftover in work.glob("*.db*"):
            leftover.unlink()
        return
    _as_admin(
        options.postgres_url,
        "DROP DATABASE IF EXISTS minibank_bench WITH (FORCE)",
        "DROP DATABASE IF EXISTS pgbench_ceiling WITH (FORCE)",
        "CHECKPOINT",
    )


def _as_admin(admin_url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def _ceiling(engine: str, options, work: Path, clients: int) -> dict:
    if engine == "sqlite":
        return {"sqlite_loop_tps": round(ceilings.sqlite_loop_tps(work / "loop.db", seconds=options.seconds), 1)}
    return {
        "pgbench_tps": ceilings.pgbench_tps(
            options.postgres_url, "pgbench_ceiling", clients=clients, seconds=options.seconds, simple_update=False
        ),
        "pgbench_n_tps": ceilings.pgbench_tps(
            options.postgres_url, "pgbench_ceiling", clients=clients, seconds=options.seconds, simple_update=True
        ),
    }


def _shown(url: str) -> str:
    """The URL as the results may keep it: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def _median_run(runs: list[dict], by: str = "per_second") -> dict:
    """The run with the median figure ``by`` (throughput, or a latency), with every run's figures kept."""
    ordered = sorted(runs, key=lambda run: run[by])
    return {
        **ordered[len(ordered) // 2],
        "all_per_second": [run["per_second"] for run in runs],
        "all_p50_ms": [run["p50_ms"] for run in runs],
        "errors_total": sum(run["errors"] for run in runs),
        "all_errors": [
            {**{str(k): v for k, v in run["statuses"].items() if k >= 300}, **run["socket_errors"]} for run in runs
        ],
    }


def _fresh_database(engine: str, options, work: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{work / 'bank.db'}"
    _as_admin(
        options.postgres_url, "DROP DATABASE IF EXISTS minibank_bench WITH (FORCE)", "CREATE DATABASE minibank_bench"
    )
    ceilings.pgbench_init(options.postgres_url, "pgbench_ceiling", scale=10)
    return make_url(options.postgres_url).set(database="minibank_bench").render_as_string(hide_password=False)


def _items_file(base: str, people: list, path: Path) -> Path:
    """Lines "token from to": each customer pays other customers from their own accounts."""
    rng = random.Random(7)
    numbers = [number for _, owned in people for number in owned]
    lines = []
    for email, owned in people:
        token = _token(base, email)
        for source in owned:
            destination = rng.choice([n for n in numbers if n != source])
            lines.append(f"{token} {source} {destination}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _token(base: str, email: str) -> str:
    body = json.dumps({"email": email, "password": seed.PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def summary(results: dict) -> list[dict]:
    """One row per engine and concurrency: transfers/s, latency, ceiling and ratio."""
    rows = []
    for engine, result in results["engines"].items():
        for clients, run in result["transfers"].items():
            ceiling = result["ceiling"][clients]
            reference = ceiling.get("pgbench_tps") or ceiling.get("sqlite_loop_tps")
            rows.append(
                {
                    "engine": engine,
                    "C": clients,
                    "transfers_per_s": run["per_second"],
                    "p50_ms": run["p50_ms"],
                    "p95_ms": run["p95_ms"],
                    "p99_ms": run["p99_ms"],
                    "errors": run["errors_total"],
                    "ceiling_tps": reference,
                    "ratio": round(run["per_second"] / reference, 3) if reference else None,
                    "wrk_cpu_cores": run["load_generator_cpu"],
                }
            )
        for clients, run in result.get("batches", {}).items():
            reference = run["ceiling"].get("pgbench_tps") or run["ceiling"].get("sqlite_loop_tps")
            rows.append(
                {
                    "engine": engine,
                    "batch_C": clients,
                    "batch_size": run["batch_size"],
                    "accounts": run["accounts"],
                    "batches_per_s": run["per_second"],
                    "transfers_per_s": run["transfers_per_second"],
                    "p50_ms": run["p50_ms"],
                    "p99_ms": run["p99_ms"],
                    "errors": run["errors_total"],
                    "ceiling_tps": reference,
                    "ratio": round(run["transfers_per_second"] / reference, 3) if reference else None,
                }
            )
        for entries, run in result["history"].items():
            rows.append(
                {
                    "engine": engine,
                    "history_entries": entries,
                    "p50_ms": run["p50_ms"],
                    "p99_ms": run["p99_ms"],
                    "errors": run["errors"],
                }
            )
    return rows


if __name__ == "__main__":
    main()
