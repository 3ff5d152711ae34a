"""What the quarterly publication reads from the database: the register and accepted returns.

Only figures are read from returns (KPI actuals, spend to date, RAG): the free text a provider
typed (reasons, risks, outcomes, case studies) never leaves this module, so it cannot be
published by mistake.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.agreement import Agreement
from domain.monitoring import ACCEPTED
from domain.publication import AcceptedReturn
from domain.returns import KpiActual
from storage.agreements import load_register
from storage.db import session_factory
from storage.models import AgreementRow, ReturnKpiActual
from storage.models import MonitoringPeriod as PeriodRow
from storage.models import MonitoringReturn as ReturnRow


async def register_and_returns(engine: AsyncEngine, until: date) -> tuple[list[Agreement], dict[str, AcceptedReturn]]:
    """Every agreement, and each one's latest accepted return for a period ending by `until`."""
    async with session_factory(engine)() as session:
        agreements = await load_register(session)
        rows = (
            await session.execute(
                select(AgreementRow.reference, PeriodRow.label, PeriodRow.period_end, ReturnRow.id, ReturnRow.rag,
                       ReturnRow.spend_to_date)
                .join(PeriodRow, PeriodRow.agreement_id == AgreementRow.id)
                .join(ReturnRow, ReturnRow.period_id == PeriodRow.id)
                .where(ReturnRow.state == ACCEPTED, PeriodRow.period_end <= until)
                .order_by(AgreementRow.reference, PeriodRow.period_end)
            )
        ).all()
        latest = {reference: (label, end, return_id, rag, spend) for reference, label, end, return_id, rag, spend in rows}
        actuals: dict[int, list[tuple[str, str, str]]] = {}
        ids = [entry[2] for entry in latest.values()]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            result = await session.execute(
                select(ReturnKpiActual.return_id, ReturnKpiActual.kpi_name, ReturnKpiActual.target, ReturnKpiActual.actual)
                .where(ReturnKpiActual.return_id.in_(chunk))
                .order_by(ReturnKpiActual.return_id, ReturnKpiActual.id)
            )
            for return_id, name, target, actual in result.all():
                actuals.setdefault(return_id, []).append((name, target, actual))
    returns = {
        reference: AcceptedReturn(
            reference, label, end, rag or "",
            tuple(KpiActual(name, _number(target) or Decimal(0), _number(actual)) for name, target, actual in actuals.get(return_id, [])),
            spend,
        )
        for reference, (label, end, return_id, rag, spend) in latest.items()
    }
    return agreements, returns


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None
