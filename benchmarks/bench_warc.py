"""WARC archives: reading speed of FastWARC and warcio on one gzip WARC, indexing the same pages
as loose files and as one WARC, and the indexer's memory over a multi-GB WARC of mostly skipped
records, all in one run.

Settings (environment):
  BENCH_PAGES        size of the scale_corpus.py archive whose HTML pages (three quarters;
                     the rest are plain-text dumps) are indexed loose and packed in a WARC,
                     default 10000
  BENCH_BIG_MIB      size of the WARC of mostly skipped records, default 2048 (MiB)
  BENCH_REPEAT       how often each reader reads the pages' WARC and each way of storing them
                     is indexed (the medians are kept), default 3
  BENCH_ENGINE       the engine of the indexes, default tantivy
  BENCH_CACHE        where pages, WARC files and indexes go, default .cache/bench
  BENCH_RESULTS      where warc.json goes, default benchmarks/results

WARC files are written once per size and kept in BENCH_CACHE; indexes are rebuilt every run.
Each `searchnews index` runs in a process of its own (2 jobs). The memory run samples the RSS of
the indexer and its workers from /proc every 50 ms; its progress is the reading offset in the
WARC file, read from /proc/PID/fdinfo of the descriptor that holds it (the reader buffers ahead,
so the offset runs at most a buffer ahead of the records handed on).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from common import env_int, table, write_result
from fastwarc.warc import ArchiveIterator as FastArchiveIterator
from scale_corpus import CACHE, build
from warcio.archiveiterator import ArchiveIterator as WarcioArchiveIterator

from searchnews.warc.records import read_warc

HERE = Path(__file__).resolve()
JOBS = 2
MIB = 2**20
SAMPLE_SECONDS = 0.05
GOAL_GROWTH_MIB = 50
DATE = "2024-03-05T10:00:00Z"


def settings() -> dict:
    """The run's parameters, from the environment."""
    return {
        "pages": env_int("BENCH_PAGES", 10000),
        "big_mib": env_int("BENCH_BIG_MIB", 2048),
        "repeat": env_int("BENCH_REPEAT", 3),
        "engine": os.environ.get("BENCH_ENGINE", "tantivy"),
        "jobs": JOBS,
    }


# ---- writing WARC records by hand (one gzip member each, as crawlers write them) ----


def warc_record(kind: str, url: str, block: bytes, content_type: str, **extra: str) -> bytes:
    """One gzip member holding one WARC/1.0 record with a block digest."""
    digest = hashlib.sha1(block).hexdigest()
    headers = {
        "WARC-Type": kind,
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
        "WARC-Date": DATE,
        "WARC-Target-URI": url,
        "WARC-Block-Digest": f"sha1:{digest}",
        **extra,
        "Content-Type": content_type,
        "Content-Length": str(len(block)),
    }
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    # Level 1: the big file's bodies are random bytes that no level would shrink.
    return gzip.compress(head.encode() + block + b"\r\n\r\n", compresslevel=1)


