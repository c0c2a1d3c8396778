"""The benchmark's chart: throughput and latency against concurrency, with the ceilings."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def draw(results: dict, path: Path) -> None:
    """Write a PNG with transfers/s (and the ceilings) and p50/p99 latency per engine."""
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(12, 5))
    colours = {"postgresql": "tab:blue", "sqlite": "tab:green"}
    for engine, result in results["engines"].items():
        clients = sorted(result["transfers"], key=int)
        runs = [result["transfers"][c] for c in clients]
        x = [int(c) for c in clients]
        colour = colours.get(engine, "tab:gray")
        throughput.plot(x, [r["per_second"] for r in runs], "o-", color=colour, label=f"API transfers/s ({engine})")
        ceiling_key = "pgbench_tps" if engine == "postgresql" else "sqlite_loop_tps"
        label = "pgbench TPC-B tps (ceiling)" if engine == "postgresql" else "raw sqlite3 loop tps (ceiling)"
        throughput.plot(
            x, [result["ceiling"][c][ceiling_key] for c in clients], "s--", color=colour, alpha=0.6, label=label
        )
        latency.plot(x, [r["p50_ms"] for r in runs], "o-", color=colour, label=f"p50 ({engine})")
        latency.plot(x, [r["p99_ms"] for r in runs], "^:", color=colour, label=f"p99 ({engine})")
    for axes, title, unit in ((throughput, "Throughput", "per second"), (latency, "Transfer latency", "ms")):
        axes.set_xscale("log", base=2)
        axes.set_xlabel("concurrent clients (C)")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
    throughput.set_yscale("log")
    figure.suptitle("miniBank: POST /api/v1/transfers on a 2-core machine")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
