"""Benchmark: register import, question answering and memory at 1,000 / 10,000 / 100,000 agreements.

Run from the repository root:  .venv/bin/python bench/run.py            (about 3 minutes)
                               .venv/bin/python bench/run.py --quick    (1,000 and 10,000 only)

Each figure is measured against a plain baseline in the same run (so the ratio holds on any
machine), with warm-ups and a bounded number of runs; the number of runs is printed beside
each median and p99. The tables are Markdown, ready to paste into the README. This is a
benchmark, not a test: it never fails a build, it reports and marks each target met or not.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from measure import Timings, markdown_table, ms, peak_memory, time_awaits, time_calls
from workloads import (
    QUARTER,
    QUESTIONS,
    TODAY,
    baseline_import,
    list_filter,
    parse_register,
    rows_for,
    sql_filter,
    sql_table,
    write_register_csv,
    write_register_xlsx,
)

from bot.questions.engine import QuestionEngine, answer_question
from domain.agreement import Agreement
from storage.agreements import load_register
from storage.db import create_engine, session_factory, upgrade
from storage.register_cache import RegisterCache
from storage.register_import import import_register

ANSWER_TARGET = 0.050  # seconds, median (and the p99) at 10,000 agreements
IMPORT_TARGET = 30.0  # seconds for 10,000 rows
IMPORT_RATE_TARGET = 5_000  # rows per second
RATIO_TARGET = 5.0  # answer vs the bare SQL query with the same filter
MEMORY_TARGET = 300 * 1024 * 1024  # peak bytes importing 100,000 rows

# Table sections, printed in this order.
IMPORTS, QUESTION_MIX, ONE_QUESTION, ENGINE_TARGETS, ENGINE, MEMORY, ROUND_TRIP = range(7)
HEADERS = ["What", "Agreements", "Median", "p99", "Runs", "Baseline (median)", "Ratio", "Target"]


class FreshImport:
    """Imports one file into a new, migrated SQLite database each run (migration untimed)."""

    databases = itertools.count(1)

    def __init__(self, path: Path, directory: Path, expected: int) -> None:
        self.path, self.directory, self.expected = path, directory, expected
        self.engine = None

    async def prepare(self) -> None:
        await self.close()
        self.engine = create_engine(f"sqlite:///{self.directory / f'import-{next(self.databases)}.db'}")
        await upgrade(self.engine)

    async def run(self) -> object:
        summary = await import_register(self.engine, self.path, today=TODAY, actor="bench")
        assert summary.created == self.expected, (summary.created, self.expected)
        return summary

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None


def mix_timings(answer, questions: Sequence[str], *, budget: float) -> tuple[Timings, dict[str, list[float]]]:  # type: ignore[no-untyped-def]
    """Ask the whole mix in rounds until `budget` seconds are spent (at least one round).

    Returns all timings pooled (the mix's median and p99) and each question's own timings.
    """
    for question in questions[:3]:  # warm-up: first compiled patterns, caches
        answer(question)
    per_question: dict[str, list[float]] = {q: [] for q in questions}
    deadline = time.perf_counter() + budget
    while True:
        for question in questions:
            started = time.perf_counter()
            answer(question)
            per_question[question].append(time.perf_counter() - started)
        if time.perf_counter() >= deadline or len(per_question[questions[0]]) >= 50:
            break
    pooled = tuple(t for timings in per_question.values() for t in timings)
    return Timings(pooled), per_question


def stage(text: str, started: float) -> None:
    """Progress on standard error, so the tables on standard output stay clean."""
    print(f"  {text}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:,.1f}×" if baseline > 0 else "–"


def megabytes(count: int) -> str:
    return f"{count / 1024 / 1024:,.0f} MB"


class Bench:
    def __init__(self, directory: Path, sizes: Sequence[int]) -> None:
        self.directory = directory
        self.sizes = sizes
        self.rows: list[tuple[int, int, int, list[str]]] = []
        self.detail: list[list[str]] = []
        self.fresh_list: dict[int, float] = {}

    def add(self, section: int, what: str, size: int, timings: Timings | None, baseline: str = "",
            ratio_text: str = "", target: str = "", median: str = "", p99: str = "") -> None:
        """One table row; rows are printed by section, then size."""
        self.rows.append((section, len(self.rows), size, [
            what, f"{size:,}", median or (ms(timings.median) if timings else ""),
            p99 or (ms(timings.p99) if timings else ""), str(timings.runs) if timings else "1",
            baseline, ratio_text, target,
        ]))

    def table(self) -> list[list[str]]:
        return [row for *_, row in sorted(self.rows, key=lambda entry: (entry[0], entry[2], entry[1]))]

    async def imports(self, size: int) -> None:
        """(a) Importing a CSV and an XLSX register into SQLite, against the executemany floor."""
        rows = rows_for(size)
        csv_path = write_register_csv(rows, self.directory / f"register-{size}.csv")
        importer = FreshImport(csv_path, self.directory, size)
        product = await time_awaits(importer.run, warmup=1, runs=4, budget=15, before=importer.prepare)
        database = importer.engine  # keep the last imported database for the questions
        floor = time_calls(lambda: baseline_import(csv_path, self.directory / "baseline.db"), warmup=1, runs=7, budget=4)
        rate = size / product.median
        self.add(IMPORTS, "Import CSV (`import_register`, new SQLite file)", size, product,
                 f"csv.DictReader + executemany: {ms(floor.median)}", ratio(product.median, floor.median),
                 f"< 30 s: {verdict(product.median < IMPORT_TARGET)}; {rate:,.0f} rows/s "
                 f"(≥ 5,000: {verdict(rate >= IMPORT_RATE_TARGET)})")
        xlsx_path = write_register_xlsx(rows, self.directory / f"register-{size}.xlsx")
        xlsx = FreshImport(xlsx_path, self.directory, size)
        xlsx_timings = await time_awaits(xlsx.run, warmup=0, runs=2, budget=8, before=xlsx.prepare)
        await xlsx.close()
        xlsx_rate = size / xlsx_timings.median
        self.add(IMPORTS, "Import XLSX (`import_register`, new SQLite file)", size, xlsx_timings, "", "",
                 f"{xlsx_rate:,.0f} rows/s (≥ 5,000: {verdict(xlsx_rate >= IMPORT_RATE_TARGET)})")
        self.product_engine = database

    def questions(self, size: int, register: list[Agreement], *, budget: float) -> None:
        """(b) The fixed mix, answered in-process, against a list comprehension and bare SQL."""
        first, last = QUARTER
        floor = time_calls(lambda: list_filter(register, "grant", first, last), warmup=3, runs=200, budget=3)
        connection = sql_table(register)
        sql = time_calls(lambda: sql_filter(connection, "grant", first, last), warmup=3, runs=200, budget=3)
        connection.close()
        engine = QuestionEngine(register)
        build = time_calls(lambda: QuestionEngine(register), warmup=0, runs=5, budget=2)
        # At 100,000 rebuilding the index for every question takes minutes for the mix: not run.
        cold = mix_timings(lambda q: answer_question(q, register, TODAY), QUESTIONS, budget=budget)[0] if size <= 10_000 else None
        warm, per_question = mix_timings(lambda q: engine.answer(q, TODAY), QUESTIONS, budget=budget)
        one = time_calls(lambda: engine.answer(QUESTIONS[0], TODAY), warmup=2, runs=100, budget=3)
        self.engine_rows(size, engine, register)
        target = ""
        if cold and size == 10_000:
            target = f"median < 50 ms: {verdict(cold.median < ANSWER_TARGET)}; p99 ≤ 50 ms: {verdict(cold.p99 <= ANSWER_TARGET)}"
        if cold:
            self.add(QUESTION_MIX, "`answer_question`, mix of 20 (builds the name index every call)", size, cold,
                     f"list comprehension: {ms(floor.median)}", ratio(cold.median, floor.median), target)
        if size == 10_000:
            target = f"median < 50 ms: {verdict(warm.median < ANSWER_TARGET)}; p99 ≤ 50 ms: {verdict(warm.p99 <= ANSWER_TARGET)}"
        self.add(QUESTION_MIX, "`QuestionEngine.answer`, mix of 20 (index built once, as `ask` and the bot do)", size, warm,
                 f"list comprehension: {ms(floor.median)}", ratio(warm.median, floor.median), target)
        self.add(ONE_QUESTION, "\"which grants expire this quarter?\" (engine built once)", size, one,
                 f"bare SQL, same filter: {ms(sql.median)}", ratio(one.median, sql.median),
                 f"ratio ≤ 5: {verdict(one.median / sql.median <= RATIO_TARGET)}" if size == 10_000 else "")
        self.add(ENGINE, "Building the question engine (name index)", size, build)
        if size == 10_000:
            for question in QUESTIONS:
                answer = engine.answer(question, TODAY)
                timings = Timings(tuple(per_question[question]))
                self.detail.append([question, "yes" if answer.understood else "NO", str(answer.count),
                                    ms(timings.median), ms(timings.p99), str(timings.runs)])

    def engine_rows(self, size: int, engine: QuestionEngine, register: list[Agreement]) -> None:
        """The `ask` engine's targets (issue 10): each answer worked out afresh (remembered answers cleared)."""
        first, last = QUARTER
        connection = sql_table(register)

        def fresh(question: str) -> Timings:
            # Remembered answers are cleared; what the index remembers per day (data-quality
            # problems and rows) is kept, as in the bot after the day's first such question.
            def call() -> object:
                engine._answers.clear()  # the engine remembers answers per (query, day): measure the work
                return engine.answer(question, TODAY)
            return time_calls(call, warmup=2, runs=100, budget=3)

        sql = time_calls(lambda: sql_filter(connection, "grant", first, last), warmup=3, runs=200, budget=2)
        listed = fresh(QUESTIONS[0])
        self.fresh_list[size] = listed.median
        target = ""
        if size == 10_000:
            target = f"≤ 2× SQL: {verdict(listed.median <= 2 * sql.median)}"
        elif size == 100_000 and 10_000 in self.fresh_list:
            growth = listed.median / self.fresh_list[10_000]
            target = f"{growth:.1f}× the 10,000 figure (≤ 10×: {verdict(growth <= 10)})"
        self.add(ENGINE_TARGETS, f"\"{QUESTIONS[0]}\", worked out afresh", size, listed,
                 f"bare SQL, same filter: {ms(sql.median)}", ratio(listed.median, sql.median), target)
        one_question = "who is the contact for OPCC-2023-014?"
        one = fresh(one_question)
        reference = "OPCC-2023-014"
        by_key = time_calls(lambda: connection.execute(
            "SELECT reference, title, provider FROM agreements WHERE reference = ?", (reference,)).fetchall(),
            warmup=3, runs=200, budget=1)
        self.add(ENGINE_TARGETS, f"\"{one_question}\", worked out afresh", size, one,
                 f"bare SQL by primary key: {ms(by_key.median)}", ratio(one.median, by_key.median),
                 f"≤ 1 ms: {verdict(one.median <= 0.001)}")
        quality_question = "which agreements have data quality problems?"
        answer = engine.answer(quality_question, TODAY)
        references = json.dumps([m.agreement.reference for m in answer.matches])
        same_rows = time_calls(lambda: connection.execute(
            "SELECT reference, title, provider, current_end, value_pence FROM agreements "
            "WHERE reference IN (SELECT value FROM json_each(?)) ORDER BY reference", (references,)).fetchall(),
            warmup=2, runs=50, budget=2)
        quality = fresh(quality_question)
        self.add(ENGINE_TARGETS, f"\"{quality_question}\" ({len(answer.matches):,} rows), worked out afresh", size,
                 quality, f"one SQL query returning the same rows: {ms(same_rows.median)}",
                 ratio(quality.median, same_rows.median),
                 f"≤ 2×: {verdict(quality.median <= 2 * same_rows.median)}" if size == 10_000 else "")

        days = itertools.count(1)

        def first_of_the_day() -> object:
            # The next day, as in the bot: the day's problems and rows are worked out again,
            # from the rows of the day before where an agreement neither ended nor started.
            engine._answers.clear()
            return engine.answer(quality_question, TODAY + timedelta(days=next(days)))

        cold = time_calls(first_of_the_day, warmup=2, runs=50, budget=3)
        self.add(ENGINE_TARGETS, f"\"{quality_question}\", first question of a new day", size,
                 cold, f"one SQL query returning the same rows: {ms(same_rows.median)}",
                 ratio(cold.median, same_rows.median),
                 f"≤ 2×: {verdict(cold.median <= 2 * same_rows.median)}" if size == 10_000 else "")

        def first_on_a_new_version() -> object:
            engine._answers.clear()
            engine.index._day_problems = None  # nothing kept: as on a register version's first such question
            return engine.answer(quality_question, TODAY)

        fresh_version = time_calls(first_on_a_new_version, warmup=2, runs=50, budget=3)
        self.add(ENGINE_TARGETS, f"\"{quality_question}\", first question on a new register version", size,
                 fresh_version, f"one SQL query returning the same rows: {ms(same_rows.median)}",
                 ratio(fresh_version.median, same_rows.median))
        connection.close()

    async def loading(self, size: int) -> list[Agreement]:
        """(c), (d) Loading the register from SQLite: peak memory, and the full `ask` round trip."""
        sessions = session_factory(self.product_engine)

        async def load() -> list[Agreement]:
            async with sessions() as session:
                return await load_register(session)

        peak, register = await peak_memory(load)
        self.add(MEMORY, "Peak memory loading the register from SQLite (tracemalloc)", size, None,
                 median=megabytes(peak), p99="")

        async def round_trip() -> object:
            return QuestionEngine(await load()).answer(QUESTIONS[0], TODAY)

        trips = await time_awaits(round_trip, warmup=0, runs=3, budget=8)
        self.add(ROUND_TRIP, "`ask` round trip: load register from SQLite + build engine + answer", size, trips)

        cache = RegisterCache(sessions)
        engines: dict[int, tuple[object, QuestionEngine]] = {}

        async def bot_answer(question: str) -> object:
            current = await cache.current()
            if id(current) not in engines:
                engines[id(current)] = (current, QuestionEngine(current))
            return engines[id(current)][1].answer(question, TODAY)

        await bot_answer(QUESTIONS[0])
        index = iter(range(10**9))
        warm = await time_awaits(lambda: bot_answer(QUESTIONS[next(index) % len(QUESTIONS)]), warmup=0,
                                 runs=200, budget=5)
        self.add(ROUND_TRIP, "Bot question: register cache check (SQL) + cached engine, mix of 20", size, warm)
        return register  # type: ignore[return-value]

    def import_memory(self, size: int) -> None:
        """(c) Peak memory importing `size` rows: resident memory of a process that only imports."""
        path = write_register_csv(rows_for(size), self.directory / f"register-{size}.csv")
        child = subprocess.run(
            [sys.executable, __file__, "--measure-import", str(path), str(self.directory / f"memory-{size}.db")],
            capture_output=True, text=True, check=True,
        )
        before, peak, seconds = (float(x) for x in child.stdout.split())
        target = f"≤ 300 MB: {verdict(peak <= MEMORY_TARGET)}" if size == 100_000 else ""
        self.add(MEMORY, "Peak memory importing a CSV (resident, whole process)", size, None,
                 median=megabytes(int(peak)), baseline=f"process before importing: {megabytes(int(before))}",
                 target=f"{target}{'; ' if target else ''}{size / seconds:,.0f} rows/s")

    async def run(self) -> None:
        for size in self.sizes:
            started = time.perf_counter()
            if size == 10_000:
                await self.imports(size)
                stage("imports", started)
                register = await self.loading(size)
                stage("loading", started)
            else:
                register = parse_register(rows_for(size))
                stage("register built", started)
            self.questions(size, register, budget={1_000: 3, 10_000: 8}.get(size, 0))
            stage("questions", started)
            if size != 1_000:
                self.import_memory(size)
                stage("import memory", started)
            if size == 10_000:
                await self.product_engine.dispose()
            print(f"… {size:,} agreements measured in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


async def measure_import(csv_path: Path, database: Path) -> None:
    """Child-process mode: import one file into a new database; print RSS before, peak RSS, seconds."""
    engine = create_engine(f"sqlite:///{database}")
    await upgrade(engine)
    before = _resident_bytes()
    started = time.perf_counter()
    await import_register(engine, csv_path, today=TODAY, actor="bench")
    seconds = time.perf_counter() - started
    await engine.dispose()
    print(before, _resident_bytes("VmHWM"), seconds)


def _resident_bytes(field: str = "VmRSS") -> int:
    """Resident memory now (`VmRSS`) or at its peak (`VmHWM`), from /proc.

    Not `ru_maxrss`: Linux carries that over from the parent across fork and exec, so a
    child started by a large benchmark process would report the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 agreements only")
    parser.add_argument("--measure-import", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_import:
        asyncio.run(measure_import(Path(args.measure_import[0]), Path(args.measure_import[1])))
        return 0
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="commissioning-bench-") as directory:
        bench = Bench(Path(directory), sizes)
        asyncio.run(bench.run())
    print(f"## Benchmark ({platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, SQLite, today = {TODAY.isoformat()})\n")
    print(markdown_table(HEADERS, bench.table()))
    print("\n### Each question at 10,000 agreements (`QuestionEngine.answer`)\n")
    print(markdown_table(["Question", "Understood", "Matches", "Median", "p99", "Runs"], bench.detail))
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nWhole benchmark: {time.perf_counter() - started:.0f} s; peak resident memory of the benchmark "
          f"process {peak_rss:,.0f} MB. tracemalloc counts Python allocations only (not SQLite's own cache).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
