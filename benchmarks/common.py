"""Helpers shared by the benchmark scripts: where the third-party data is, tables, timing."""

from __future__ import annotations

import os
import statistics
import sys
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
