"""Checking a whole monitoring return sent at once (the one-card form), with the dialog's rules.

The form carries every answer together, so the conditional questions are worked out as the
dialog would: each question is checked in order against the answers so far (stored answers,
overwritten by the form's valid ones), so a shortfall reason is needed only when the form's
actual is below 80% of target, and a spend explanation only when the form's spend to date is
over the agreement value or far behind profile. Each answer goes through `normalise_answer`,
the same function the dialog uses; nothing here words a message (the edge does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.returns import SAME_AS_LAST, AnswerRefused, MonitoringReturn, Question, normalise_answer, questions_for


@dataclass(frozen=True)
class FormCheck:
    """The form's valid answers (in question order, ready to save) and what was wrong with the rest."""

    answers: dict[str, str] = field(default_factory=dict)
    problems: dict[str, AnswerRefused] = field(default_factory=dict)
    # The answers the return would have once the valid ones are saved.
    combined: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def form_value(fields: Mapping[str, object], key: str) -> str:
    """What the form sent for `key` as text; anything not a plain value counts as blank."""
    raw = fields.get(key)
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return ""
    return str(raw)


def check_form(ret: MonitoringReturn, fields: Mapping[str, object]) -> FormCheck:
    """Every question the return asks, checked against what the form sent.

    A field that fails drops out of the answers used for later questions, so a bad actual
    does not also ask for a reason, and a bad spend to date does not ask for an explanation.
    Answering by form means the figures were not copied from last period: `same_as_last`
    becomes "no" when it has no answer yet.
    """
    has_previous = ret.previous is not None
    combined = dict(ret.answers)
    answers: dict[str, str] = {}
    problems: dict[str, AnswerRefused] = {}
    if has_previous and SAME_AS_LAST not in combined:
        combined[SAME_AS_LAST] = answers[SAME_AS_LAST] = "no"
    checked: set[str] = {SAME_AS_LAST}
    while True:
        question = _next_unchecked(questions_for(ret.agreement, ret.period, combined, has_previous=has_previous,
                                                    paid_to_date=ret.paid_to_date), checked)
        if question is None:
            break
        checked.add(question.key)
        try:
            value = normalise_answer(question, form_value(fields, question.key), combined)
        except AnswerRefused as refused:
            problems[question.key] = refused
            combined.pop(question.key, None)
            continue
        combined[question.key] = answers[question.key] = value
    return FormCheck(answers, problems, combined)


def _next_unchecked(questions: list[Question], checked: set[str]) -> Question | None:
    return next((q for q in questions if q.key not in checked), None)
