"""Benchmark: what follow-up questions cost, against answering the same question asked in full.

On the demo register scaled to `--size` agreements (bench/workloads.py), in one run:
- a complete question through `answer_in_context` with no context, against `QuestionEngine.answer`
  (the floor): the price of checking whether the words follow anything up;
- the same complete question with a context in place (it must read the words as a fragment first);
- each follow-up ("and in Southwark?", "only the grants", "over £100k", "the first one") against
  the floor of the complete question it stands for ("what do we fund in Southwark?" …);
- the context's database work per turn on a SQLite file, against the plain answer: the load,
  which a turn waits for, and the save, which runs while the reply is sent.
Each case alternates with its floor, call by call, so a busy machine slows both alike.

    .venv/bin/python bench/followups.py [--size 10000] [--runs 200] [--budget 10]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import Timings, markdown_table, ms, time_awaits, time_calls  # noqa: E402
from sqlalchemy import text  # noqa: E402
from workloads import TODAY, parse_register, rows_for  # noqa: E402

from bot.questions.engine import QuestionEngine  # noqa: E402
from bot.questions.followups import Context, answer_in_context, context_to_json  # noqa: E402
from storage.db import create_engine, session_factory, upgrade  # noqa: E402
from storage.question_context import QuestionContexts  # noqa: E402

FIRST = "what do we fund in Lambeth?"
# (follow-up, the complete question it stands for)
FOLLOW_UPS = (
    ("and in Southwark?", "what do we fund in Southwark?"),
    ("only the grants", "which grants do we fund in Lambeth?"),
    ("over £100k", "what do we fund in Lambeth over £100k?"),
    ("who is the contact for the first one?", "who is the contact for {first}?"),
)


def _context(engine: QuestionEngine) -> Context:
    _, context, _ = answer_in_context(engine, FIRST, TODAY, None)
    assert context is not None
    return context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per measurement at most")
    args = parser.parse_args()
    engine = QuestionEngine(parse_register(rows_for(args.size)))
    context = _context(engine)
    first = context.shown[0] if context.shown else "OPCC-2023-014"
    options: dict[str, int | float] = {"warmup": 3, "runs": args.runs, "budget": args.budget}
    rows: list[list[str]] = []

    floor, fresh = paired(lambda: engine.answer(FIRST, TODAY), lambda: answer_in_context(engine, FIRST, TODAY, None), **options)
    rows.append(_row(f"complete question, no context: “{FIRST}”", fresh, floor))
    floor, again = paired(lambda: engine.answer(FIRST, TODAY), lambda: answer_in_context(engine, FIRST, TODAY, context), **options)
    rows.append(_row("the same with a context (read as a fragment first)", again, floor))
    for words, complete in FOLLOW_UPS:
        whole = complete.format(first=first)
        floor_of, follow = paired(
            lambda whole=whole: engine.answer(whole, TODAY),
            lambda words=words: answer_in_context(engine, words, TODAY, context),
            **options,
        )
        rows.append(_row(f"follow-up “{words}” (floor: “{whole}”)", follow, floor_of))
    plain = time_calls(lambda: engine.answer(FIRST, TODAY), **options)
    bare, load, save = asyncio.run(_database_round_trip(context, options))
    rows.append(_row("context load on SQLite: the turn waits for it (floor: the plain answer)", load, plain))
    rows.append(_row("context load on SQLite (floor: `SELECT 1` in a session of the same engine)", load, bare))
    rows.append(_row("context save on SQLite: runs while the reply is sent (floor: `SELECT 1`)", save, bare))
    print(f"Follow-ups on {args.size:,} agreements, {TODAY}\n")
    print(markdown_table(["what", "median", "p99", "runs", "floor median", "ratio"], rows))


def _row(label: str, timings: Timings, floor: Timings) -> list[str]:
    ratio = timings.median / floor.median if floor.median else float("nan")
    return [label, ms(timings.median), ms(timings.p99), str(timings.runs), ms(floor.median), f"{ratio:.2f}×"]


def paired(floor: Callable[[], object], call: Callable[[], object], *, warmup: int, runs: int, budget: float) -> tuple[Timings, Timings]:
    """`floor` and `call` timed in turn, run after run, within one time budget."""
    for _ in range(warmup):
        floor()
        call()
    floors: list[float] = []
    calls: list[float] = []
    deadline = time.perf_counter() + budget
    gc.collect()
    while len(calls) < runs and (not calls or time.perf_counter() < deadline):
        for out, timed in ((floors, floor), (calls, call)):
            started = time.perf_counter()
            timed()
            out.append(time.perf_counter() - started)
    return Timings(tuple(floors)), Timings(tuple(calls))


async def _database_round_trip(context: Context, options: dict[str, int | float]) -> tuple[Timings, Timings, Timings]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            await upgrade(engine)
            contexts = QuestionContexts(session_factory(engine))
            data = context_to_json(context)
            thread = ("19:bench@thread.tacv2;messageid=1", "aad-bench")
            await contexts.save(*thread, data)
            runs, budget = int(options["runs"]), float(options["budget"])
            sessions = session_factory(engine)

            async def select_one() -> None:
                async with sessions() as session:
                    await session.execute(text("SELECT 1"))

            bare = await time_awaits(select_one, warmup=3, runs=runs, budget=budget)
            load = await time_awaits(lambda: contexts.load(*thread), warmup=3, runs=runs, budget=budget)
            save = await time_awaits(lambda: contexts.save(*thread, data), warmup=3, runs=runs, budget=budget)
            return bare, load, save
        finally:
            await engine.dispose()


if __name__ == "__main__":
    main()
