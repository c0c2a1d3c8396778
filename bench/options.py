"""The bank benchmark: API transfers against the database's own ceiling.

    bin/bench            full run (about 15 minutes): JSON and PNG in bench/results/
    bin/bench --smoke    a few seconds per step, correctness only (CI runs this)

For each engine it seeds customers, starts `minibank serve` (gunicorn, production
settings, rate limits off), and for each concurrency runs wrk against
POST /api/v1/transfers, interleaved with the ceiling (pgbench TPC-B on the same
PostgreSQL, the server --postgres-url names; a raw sqlite3 transfer loop with the
app's WAL and synchronous=FULL).
Each figure is the median of --runs runs. Afterwards the ledger must verify and
customer money must be unchanged. History latency is measured on accounts with
10 thousand and 1 million entries.
"""

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

# Only the standard library here: bin/bench answers --help and refuses bad options with the
# system's Python, before it installs anything.
ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL_ENV = "MINIBANK_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def parse(argv: list[str] | None = None, *, environ: Mapping[str, str] = os.environ) -> argparse.Namespace:
    """The benchmark's options from ``argv`` (the command line by default), checked."""
    parser = argparse.ArgumentParser(
        prog="bin/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny and quick: correctness only")
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument("--clients", default="1,8,32", help="concurrencies of the single-transfer runs (empty: none)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument(
        "--history", default="10000,1000000", help="entries on the measured history accounts (empty: none)"
    )
    parser.add_argument("--batch-clients", default="8", help="concurrencies of the batch runs (empty: none)")
    parser.add_argument("--batch-size", type=int, default=100, help="transfers per batch request")
    parser.add_argument(
        "--batch-accounts",
        type=int,
        default=8,
        help="more accounts per customer that batches pay into (with the 2 funded ones each)",
    )
    # Measured best on 2 cores: more processes only add contention for the same CPU. Workers
    # serve greenlets on both engines; --threads sizes each worker's database pool (on SQLite,
    # more requests at once keep more moves in each of the writer process's batches).
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", default="postgresql:4,sqlite:6", help="threads per worker: one number, or engine:number pairs"
    )
    parser.add_argument("--out", default=None, help="default: bench/results (smoke: bench/results/smoke)")
    parser.add_argument(
        "--postgres-url",
        default=environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL,
        help=f"the PostgreSQL server, as a URL to a database that exists on it, by a role that may "
        f"create databases (it makes minibank_bench and pgbench_ceiling there); default "
        f"${POSTGRES_URL_ENV}, else {DEFAULT_POSTGRES_URL}",
    )
    options = parser.parse_args(argv)
    if options.smoke:
        options.runs, options.seconds, options.customers, options.history = 1, 2, 10, "100,1000"
    # A smoke run never overwrites the published figures.
    options.out = options.out or str(ROOT / "bench" / "results" / ("smoke" if options.smoke else ""))
    options.engines = options.engines.split(",")
    options.threads = _per_engine(options.threads, options.engines)
    options.clients = [int(c) for c in options.clients.split(",") if c]
    options.batch_clients = [int(c) for c in options.batch_clients.split(",") if c]
    options.history = [int(n) for n in options.history.split(",") if n]
    return options


def _per_engine(value: str, engines: list[str]) -> dict[str, int]:
    if value.isdigit():
        return dict.fromkeys(engines, int(value))
    pairs = dict(pair.split(":") for pair in value.split(","))
    return {engine: int(pairs[engine]) for engine in engines}


if __name__ == "__main__":
    parse()
