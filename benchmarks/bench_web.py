"""Load test of `searchnews serve` on loopback: concurrent clients for a fixed time.

Starts the server over an index of corpus/ on a free port, runs CLIENTS threads that each send
requests one after another for SECONDS (a mix of search pages, API searches with facets, article
views and entity lists), and prints requests per second, latency percentiles and errors.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from common import ROOT, env_int, table, write_result

from searchnews import NewsIndex

CLIENTS = env_int("BENCH_CLIENTS", 20)
SECONDS = env_int("BENCH_SECONDS", 30)
QUERIES = [
    "ceasefire",
    "putin",
    '"russian gas"',
    "ukraine date:2024",
    "kyiv OR kiev",
    "person:orban",
    "energy",
    "election*",
    "mentions:2023",
    "budget -tram",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not start on port {port}")


def client(port: int, stop: float, ids: list[str], seed: int, latencies: list, errors: list):
    chooser = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < stop:
        query = chooser.choice(QUERIES).replace(" ", "+").replace('"', "%22")
        path = chooser.choice(
            [
                f"/?q={query}",
                f"/api/search?q={query}&facets=1",
                f"/api/search?q={query}&page=2&limit=5",
                f"/articles/{chooser.choice(ids)}?q={query}",
                f"/api/entities?q={query}&limit=5",
            ]
        )
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors.append((path, response.status))
        except (OSError, http.client.HTTPException) as error:
            errors.append((path, repr(error)))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
    connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        with NewsIndex(folder) as news:
            news.index([str(ROOT / "corpus")], jobs=2)
            ids = [hit.id for hit in news.search("", limit=100).hits]
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "searchnews", "serve", "--index", folder, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port)
            latencies: list[float] = []
            errors: list = []
            stop = time.monotonic() + SECONDS
            threads = [
                threading.Thread(target=client, args=(port, stop, ids, seed, latencies, errors))
                for seed in range(CLIENTS)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait()
    count = len(latencies)
    figures = {
        "articles": len(ids),
        "requests": count,
        "requests_per_s": count / elapsed,
        "median_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * percentile(latencies, 0.95),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "errors": len(errors),
        "first_errors": [list(error) for error in errors[:5]],
    }
    path = write_result("web", {"clients": CLIENTS, "seconds": SECONDS}, figures)
    print()
    print(markdown(json.loads(path.read_text())))
    if errors:
        print("\nfirst errors:", json.dumps(errors[:5]))
        raise SystemExit(1)


def markdown(result: dict) -> str:
    """The table of a web.json result."""
    figures, parameters = result["figures"], result["parameters"]
    row = [
        figures["requests"],
        figures["requests_per_s"],
        figures["median_ms"],
        figures["p95_ms"],
        figures["p99_ms"],
        figures["max_ms"],
        figures["errors"],
    ]
    return (
        f"{parameters['clients']} concurrent clients for {parameters['seconds']} s against "
        f"`searchnews serve` on loopback, index of {figures['articles']} corpus articles\n\n"
        + table(
            ["requests", "requests/s", "median ms", "p95 ms", "p99 ms", "max ms", "errors"], [row]
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
