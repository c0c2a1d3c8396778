"""Drive the API with wrk (C, not Python, so the load generator is not the bottleneck)."""

import json
import resource
import subprocess
import uuid
from pathlib import Path

LUA = Path(__file__).with_name("transfer.lua")


def run_wrk(
    base_url: str,
    items_file: Path,
    *,
    clients: int,
    seconds: float,
    path: str | None = None,
    batch: int | None = None,
    destinations: Path | None = None,
) -> dict:
    """Run wrk at ``clients`` connections; returns its figures plus the CPU wrk itself used.

    With ``batch``, every request is a batch of that many transfers to accounts listed in ``destinations``.
    """
    env = {"BENCH_ITEMS": str(items_file)}
    if path:
        env["BENCH_PATH"] = path
    if batch:
        env.update(BENCH_BATCH=str(batch), BENCH_DESTINATIONS=str(destinations), BENCH_RUN=uuid.uuid4().hex)
    threads = min(2, clients)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(clients),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            base_url,
        ],
        env={**_base_env(), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(text for text in completed.stdout.splitlines() if text.startswith("BENCH_JSON "))
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    duration = figures["duration_us"] / 1e6
    statuses = {int(k): v for k, v in figures["statuses"].items()}
    ok = statuses.get(201, 0) + statuses.get(200, 0)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "clients": clients,
        "seconds": round(duration, 2),
        "ok": ok,
        "per_second": round(ok / duration, 1),  # requests (a batch is one)
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "errors": figures["requests"] - ok + sum(figures["socket_errors"].values()),
        "statuses": statuses,
        "socket_errors": {kind: count for kind, count in figures["socket_errors"].items() if count},
        "load_generator_cpu": round(cpu / duration, 3),  # cores wrk kept busy
    }


def _base_env() -> dict:
    import os

    return {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