def http_response(body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def crawl_records(url: str, body: bytes, content_type: str) -> Iterator[bytes]:
    """request, response and metadata records of one fetch, as a crawler writes them."""
    host = url.split("/")[2]
    request = f"GET /{url.split('/', 3)[3]} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    yield warc_record("request", url, request, "application/http; msgtype=request")
    yield warc_record(
        "response", url, http_response(body, content_type), "application/http; msgtype=response"
    )
    yield warc_record(
        "metadata", url, b"via: bench\r\nfetchTimeMs: 120\r\n", "application/warc-fields"
    )


def html_pages(folder: Path, size: int) -> Path:
    """A folder of hard links to the HTML pages of `folder` (a WARC response carries HTML;
    the corpus's plain-text dumps have no place in one), made on first use."""
    loose = CACHE / f"warc-loose-{size}"
    done = loose / ".complete"
    if done.exists():
        return loose
    for page in sorted(folder.rglob("*.html")):
        link = loose / page.relative_to(folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            os.link(page, link)
    done.touch()
    return loose


def pages_warc(folder: Path, size: int) -> Path:
    """The HTML pages of `folder` as one .warc.gz, written on first use."""
    path = CACHE / f"warc-pages-{size}.warc.gz"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as out:
        for page in sorted(folder.rglob("*.html")):
            url = f"https://archive.example/{page.relative_to(folder).as_posix()}"
            for record in crawl_records(url, page.read_bytes(), "text/html; charset=utf-8"):
                out.write(record)
    partial.rename(path)
    return path


def big_warc(mib: int, seed: int = 5) -> tuple[Path, int]:
    """A .warc.gz of about `mib` MiB, mostly records that are skipped, with an HTML page among
    every 20 records; (its path, how many pages it holds), written on first use."""
    path = CACHE / f"warc-skipped-{mib}mib.warc.gz"
    count_file = path.with_suffix(".pages")
    if path.exists() and count_file.exists():
        return path, int(count_file.read_text())
    chooser = random.Random(seed)
    noise = chooser.randbytes(4 * MIB)  # incompressible, so the file is as large as asked
    partial = path.with_suffix(".partial")
    pages = number = 0
    with open(partial, "wb") as out:
        while out.tell() < mib * MIB:
            number += 1
            url = f"https://news.example/{number}"
            start = chooser.randrange(2 * MIB)
            if number % 20 == 0:
                pages += 1
                text = f"Story {number} about the harbour and the council's vote. " * 40
                html = (
                    f"<!doctype html><html><head><meta charset='utf-8'><title>Story {number}"
                    f"</title></head><body><article><h1>Story {number}</h1><p>{text}</p>"
                    "</article></body></html>"
                ).encode()
                records = list(crawl_records(url, html, "text/html; charset=utf-8"))
            elif number % 4 == 0:
                records = list(crawl_records(url + ".pdf", noise[start : start + MIB // 2],
                                             "application/pdf"))  # fmt: skip
            elif number % 4 == 1:
                records = list(crawl_records(url + ".jpg", noise[start : start + MIB],
                                             "image/jpeg"))  # fmt: skip
            elif number % 4 == 2:
                records = [warc_record(
                    "revisit", url, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                    "application/http; msgtype=response",
                    **{"WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
                       "WARC-Refers-To-Target-URI": url, "WARC-Refers-To-Date": DATE},
                )]  # fmt: skip
            else:
                records = list(crawl_records(url + ".png", noise[start : start + MIB * 3 // 4],
                                             "image/png"))  # fmt: skip
            for record in records:
                out.write(record)
    partial.rename(path)
    count_file.write_text(str(pages))
    return path, pages


# ---- reading speed ----


def read_fastwarc(path: Path) -> int:
    count = 0
    with open(path, "rb") as file:
        for record in FastArchiveIterator(file, parse_http=True):
            record.reader.read()
            count += 1
    return count


def read_warcio(path: Path) -> int:
    count = 0
    with open(path, "rb") as file:
        for record in WarcioArchiveIterator(file):
            record.content_stream().read()
            count += 1
    return count


def read_searchnews(path: Path) -> int:
    count = 0
    for record in read_warc(str(path)):
        getattr(record, "payload", b"")
        count += 1
    return count


READERS: dict[str, Callable[[Path], int]] = {
    "FastWARC": read_fastwarc,
    "warcio": read_warcio,
    "searchnews read_warc": read_searchnews,
}


def reading(path: Path, repeat: int) -> dict:
    """records/s and MB/s (of the gzip file) of each reader, the median of `repeat` reads each,
    the readers taking turns so that load from other processes falls on all of them alike."""
    seconds: dict[str, list[float]] = {name: [] for name in READERS}
    records: dict[str, int] = {}
    for _ in range(repeat):
        for name, reader in READERS.items():
            started = time.perf_counter()
            records[name] = reader(path)
            seconds[name].append(time.perf_counter() - started)
    megabytes = path.stat().st_size / 1e6
    out = {}
    for name in READERS:
        middle = statistics.median(seconds[name])
        out[name] = {
            "records": records[name],
            "seconds": round(middle, 3),
            "records_per_s": round(records[name] / middle, 1),
            "mb_per_s": round(megabytes / middle, 1),
        }
    return out


# ---- indexing in a process of its own ----


def index_command(source: Path, index_dir: Path, engine: str) -> list[str]:
    return [
        sys.executable, "-m", "searchnews", "index", str(source), "--index", str(index_dir),
        "--jobs", str(JOBS), "--engine", engine,
    ]  # fmt: skip


def run_index(source: Path, index_dir: Path, engine: str) -> dict:
    """Seconds and peak MiB (largest process of the tree) of `searchnews index`."""
    shutil.rmtree(index_dir, ignore_errors=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(index_command(source, index_dir, engine), stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"indexing {source} failed:\n{err.read().decode()[-3000:]}")
        out.seek(0)
        summary = out.read().decode().strip().splitlines()
    return {
        "seconds": round(seconds, 3),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "summary": summary,
    }


def indexing(folder: Path, warc: Path, pages: int, engine: str, repeat: int) -> dict:
    """Both ways of storing the pages indexed `repeat` times, taking turns (each goes first
    every other time, so that neither always runs on a machine the other has warmed); the
    medians."""
    runs: dict[str, list[dict]] = {"loose files": [], "one .warc.gz": []}
    ways = [("loose files", folder), ("one .warc.gz", warc)]
    for turn in range(repeat):
        for name, source in ways if turn % 2 == 0 else ways[::-1]:
            index_dir = CACHE / f"warc-bench-index-{name.split()[0]}"
            runs[name].append(run_index(source, index_dir, engine))
    out = {}
    for name, records in runs.items():
        seconds = statistics.median(record["seconds"] for record in records)
        out[name] = {
            "seconds": round(seconds, 3),
            "pages_per_s": round(pages / seconds, 1),
            "peak_mib": round(statistics.median(record["peak_mib"] for record in records), 1),
            "runs": len(records),
            "summary": records[-1]["summary"],
        }
    return out


# ---- memory over a large WARC ----


def _tree(pid: int) -> list[int]:
    """The process and its descendants."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    queue.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _offset(pids: list[int], target: str) -> int | None:
    """The largest file position any of `pids` holds in `target`."""
    best = None
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") != target:
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                    position = int(info.readline().split()[1])
            except (OSError, ValueError, IndexError):
                continue
            best = position if best is None else max(best, position)
    return best


def memory(path: Path, pages: int, engine: str) -> dict:
    """Index the large WARC, sampling RSS against the share of the file read."""
    index_dir = CACHE / "warc-bench-index-big"
    shutil.rmtree(index_dir, ignore_errors=True)
    size = path.stat().st_size
    target = str(path.resolve())
    # seconds, fraction read, main, largest and total of the tree, processes in it holding
    # memory (a worker that has exited but not been reaped holds none)
    samples: list[tuple[float, float, float, float, float, int]] = []
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(index_command(path, index_dir, engine), stdout=out, stderr=err)
        fraction = 0.0
        while process.poll() is None:
            pids = _tree(process.pid)
            position = _offset(pids, target)
            if position is not None:
                fraction = max(fraction, position / size)
                rss = [_rss_mib(pid) for pid in pids]
                samples.append((time.perf_counter() - started, fraction, rss[0], max(rss),
                                sum(rss), sum(1 for mib in rss if mib)))  # fmt: skip
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"indexing {path} failed:\n{err.read().decode()[-3000:]}")
        out.seek(0)
        summary = out.read().decode().strip().splitlines()
    if not samples:
        raise SystemExit("the indexer never held the WARC file open long enough to sample")

    def at(mark: float) -> tuple:
        return next((s for s in samples if s[1] >= mark), samples[-1])

    first, last = at(0.1), samples[-1]
    # The tree's total is compared while its workers still run: they leave before the end.
    whole = next((s for s in reversed(samples) if s[5] >= first[5]), last)
    return {
        "file_mib": round(size / MIB, 1),
        "pages": pages,
        "seconds": round(seconds, 3),
        "samples": len(samples),
        "fraction_at_10": round(first[1], 3),
        "fraction_at_100": round(last[1], 3),
        "main_mib_at_10": round(first[2], 1),
        "main_mib_at_100": round(last[2], 1),
        "total_mib_at_10": round(first[4], 1),
        "total_mib_at_100": round(whole[4], 1),
        "fraction_total_at_100": round(whole[1], 3),
        "largest_mib_after_10": round(max(s[3] for s in samples if s[0] >= first[0]), 1),
        "growth_main_mib": round(last[2] - first[2], 1),
        "growth_total_mib": round(whole[4] - first[4], 1),
        "progress_from": "reading offset in /proc/PID/fdinfo of the WARC file's descriptor",
        "summary": summary,
    }


# ---- tables ----


def markdown(result: dict) -> str:
    """The tables of a warc.json result."""
    figures, parameters = result["figures"], result["parameters"]
    read = figures["reading"]
    out = [
        f"Reading one gzip WARC ({read['file_mib']} MiB, {read['records']:,} records: request, "
        f"response and metadata of {read['html_pages']:,} pages), every payload read, median of "
        f"{parameters['repeat']}:",
        "",
        table(
            ["reader", "records/s", "MB/s", "seconds"],
            [
                [name, f"{row['records_per_s']:,.0f}", row["mb_per_s"], row["seconds"]]
                for name, row in read["readers"].items()
            ],
        ),
        "",
        f"Indexing the same {read['html_pages']:,} HTML pages ({parameters['engine']}, "
        f"{parameters['jobs']} jobs, peak RSS of the largest process), median of "
        f"{parameters['repeat']}:",
        "",
        table(
            ["pages stored as", "pages/s", "seconds", "peak MiB"],
            [
                [name, row["pages_per_s"], row["seconds"], row["peak_mib"]]
                for name, row in figures["indexing"].items()
            ],
        ),
        "",
    ]
    big = figures["memory"]
    met = "yes" if big["growth_total_mib"] < GOAL_GROWTH_MIB else "no"
    out += [
        f"Memory over a {big['file_mib']:,.0f} MiB .warc.gz of mostly skipped records "
        f"({big['pages']:,} HTML pages among images, PDFs, revisits, requests and metadata), "
        f"RSS in MiB sampled every {SAMPLE_SECONDS * 1000:.0f} ms, at the first sample past 10% "
        f"({big['fraction_at_10']:.1%} read) and the last before the end "
        f"({big['fraction_at_100']:.1%} read; for the workers, the last while they ran: "
        f"{big.get('fraction_total_at_100', big['fraction_at_100']):.1%} read); progress is the "
        f"{big['progress_from']}:",
        "",
        table(
            ["process", "at 10%", "at 100%", "growth", f"goal < {GOAL_GROWTH_MIB} MiB met"],
            [
                [
                    "indexer (main)",
                    big["main_mib_at_10"],
                    big["main_mib_at_100"],
                    big["growth_main_mib"],
                    "yes" if big["growth_main_mib"] < GOAL_GROWTH_MIB else "no",
                ],
                [
                    "indexer + workers",
                    big["total_mib_at_10"],
                    big["total_mib_at_100"],
                    big["growth_total_mib"],
                    met,
                ],
            ],
        ),
        "",
        f"Indexed in {big['seconds']:.1f} s ({big['file_mib'] / big['seconds']:.0f} MiB/s).",
    ]
    return "\n".join(out).rstrip() + "\n"


def main() -> None:
    config = settings()
    CACHE.mkdir(parents=True, exist_ok=True)
    folder = html_pages(build(config["pages"]), config["pages"])
    warc = pages_warc(folder, config["pages"])
    pages = sum(1 for _ in folder.rglob("*.html"))
    readers = reading(warc, config["repeat"])
    records = readers["FastWARC"]["records"]
    figures = {
        "reading": {
            "file_mib": round(warc.stat().st_size / MIB, 1),
            "records": records,
            "html_pages": pages,
            "readers": readers,
        },
        "indexing": indexing(folder, warc, pages, config["engine"], config["repeat"]),
    }
    big, big_pages = big_warc(config["big_mib"])
    figures["memory"] = memory(big, big_pages, config["engine"])
    path = write_result("warc", config, figures)
    print()
    print(markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
