"""`seqkit serve` under load: a real HTTP/1.1 client (asyncio streams, keep-alive connections) against a
server started here on 127.0.0.1, at concurrency 1, 8 and 64, for similar, vectors and predict.

    python benchmarks/bench_serve.py [--linear linear.npz] [--workers 2] [--requests 5000] [--rss-requests 100000]

Models: a synthetic 100k-word, dim-100 native model (bench_startup.py's) and the bigram linear model
(--linear; default: the one bench_startup.py trains). Each (endpoint, concurrency) run sends --requests
requests, or stops at --seconds; latency is per request, from writing it to reading its whole answer.
Then a long predict run at concurrency 64 (--rss-requests, bounded by --rss-seconds) reads the server's
RSS (all its processes) after the first 1,000 requests and at the end. Every request goes to 127.0.0.1.
Prints JSON lines and a markdown table; the client shares the machine's cores with the server, so run
it under `flock /tmp/seqkit-bench.lock` and read the figures as a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_startup import synthetic_vectors  # noqa: E402

BODIES = {
    "similar": {"words": ["king"], "n": 10},
    "vectors": {"words": ["king"]},
    "predict": {"texts": ["a wonderful, moving film"]},
}


def start_server(models: list[Path], workers: int) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-m", "seqkit", "serve", *map(str, models), "--port", "0",
                             "--workers", str(workers)], stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not found:
        proc.kill()
        sys.exit(f"the server did not start: {line}{proc.stderr.read()}")
    return proc, int(found.group(1))


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the workers), MB."""
    pids, total = [pid], 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        except (OSError, AttributeError):
            pass
    return total / 1024


async def _one(reader, writer, request: bytes) -> bytes:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
    body = await reader.readexactly(length)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode(errors="replace"))
    return body


async def load(port: int, endpoint: str, concurrency: int, total: int, seconds: float, on_count=None) -> dict:
    """Send `total` requests (or stop at `seconds`) over `concurrency` keep-alive connections."""
    body = json.dumps(BODIES[endpoint]).encode()
    request = (f"POST /{endpoint} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    latencies: list[float] = []
    sent = 0
    deadline = time.perf_counter() + seconds

    async def user():
        nonlocal sent
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while sent < total and time.perf_counter() < deadline:
                sent += 1
                t = time.perf_counter()
                await _one(reader, writer, request)
                latencies.append(time.perf_counter() - t)
                if on_count is not None:
                    on_count(len(latencies))
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    latencies.sort()
    return {"endpoint": endpoint, "concurrency": concurrency, "requests": len(latencies),
            "req_per_s": round(len(latencies) / wall), "p50_ms": round(1000 * statistics.median(latencies), 2),
            "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 2)}


async def rss_run(proc, port: int, total: int, seconds: float) -> dict:
    marks = {}

    def on_count(n):
        if n == 1000 and "first_1000" not in marks:
            marks["first_1000"] = rss_mb(proc.pid)

    row = await load(port, "predict", 64, total, seconds, on_count)
    return {**row, "rss_after_1000_mb": round(marks.get("first_1000", float("nan")), 1),
            "rss_at_end_mb": round(rss_mb(proc.pid), 1),
            "growth": round(rss_mb(proc.pid) / marks["first_1000"] - 1, 4) if marks else None}


def table(rows: list[dict]) -> str:
    lines = ["| endpoint | concurrency | requests | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['endpoint']} | {r['concurrency']} | {r['requests']} | {r['req_per_s']} | {r['p50_ms']} | {r['p99_ms']} |"
              for r in rows]
    return "\n".join(lines)


async def main_async(args) -> None:
    vectors = synthetic_vectors(args.work / "w100k.w2v")
    proc, port = start_server([vectors, args.linear], args.workers)
    try:
        await asyncio.sleep(0.5)
        for _ in range(100):  # the workers listen
            try:
                await load(port, "predict", 1, 1, 5)
                break
            except OSError:
                await asyncio.sleep(0.2)
        rows = []
        for endpoint in ("similar", "vectors", "predict"):
            for c in args.concurrency:
                await load(port, endpoint, c, min(200, args.requests), args.seconds)  # warm-up
                row = await load(port, endpoint, c, args.requests, args.seconds)
                print(json.dumps(row), flush=True)
                rows.append(row)
        print(table(rows))
        if args.rss_requests:
            row = await rss_run(proc, port, args.rss_requests, args.rss_seconds)
            print(json.dumps(row), flush=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--linear", type=Path, default=Path("/tmp/seqkit-bench-startup/linear.npz"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/seqkit-bench-startup"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 64])
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=30.0, help="Upper bound on each run's time.")
    ap.add_argument("--rss-requests", type=int, default=100_000)
    ap.add_argument("--rss-seconds", type=float, default=300.0)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
