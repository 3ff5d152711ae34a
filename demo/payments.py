"""Demo payment schedules: what a realistic year of money out looks like, late payments included.

Every demo agreement with a value, a start and an end gets quarterly instalments in advance.
Instalments already due are mostly paid on time; some were paid late, a few are part paid,
and the Safer Neighbourhood Board grants — the late funding the Police and Crime Committee
found — are still waiting, so "which payments are late?" has something true to say.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from domain.agreement import Agreement
from domain.payment_rows import ParsedPayments
from domain.payments import Instalment, generated_schedule

PROFILE = "quarterly-in-advance"
SNB_WORDS = "safer neighbourhood board"


def plan_payments(agreements: Sequence[Agreement], today: date, seed: int = 2026) -> ParsedPayments:
    """Schedules for the demo's agreements, as a payments sheet would give them (not marked generated)."""
    rng = random.Random(seed)
    schedules: dict[str, tuple[Instalment, ...]] = {}
    for agreement in sorted(agreements, key=lambda a: a.reference):
        if agreement.status == "draft":
            continue
        made = [replace(i, generated=False) for i in generated_schedule(agreement, PROFILE)]
        if not made:
            continue
        recent = agreement.start_date is not None and agreement.start_date > today - timedelta(days=500)
        waiting = SNB_WORDS in agreement.provider.lower() and recent and rng.random() < 0.7
        schedules[agreement.reference] = tuple(_paid(i, today, rng, waiting) for i in made)
    return ParsedPayments(schedules, (), sum(len(s) for s in schedules.values()))


def _paid(instalment: Instalment, today: date, rng: random.Random, waiting: bool) -> Instalment:
    if instalment.due > today - timedelta(days=3):
        return instalment
    if waiting:
        return instalment  # the SNB money that has not arrived
    roll = rng.random()
    if roll < 0.05 and instalment.due > today - timedelta(days=60):
        return instalment  # overdue, nobody has chased it
    delay = rng.choice((0, 1, 2, 3)) if roll < 0.85 else rng.randint(15, 60)
    paid_on = min(instalment.due + timedelta(days=delay), today)
    recent = instalment.due > today - timedelta(days=90)
    amount = instalment.amount if roll < 0.97 or not recent else (instalment.amount / 2).quantize(Decimal("0.01"))
    return replace(instalment, paid_on=paid_on, paid_amount=amount, payment_reference=f"BACS-{rng.randint(10000, 99999)}")
