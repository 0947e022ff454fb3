"""The README's benchmark tables, made from the result files in benchmarks/results/.

    python benchmarks/readme_tables.py                  # print every table
    python benchmarks/readme_tables.py --write README.md

With --write, the text between the marker lines `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`
is replaced by the tables of results/NAME.json, for each NAME that has a result file; markers
without a result and results without markers are left alone (and named).
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS

MODULES = {
    "extract": "bench_extract",
    "stemming": "bench_stemming",
    "entities": "bench_entities",
    "web": "bench_web",
    "scale": "bench_scale",
    "warc": "bench_warc",
    "scaleout": "bench_scaleout",
}


def load_results(folder: Path) -> dict[str, dict]:
    """Every result file of a known benchmark, by name."""
    found = {}
    for name in MODULES:
        path = folder / f"{name}.json"
        if path.is_file():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def render(name: str, result: dict) -> str:
    """The Markdown of one result: a line saying where and when, then the script's tables."""
    machine = result.get("machine", {})
    where = ", ".join(
        part
        for part in (
            f"{machine['cores']} cores" if machine.get("cores") else "",
            machine.get("cpu") or "",
            f"Python {machine['python']}" if machine.get("python") else "",
            f"SQLite {machine['sqlite']}" if name == "scale" and machine.get("sqlite") else "",
        )
        if part
    )
    header = f"_Measured {result.get('date', '?')[:10]} on {where}; `make bench-{name}`._"
    body = importlib.import_module(MODULES[name]).markdown(result)
    return f"{header}\n\n{body.strip()}\n"


def replace_sections(text: str, tables: dict[str, str]) -> tuple[str, list[str]]:
    """`text` with each marked section replaced; the names whose markers were found."""
    done = []
    for name, markdown in tables.items():
        marker = re.escape(name)
        pattern = re.compile(
            rf"(^<!-- bench:{marker} -->[ \t]*\n)(.*?)(^<!-- /bench:{marker} -->)",
            re.DOTALL | re.MULTILINE,
        )
        text, count = pattern.subn(
            lambda match, body=markdown: match.group(1) + "\n" + body + "\n" + match.group(3), text
        )
        if count:
            done.append(name)
    return text, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="FILE", help="replace the marked sections of FILE")
    parser.add_argument("--results", metavar="DIR", default=str(RESULTS), help="result files")
    arguments = parser.parse_args(argv)
    results = load_results(Path(arguments.results))
    if not results:
        print(f"no result files in {arguments.results}: run the benchmarks first")
        return 1
    tables = {name: render(name, result) for name, result in results.items()}
    if not arguments.write:
        for name, markdown in tables.items():
            print(f"<!-- bench:{name} -->\n\n{markdown}\n<!-- /bench:{name} -->\n")
        return 0
    target = Path(arguments.write)
    text, done = replace_sections(target.read_text(encoding="utf-8"), tables)
    target.write_text(text, encoding="utf-8")
    missing = sorted(set(tables) - set(done))
    print(f"{target}: replaced {', '.join(done) or 'nothing'}")
    if missing:
        print(f"no markers for {', '.join(missing)} (add <!-- bench:NAME --> lines to place them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
