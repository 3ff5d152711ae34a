"""Benchmark: what a breakdown costs against the same question answered as a flat list, same run.

"Total value per provider" reads and filters exactly as "total value" does, then groups the
matches. Each pair below is timed alternately on one engine built once over the register (as `ask`
and the bot use it), so the ratio of medians is the cost of grouping and nothing else. Also the
field questions ("project code for …") against "tell me about …" on the same agreement. Last, the
bench's usual mix of 20 questions with the new readers (breakdown, field and signed-status words)
against the same mix with them switched off in this process: what reading the new words costs
every question.

    .venv/bin/python bench/breakdowns.py [--size 10000] [--runs 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import Timings, markdown_table, ms  # noqa: E402
from workloads import QUESTIONS, TODAY, parse_register, rows_for  # noqa: E402

import bot.questions.engine as engine_module  # noqa: E402
import bot.questions.reading as reading_module  # noqa: E402
from bot.questions.engine import QuestionEngine  # noqa: E402

# (breakdown or field question, the flat question it is measured against)
PAIRS: tuple[tuple[str, str], ...] = (
    ("total value per provider", "what is the total value of current agreements?"),
    ("how much do we fund in each borough?", "how much do we fund?"),
    ("total spend by funding stream", "total spend"),
    ("grants ending this financial year by month", "grants ending this financial year"),
    ("which contracts end next quarter, by category?", "which contracts end next quarter?"),
    ("project code for MOPAC-2022-001", "tell me about MOPAC-2022-001"),
    ("how many extension options are left on MOPAC-2022-001?", "tell me about MOPAC-2022-001"),
)
TARGET = 1.5  # a breakdown within 1.5x of the flat answer to the same question


def alternate(engine: QuestionEngine, first: str, second: str, runs: int) -> tuple[Timings, Timings]:
    """Time `first` and `second` in turns (after a warm-up each), so drift hits both alike."""
    for question in (first, second):
        assert engine.answer(question, TODAY).understood, question
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for question, seconds in ((first, a), (second, b)):
            started = time.perf_counter()
            engine.answer(question, TODAY)
            seconds.append(time.perf_counter() - started)
    return Timings(tuple(a)), Timings(tuple(b))


def mix_row(engine: QuestionEngine, size: int, runs: int) -> list[str]:
    """The mix of 20 with and without the new readers, in turns; one row of the table."""
    saved = (reading_module.FIELD_CUES, reading_module.SIGNED_CUES, engine_module.take_breakdown, engine_module.mentions_breakdown)

    def without() -> None:
        reading_module.FIELD_CUES, reading_module.SIGNED_CUES = [], []
        engine_module.take_breakdown = lambda reading: None  # type: ignore[assignment]
        engine_module.mentions_breakdown = lambda text: False  # type: ignore[assignment]

    def restore() -> None:
        reading_module.FIELD_CUES, reading_module.SIGNED_CUES, engine_module.take_breakdown, engine_module.mentions_breakdown = saved

    with_new: list[float] = []
    old: list[float] = []
    for _ in range(runs):
        for question in QUESTIONS:
            for switch, seconds in ((restore, with_new), (without, old)):
                switch()
                started = time.perf_counter()
                engine.answer(question, TODAY)
                seconds.append(time.perf_counter() - started)
    restore()
    timed, floor = Timings(tuple(with_new)), Timings(tuple(old))
    ratio = timed.median / floor.median
    return [
        "mix of 20 (bench/workloads.py), with the new readers", f"{size:,}", ms(timed.median), ms(timed.p99), str(timed.runs),
        f"same mix, new readers off: {ms(floor.median)} (p99 {ms(floor.p99)})", f"{ratio:.2f}×",
        f"≤ 1.1×: {'met' if ratio <= 1.1 else 'NOT met'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    register = parse_register(rows_for(args.size))
    engine = QuestionEngine(register)
    rows = []
    for question, floor in PAIRS:
        timed, flat = alternate(engine, question, floor, args.runs)
        ratio = timed.median / flat.median
        groups = len(engine.answer(question, TODAY).groups)
        rows.append([
            f"“{question}”" + (f" ({groups} groups)" if groups else ""), f"{len(register):,}", ms(timed.median), ms(timed.p99),
            str(timed.runs), f"“{floor}”: {ms(flat.median)} (p99 {ms(flat.p99)})", f"{ratio:.2f}×",
            f"≤ {TARGET}×: {'met' if ratio <= TARGET else 'NOT met'}",
        ])
    rows.append(mix_row(engine, len(register), max(5, args.runs // 10)))
    print(markdown_table(["Question", "Agreements", "Median", "p99", "Runs", "Floor, same run (median)", "Ratio", "Target"], rows))


if __name__ == "__main__":
    main()
