"""Helpers shared by the benchmark scripts: where the third-party data is, tables, timing."""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import statistics
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SEARCHNEWS_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"


def require(path: Path, what: str) -> Path:
    """Exit with a clear message (status 0: nothing to measure) when benchmark data is absent."""
    if not path.exists():
        print(f"skipped: {what} not found at {path} (the benchmark data lives in ../shared/data)")
        sys.exit(0)
    return path


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table, numbers right-aligned."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "| " + " | ".join("-" * w for w in widths) + " |",
    ]
    for row in cells:
        lines.append(
            "| "
            + " | ".join(
                c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths, strict=True)
            )
            + " |"
        )
    return "\n".join(lines)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return "-" if value is None else str(value)


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).replace("x", "").isdigit()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (share 0.95 for p95)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


# ---- result files ----

RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "benchmarks" / "results"))


def machine() -> dict:
    """What the figures were measured on."""
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "sqlite": sqlite3.sqlite_version,
    }
    for package in ("searchnews", "whoosh-reloaded", "tantivy", "trafilatura", "htmldate"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def write_result(name: str, parameters: dict, figures: dict) -> Path:
    """Write benchmarks/results/<name>.json (or into $BENCH_RESULTS): machine, date, figures."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {
        "name": name,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": parameters,
        "figures": figures,
    }
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {path}")
    return path


def env_int(name: str, default: int) -> int:
    """An integer setting from the environment (for short runs, as the tests make)."""
    value = os.environ.get(name)
    return int(value) if value else default
