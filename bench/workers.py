"""Benchmark: bot turns per second with `serve --workers 1` and `--workers 2` on PostgreSQL (target ≥ 1.6×).

Run from the repository root (PostgreSQL needed; the database named is dropped and made again):

    .venv/bin/python bench/workers.py --db postgresql://postgres@127.0.0.1:5432/bench_workers
                                     [--agreements 10000] [--users 20] [--seconds 20]

A 10,000-agreement register is imported once. Then, for each worker count, `serve --local
--workers N` starts as its own process tree, with a stand-in Bot Connector for the replies, and
`--users` staff users ask questions back to back for `--seconds` (after a warm-up): half list
questions ("which grants expire this quarter?"), half one-agreement questions ("who is the
contact for OPCC-2023-014?"). Reported: turns per second, median and p99 turn latency (request
sent to HTTP answer, which the bot gives after posting its reply), and throughput against one
worker in the same run. The load generator and the stand-in share the machine's cores with
the workers, so on a small machine the figure is a floor on what more cores give.

This is a benchmark, not a test: it prints a Markdown table and exits 0 whether or not the
target is met, saying which.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector
from checkin import Connector, free_port
from sqlalchemy import text
from sqlalchemy.engine import make_url
from workloads import TODAY, rows_for, write_register_csv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.db import async_url, create_engine, upgrade  # noqa: E402
from storage.register_import import import_register  # noqa: E402

TARGET = 1.6
QUESTIONS = ("which grants expire this quarter?", "who is the contact for OPCC-2023-014?",
             "which contracts end next quarter?", "tell me about OPCC-2024-031")


async def fresh_database(url: str, agreements: int) -> None:
    """Drop and create the benchmark database, then import the register into it."""
    target = make_url(async_url(url))
    admin = create_engine(target.set(database="postgres").render_as_string(hide_password=False))
    async with admin.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    await admin.dispose()
    engine = create_engine(url)
    try:
        await upgrade(engine)
        with tempfile.TemporaryDirectory() as directory:
            path = write_register_csv(rows_for(agreements), Path(directory) / "register.csv")
            await import_register(engine, path, today=TODAY, actor="bench")
    finally:
        await engine.dispose()


async def start_server(url: str, port: int, workers: int) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MicrosoftApp") and k != "DATABASE_URL"}
    env.update(STAFF_DOMAINS="opcc.example.gov.uk", ALERT_SCHEDULER="off")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--local", "--port", str(port), "--workers", str(workers), "--db", url,
        env=env, cwd=str(ROOT), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    async with ClientSession(timeout=ClientTimeout(total=5)) as http:
        for _ in range(600):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process
            except OSError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the bot did not start")


def activity(user: int, number: int, question: str, service_url: str) -> dict[str, Any]:
    return {
        "type": "message", "id": f"{user}-{number}", "text": question, "textFormat": "plain",
        "serviceUrl": service_url, "channelId": "msteams",
        "from": {"id": f"29:staff-{user}", "name": f"Staff {user}"},
        "conversation": {"conversationType": "personal", "id": f"a:staff-{user}"},
        "recipient": {"id": "28:bot", "name": "Commissioning"}, "channelData": {"tenant": {"id": "bench-tenant"}},
    }


async def load(port: int, connector: Connector, users: int, seconds: float, warmup: float) -> tuple[int, list[float], float]:
    """`users` users asking back to back; (turns, latencies, seconds measured), warm-up left out."""
    latencies: list[float] = []
    url = f"http://127.0.0.1:{port}/api/messages"
    started = time.perf_counter()
    measure_from, stop_at = started + warmup, started + warmup + seconds

    async def user(number: int, http: ClientSession) -> None:
        for count in itertools.count():
            now = time.perf_counter()
            if now >= stop_at:
                return
            question = QUESTIONS[(number + count) % len(QUESTIONS)]
            sent = time.perf_counter()
            async with http.post(url, json=activity(number, count, question, connector.url)) as response:
                await response.read()
                if response.status not in (200, 201):
                    raise SystemExit(f"turn failed with HTTP {response.status}")
            if sent >= measure_from:
                latencies.append(time.perf_counter() - sent)

    # One connection per user (force_close): every turn is a new connection, so the kernel spreads
    # them over the workers as it would for many Teams front ends.
    async with ClientSession(timeout=ClientTimeout(total=120), connector=TCPConnector(limit=0, force_close=True)) as http:
        await asyncio.gather(*(user(n, http) for n in range(users)))
    return len(latencies), latencies, seconds


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-99 * len(ordered) // 100) - 1)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL; this database is dropped and made again")
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, one worker first")
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        raise SystemExit("bench/workers.py needs a PostgreSQL URL (--workers above 1 refuses SQLite)")
    await fresh_database(args.db, args.agreements)
    connector = Connector({f"29:staff-{n}": f"staff{n}@opcc.example.gov.uk" for n in range(args.users)})
    await connector.start()
    results: list[tuple[int, float, float, float]] = []
    for workers in (int(w) for w in args.workers.split(",")):
        port = free_port()
        process = await start_server(args.db, port, workers)
        try:
            turns, latencies, seconds = await load(port, connector, args.users, args.seconds, args.warmup)
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
        results.append((workers, turns / seconds, statistics.median(latencies), p99(latencies)))
        print(f"  {workers} worker(s): {turns / seconds:.1f} turns/s", file=sys.stderr, flush=True)
    if connector.runner is not None:
        await connector.runner.cleanup()
    base = results[0][1]
    print(f"## `serve --workers N` on PostgreSQL ({args.agreements:,} agreements, {args.users} users back to back, "
          f"{os.cpu_count()} cores, {args.seconds:.0f} s each)\n")
    print("| workers | turns/s | median turn | p99 turn | throughput vs 1 worker | target (2 workers ≥ 1.6×) |")
    print("|---:|---:|---:|---:|---:|---|")
    for workers, rate, median, slowest in results:
        ratio = rate / base if base else 0.0
        target = ("met" if ratio >= TARGET else "NOT met") if workers == 2 else ""
        print(f"| {workers} | {rate:.1f} | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms | {ratio:.2f}× | {target} |")


if __name__ == "__main__":
    asyncio.run(main())
