"""`commissioning-bot ask`: answer register questions without Teams.

With a QUESTION, answers it; without, reads one question per line from standard input
(blank lines are skipped) as one conversation: a line such as "and in Southwark?" or "the
first one" follows up the line before, as it would in Teams (docs/questions.md "Follow-ups").
`--json` prints one JSON object per question for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable

from bot.commands.common import add_today_argument, database_url, migrated_engine, run_async, today_from
from domain.answers import Answer
from domain.values import format_date, format_money


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", nargs="?", help="the question (default: one per line from standard input)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per question")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    today = today_from(args.today)
    url = database_url(args)
    questions: Iterable[str] = [args.question] if args.question is not None else _stdin_questions()
    return run_async(_ask(url, questions, today, as_json=args.json))


def _stdin_questions() -> Iterable[str]:
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


async def _ask(url: str, questions: Iterable[str], today, *, as_json: bool) -> int:  # type: ignore[no-untyped-def]
    from bot.questions.answer_json import answer_json
    from bot.questions.engine import QuestionEngine
    from bot.questions.followups import Context, answer_in_context
    from notifications.calendar import england_and_wales_bank_holidays
    from storage.agreements import load_register
    from storage.db import session_factory
    from storage.payments import schedules_for
    from storage.returns import returns_overview

    engine = await migrated_engine(url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            register = await load_register(session)
            payments = await schedules_for(session, register, os.environ.get("PAYMENT_PROFILE", ""))
        questions_engine = QuestionEngine(register, payments=payments, bank_holidays=england_and_wales_bank_holidays())
        returns = None  # the monitoring overview, loaded at the first question that needs it
        context: Context | None = None  # the last question, which the next line may follow up
        for question in questions:
            if returns is None and QuestionEngine.is_about_returns(question):
                async with sessions() as session:
                    returns = await returns_overview(session, today)
            answer, context, _ = answer_in_context(questions_engine, question, today, context, returns=returns or ())
            if as_json:
                print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
            else:
                print(render_text(answer), flush=True)
    finally:
        await engine.dispose()
    return 0


def render_text(answer: Answer) -> str:
    """The answer as a person reads it in a terminal."""
    lines = [f"Q: {answer.question}", answer.headline]
    if answer.choices:
        lines.append("Ask again with the dates you mean, for example:")
        lines.extend(f"  {question}" for _title, question in answer.choices)
        return "\n".join(lines) + "\n"
    if not answer.understood:
        lines.append("Try, for example:")
        lines.extend(f"  {example}" for example in answer.examples)
        return "\n".join(lines) + "\n"
    lines.append(f"Read as: {answer.interpretation}")
    if answer.group_by:
        width = max(len(group.name) for group in answer.groups) if answer.groups else 0
        for group in answer.groups:
            lines.append(f"  {group.name:<{width}} | {group.count:>4} | {format_money(group.total_value) or '£0'}")
        lines.append(f"{answer.count} found in {len(answer.groups)} groups, total {format_money(answer.total_value) or '£0'}")
        return "\n".join(lines) + "\n"
    for match in answer.matches:
        agreement = match.agreement
        marks = [word for flag, word in ((match.ended, "ended"), (match.not_started, "not started")) if flag]
        lines.append(
            "  "
            + " | ".join(
                [
                    agreement.reference,
                    agreement.title,
                    agreement.provider,
                    format_date(agreement.current_end_date) or "no end date",
                    format_money(agreement.value) or "no value",
                ]
                + ([", ".join(marks)] if marks else [])
            )
        )
        for note in match.problems + match.notes:
            lines.append(f"      - {note}")
    lines.extend(f"  {detail}" for detail in answer.details)
    lines.append(f"{answer.count} found, total {format_money(answer.total_value) or '£0'}")
    return "\n".join(lines) + "\n"
