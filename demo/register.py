"""A realistic demo register: the spreadsheet a London commissioning team really keeps.

`commissioning-bot demo` loads it so the bot has something true-to-life to answer from the
first minute, and the benchmark scales it up to 10,000 agreements. The rows are raw cells,
exactly as people type them into the register (UK and ISO dates side by side, `£125,000.00`
next to `125k`), with the data-quality gaps audits keep finding left in on purpose.

End dates are placed relative to `today`, so "this quarter", "next quarter", "in March",
"this financial year" and "the next 90 days" always have answers. The same `today` and
`seed` always give the same rows. Names of people and organisations are invented, and every
email address is under the reserved `.example` domain.
"""

from __future__ import annotations

import calendar
import csv
import random
import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import NotRequired, Required, TypedDict

from demo.catalogue import (
    BOROUGHS,
    CATEGORY_STREAMS,
    CORE,
    CSF,
    FIRST_NAMES,
    LAST_NAMES,
    LCPF,
    MOJ,
    PAN_LONDON,
    PARTNERSHIP_TITLES,
    SERVICES,
    SNB,
    STAFF,
    STREAM_CODES,
    VRU,
)
from domain.register_columns import COLUMNS  # the columns of docs/register-format.md, in its order


class _Service(TypedDict):
    """What `_Builder.row` must be told about an agreement's service; the rest it can draw."""

    title: str
    provider: str
    stream: str
    area: str
    category: str
    pounds: int
    kpis: str
    monitoring: NotRequired[str]
    provider_id: NotRequired[str | None]


class _Named(_Service, total=False):
    """A hand-placed agreement: `_Builder.row`'s keyword arguments, `kind` included."""

    kind: Required[str]
    timing: str
    end: date | None
    options: str
    used: int
    term_years: int | None
    status: str
    gaps: set[str] | frozenset[str]
    reference: str
    contact: tuple[str, str] | None
    manager: str
    signed: str
    notes: str
    project_code: str | None


def demo_rows(today: date, seed: int = 2026) -> list[dict[str, str]]:
    """The demo register: 80 agreements as raw spreadsheet cells, in the format's columns.

    A fixed set of named agreements (the victim and witness service, the Safer London
    contract, OPCC-2023-014, the data-quality cases) plus 70 more drawn from the services
    above, with every period a team asks about represented for every kind.
    """
    rng = random.Random(seed)
    builder = _Builder(rng, today)
    rows = [builder.row(**spec) for spec in _named_agreements(today)]
    plan = (
        [("contract", t) for t in _CONTRACT_TIMINGS]
        + [("grant", t) for t in _GRANT_TIMINGS]
        + [("partnership", t) for t in _PARTNERSHIP_TIMINGS]
    )
    statuses = _forced_statuses(rng, len(plan))
    for index, (kind, timing) in enumerate(plan):
        status = statuses.get(index, "")
        if status == "draft":
            timing = "later"
        rows.append(builder.generated(kind, timing, status=status, gaps=_gaps_for(index, len(plan), rng)))
    return rows


def register_rows(today: date, count: int, seed: int = 2026, *, taken: Iterable[str] = ()) -> list[dict[str, str]]:
    """`count` agreements in the demo's style with unique references, for benchmarks.

    Periods and gaps are drawn at random in the demo's proportions rather than placed by hand.
    References in `taken` (say, the demo's own) are never reused.
    """
    rng = random.Random(seed)
    builder = _Builder(rng, today, width=max(3, len(str(count))))
    builder.used.update(taken)
    kinds = rng.choices(("contract", "grant", "partnership"), weights=(35, 50, 15), k=count)
    timings = rng.choices(_TIMINGS, weights=_TIMING_WEIGHTS, k=count)
    rows = []
    for kind, timing in zip(kinds, timings, strict=True):
        status = rng.choices(("", "active", "draft", "terminated"), weights=(80, 12, 4, 4))[0]
        gaps = {gap for gap in _GAP_KINDS if rng.random() < 0.04}
        rows.append(builder.generated(kind, "later" if status == "draft" else timing, status=status, gaps=gaps))
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    """The rows as a UTF-8 CSV with a BOM, so Excel opens the £ signs correctly."""
    with Path(path).open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def write_demo_csv(path: Path, today: date, seed: int = 2026) -> list[dict[str, str]]:
    """Write the demo register to `path` and return its rows."""
    rows = demo_rows(today, seed)
    write_csv(rows, path)
    return rows


# --- periods relative to today -------------------------------------------------------

def financial_quarter(day: date) -> tuple[date, date]:
    """The financial quarter (Apr–Jun, Jul–Sep, Oct–Dec, Jan–Mar) containing `day`."""
    first_month = ((day.month - 1) // 3) * 3 + 1
    start = date(day.year, first_month, 1)
    return start, _month_end(date(day.year, first_month + 2, 1))


def financial_year_end(day: date) -> date:
    return date(day.year if day.month <= 3 else day.year + 1, 3, 31)


def next_march(day: date) -> tuple[date, date]:
    """The next March that has not wholly passed (this one while it is still March)."""
    year = day.year if day.month <= 3 else day.year + 1
    return date(year, 3, 1), date(year, 3, 31)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _month_ends_between(first: date, last: date) -> list[date]:
    ends, day = [], _month_end(first)
    while day <= last:
        ends.append(day)
        day = _month_end(day + timedelta(days=1))
    return ends


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 Feb for a 29 Feb that does not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


_TIMINGS = ("ended_long", "ended_recent", "this_q", "next_90", "next_q", "march", "this_fy", "later", "open")
_TIMING_WEIGHTS = (8, 4, 6, 6, 8, 6, 6, 54, 2)
_CONTRACT_TIMINGS = ("ended_long", "ended_long", "ended_recent", "this_q", "this_q", "this_q", "next_90",
                     "next_90", "next_q", "next_q", "next_q", "march", "march", "march", "this_fy",
                     "this_fy") + ("later",) * 8
_GRANT_TIMINGS = ("ended_long", "ended_long", "ended_long", "ended_recent", "ended_recent", "this_q",
                  "this_q", "this_q", "this_q", "next_90", "next_90", "next_90", "next_q", "next_q",
                  "next_q", "next_q", "march", "march", "march", "march", "this_fy", "this_fy",
                  "this_fy", "open") + ("later",) * 10
_PARTNERSHIP_TIMINGS = ("ended_long", "ended_recent", "this_q", "next_90", "next_q", "next_q", "march",
                        "march", "this_fy") + ("later",) * 3
_GAP_KINDS = ("no_contact", "info_email", "unsigned", "no_project_code", "no_manager", "no_start")


def _forced_statuses(rng: random.Random, count: int) -> dict[int, str]:
    """Three drafts and three terminated agreements, at places the seed chooses."""
    picks = rng.sample(range(count), 6)
    return {index: ("draft" if n < 3 else "terminated") for n, index in enumerate(picks)}


def _gaps_for(index: int, count: int, rng: random.Random) -> set[str]:
    """Deliberate data-quality gaps, spread so each kind of gap appears several times."""
    gaps = set()
    for offset, gap in enumerate(_GAP_KINDS):
        if (index + offset * 5) % 19 == 0:
            gaps.add(gap)
    if rng.random() < 0.05:
        gaps.add("no_project_code")
    return gaps


class _Builder:
    """Turns choices (kind, period, gaps) into raw register cells, numbering references."""

    def __init__(self, rng: random.Random, today: date, width: int = 3) -> None:
        self.rng = rng
        self.today = today
        self.width = width
        self.used: set[str] = set()
        self.counters: dict[tuple[str, int], int] = {}

    # Dates ---------------------------------------------------------------------------
    def end_for(self, timing: str) -> date | None:
        rng, today = self.rng, self.today
        q_start, q_end = financial_quarter(today)
        nq_start, nq_end = financial_quarter(q_end + timedelta(days=1))
        if timing == "open":
            return None
        if timing == "ended_long":
            return _month_end(today - timedelta(days=rng.randint(200, 900)))
        if timing == "ended_recent":
            if q_start < today:
                return self.pick(q_start, today - timedelta(days=1))
            return self.pick(today - timedelta(days=30), today - timedelta(days=1))
        if timing == "this_q":
            return self.pick(today, q_end)
        if timing == "next_90":
            return self.pick(today + timedelta(days=1), today + timedelta(days=90))
        if timing == "next_q":
            return self.pick(nq_start, nq_end)
        if timing == "march":
            march_start, march_end = next_march(today)
            return self.pick(max(march_start, today), march_end)
        if timing == "this_fy":
            return self.pick(today, financial_year_end(today))
        later = today + timedelta(days=rng.randint(200, 1100))
        return financial_year_end(later) if rng.random() < 0.45 else _month_end(later)

    def pick(self, first: date, last: date) -> date:
        """A day in [first, last], usually a month end (as most agreements end)."""
        month_ends = [e for e in _month_ends_between(first, last)]
        if month_ends and self.rng.random() < 0.65:
            return self.rng.choice(month_ends)
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def format_date(self, day: date | None, uk: bool) -> str:
        if day is None:
            return ""
        return day.strftime("%d/%m/%Y") if uk else day.isoformat()

    def format_money(self, pounds: int) -> str:
        style = self.rng.random()
        if style < 0.35:
            return str(pounds)
        if pounds >= 1_000_000 and pounds % 100_000 == 0:
            return f"£{pounds / 1_000_000:g}m"
        if style < 0.7 or pounds % 1000 or pounds >= 1_000_000:
            return f"£{pounds:,}.00"
        return f"{pounds // 1000}k"

    # References and people -----------------------------------------------------------
    def reference(self, prefix: str, year: int) -> str:
        number = self.counters.get((prefix, year), self.rng.randint(1, 9))
        while True:
            reference = f"{prefix}-{year}-{number:0{self.width}d}"
            number += self.rng.randint(1, 3)
            if reference not in self.used:
                break
        self.counters[(prefix, year)] = number
        self.used.add(reference)
        return reference

    def staff_email(self) -> str:
        return _email(self.rng.choice(STAFF), "mopac.example")

    def contact(self, provider: str) -> tuple[str, str]:
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        return name, _email(name, _slug(provider) + ".example")

    # Rows ----------------------------------------------------------------------------
    def generated(self, kind: str, timing: str, *, status: str = "", gaps: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
        """One agreement drawn from the services above for the given kind and period."""
        rng = self.rng
        borough = rng.choice(list(BOROUGHS))
        spec: _Service
        if kind == "partnership":
            category = rng.choice(list(PARTNERSHIP_TITLES))
            provider = f"London Borough of {borough}" if borough != "Greenwich" else "Royal Borough of Greenwich"
            stream = rng.choice((LCPF, LCPF, LCPF, VRU))
            label = "LCPF" if stream == LCPF else "VRU"
            spec = dict(title=f"{borough} {label} {PARTNERSHIP_TITLES[category]}", provider=provider,
                        provider_id=f"GB-LAE-{BOROUGHS[borough]}", stream=stream,
                        area=borough, category=category, pounds=rng.randrange(180_000, 1_200_000, 10_000),
                        kpis="referrals=150; outcomes reports=1", monitoring="biannual")
        elif kind == "grant" and rng.random() < 0.2:
            spec = dict(title=f"{borough} Safer Neighbourhood Board community engagement grant",
                        provider=f"{borough} Safer Neighbourhood Board", provider_id="", stream=SNB,
                        area=borough, category="community engagement",
                        pounds=rng.randrange(15_000, 45_000, 500), kpis="public meetings=2; surveys=1",
                        monitoring="annual")
        else:
            category = rng.choice(list(SERVICES))
            titles, providers, kpis = SERVICES[category]
            provider = rng.choice(providers)
            pan_london = kind == "contract" and rng.random() < 0.5
            area = PAN_LONDON if pan_london else borough
            title = rng.choice(titles) + ("" if pan_london else f" – {borough}")
            streams = CATEGORY_STREAMS[category]
            if kind == "contract":
                stream = rng.choice([s for s in streams if s != CSF] or [CORE])
                pounds = rng.randrange(150_000, 3_000_000, 5_000)
            else:
                stream, pounds = rng.choice(streams), rng.randrange(10_000, 250_000, 500)
            spec = dict(title=title, provider=provider, stream=stream,
                        area=area, category=category, pounds=pounds, kpis=rng.choice(kpis),
                        monitoring="monthly" if kind == "contract" and rng.random() < 0.3 else "")
        options = self._extension_options(kind)
        used = self._years_used(options)
        return self.row(kind=kind, timing=timing, options=options, used=used, status=status, gaps=gaps, **spec)

    def _extension_options(self, kind: str) -> str:
        weights = {"contract": (25, 40, 20, 10, 5), "grant": (70, 10, 0, 20, 0), "partnership": (50, 40, 10, 0, 0)}
        return self.rng.choices(("", "1+1", "2", "1", "1+1+1"), weights=weights[kind])[0]

    def _years_used(self, options: str) -> int:
        if not options or self.rng.random() < 0.5:
            return 0
        parts = [int(p) for p in options.split("+")]
        return sum(parts[: self.rng.randint(1, len(parts))])

    def row(self, *, kind: str, title: str, provider: str, stream: str, area: str,
            category: str, pounds: int, kpis: str, timing: str = "later", end: date | None = None,
            options: str = "", used: int = 0, term_years: int | None = None, monitoring: str = "",
            status: str = "", gaps: set[str] | frozenset[str] = frozenset(), reference: str = "",
            contact: tuple[str, str] | None = None, manager: str = "", signed: str = "",
            notes: str = "", project_code: str | None = None, provider_id: str | None = None) -> dict[str, str]:
        """Raw cells for one agreement; `timing` places its current end date relative to today."""
        rng = self.rng
        current_end = end if end is not None else self.end_for(timing)
        term = term_years or rng.choice((1, 2, 2, 3, 3, 4) if kind != "grant" else (1, 1, 2, 3))
        original_end = _years_before(current_end, used) if current_end and used else current_end
        anchor = original_end or (self.today + timedelta(days=rng.randint(30, 400)))
        start = _years_before(anchor, term) + timedelta(days=1)
        while start > self.today + timedelta(days=90):  # live agreements have begun, or nearly
            term += 1
            start = _years_before(anchor, term) + timedelta(days=1)
        if status == "draft":
            start = self.today + timedelta(days=rng.randint(20, 120))
            original_end, used = _years_before(start, -term) - timedelta(days=1), 0
        uk = rng.random() < 0.6
        prefix = "OPCC" if rng.random() < 0.08 and not reference else "MOPAC"
        if reference:
            self.used.add(reference)
        reference = reference or self.reference(prefix, start.year if start.year <= self.today.year else self.today.year)
        name, email = contact or self.contact(provider)
        if "no_contact" in gaps:
            name, email = "", ""
        elif "info_email" in gaps:
            name, email = "", "info@" + _slug(provider) + ".example"
        code = project_code if project_code is not None else f"{STREAM_CODES[stream]}-{rng.randint(1000, 9999)}"
        return {
            "reference": reference,
            "kind": kind,
            "title": title,
            "provider": provider,
            "provider_id": _charity_id(provider) if provider_id is None else provider_id,
            "funding_stream": stream,
            "project_code": "" if "no_project_code" in gaps else code,
            "value": self.format_money(pounds),
            "start_date": "" if "no_start" in gaps else self.format_date(start, uk),
            "award_date": self.format_date(start - timedelta(days=rng.randint(20, 60)), uk) if rng.random() < 0.3 else "",
            "end_date": self.format_date(original_end, uk),
            "extension_options": options,
            "extended_to": self.format_date(current_end, uk) if used else "",
            "area": area,
            "category": category,
            "contract_manager": "" if "no_manager" in gaps else (manager or self.staff_email()),
            "contact_name": name,
            "contact_email": email,
            "monitoring": monitoring,
            "kpis": kpis,
            "signed": "none" if "unsigned" in gaps else (signed or ("none" if status == "draft" else rng.choice(("both",) * 9 + ("ours",)))),
            "status": status,
            "notes": notes,
        }


def _named_agreements(today: date) -> list[_Named]:
    """The agreements people ask about by name, and the audits' favourite gaps."""
    q_end = financial_quarter(today)[1]
    next_q_end = financial_quarter(q_end + timedelta(days=1))[1]
    march_end = next_march(today)[1]
    rivermead = ("Priya Shah", "priya.shah@rivermead-rcc.example")
    return [
        dict(reference="OPCC-2023-014", kind="grant", title="Sexual violence counselling service – Lambeth",
             provider="Rivermead Rape Crisis Centre", stream=CSF, area="Lambeth",
             category="sexual violence", pounds=181_302, kpis="referrals=90; counselling sessions=400",
             end=next_q_end, term_years=3, options="1", contact=rivermead,
             manager="grace.okafor@mopac.example", signed="both", project_code="CSF-2314"),
        dict(reference="MOPAC-2022-001", kind="contract", title="London Victim and Witness Service",
             provider="London Victim & Witness Care", stream=MOJ, area=PAN_LONDON,
             category="victim and witness support", pounds=15_000_000, kpis="victims contacted=9000; needs assessments=6500",
             end=march_end, term_years=3, options="1+1", used=1, monitoring="monthly",
             contact=("Mark Fletcher", "mark.fletcher@lvwc.example"), manager="tom.whitfield@mopac.example",
             signed="both", notes="Recommissioning board to agree approach before the final option year.",
             project_code="MOJ-0001"),
        dict(reference="MOPAC-2023-021", kind="contract", title="Pan-London rescue and response for young people at risk of exploitation",
             provider="Safer London", stream=VRU, area=PAN_LONDON,
             category="youth violence", pounds=2_400_000, kpis="young people engaged=150; safety plans=120",
             timing="this_fy", term_years=3, options="2", contact=("Aisha Mensah", "aisha.mensah@saferlondon.example"),
             manager="james.oduya@mopac.example", signed="both", project_code="VRU-2021"),
        dict(reference="MOPAC-2024-017", kind="grant", title="Empower girls' programme – Hackney",
             provider="Safer London", stream=VRU, area="Hackney",
             category="youth violence", pounds=95_000, kpis="young women supported=40", timing="next_q",
             term_years=2, contact=("Aisha Mensah", "aisha.mensah@saferlondon.example"),
             manager="james.oduya@mopac.example", signed="both", project_code="VRU-2417"),
        dict(reference="MOPAC-2021-032", kind="contract", title="Pan-London ISVA service",
             provider="Lighthouse ISVA Partnership", stream=MOJ, area=PAN_LONDON,
             category="ISVA", pounds=4_200_000, kpis="ISVA cases=600; court accompaniments=150",
             timing="this_q", term_years=3, options="1+1", used=2, monitoring="monthly",
             contact=("Hannah Morgan", "hannah.morgan@lighthouse-isva.example"),
             manager="amira.hassan@mopac.example", signed="both", notes="Both extension options used; no further extension possible."),
        dict(reference="MOPAC-2020-045", kind="grant", title="Hate crime advocacy service – Haringey",
             provider="Stand Together Hate Crime Advocacy", stream=CSF, area="Haringey",
             category="hate crime", pounds=60_000, kpis="reports taken=200; cases supported=90",
             end=_month_end(today - timedelta(days=500)), term_years=2,
             contact=("", "info@standtogether.example"), manager="helen.price@mopac.example", signed="ours",
             project_code="", notes="Expired on the register but still shown as active; final return never received."),
        dict(reference="MOPAC-2024-003", kind="grant", title="Modern slavery victim advocacy – Newham",
             provider="Freedom Route Anti-Slavery Network", provider_id="", stream=MOJ, area="Newham",
             category="modern slavery", pounds=48_500, kpis="victims supported=35; referrals to NRM=20",
             timing="open", term_years=1, contact=("", ""), manager="", signed="none", project_code="",
             notes="Grant letter not found in the shared folder."),
        dict(reference="MOPAC-2023-030", kind="partnership", title="Southwark LCPF co-commissioned domestic abuse services",
             provider="London Borough of Southwark", provider_id="GB-LAE-SWK", stream=LCPF, area="Southwark",
             category="domestic abuse", pounds=1_150_000, kpis="referrals=300; survivors supported=220",
             end=financial_year_end(today), term_years=4, monitoring="biannual",
             contact=("Joanne Campbell", "joanne.campbell@southwark.example"),
             manager="ravi.patel@mopac.example", signed="both", project_code="LCPF-2301"),
        dict(reference="MOPAC-2025-009", kind="contract", title="Restorative justice service",
             provider="Open Door Restorative Justice", stream=CORE, area=PAN_LONDON,
             category="restorative justice", pounds=650_000, kpis="referrals=60; conferences held=25",
             timing="later", term_years=3, options="1+1", status="terminated",
             contact=("Leon Hughes", "leon.hughes@opendoor-rj.example"), manager="daniel.reid@mopac.example",
             signed="both", notes="Terminated by mutual agreement; service moved in-house."),
        dict(reference="MOPAC-2025-041", kind="grant", title="Croydon Safer Neighbourhood Board community engagement grant",
             provider="Croydon Safer Neighbourhood Board", provider_id="", stream=SNB, area="Croydon",
             category="community engagement", pounds=27_500, kpis="public meetings=2; surveys=1",
             timing="this_q", term_years=1, monitoring="annual",
             contact=("Tariq Ali", "tariq.ali@croydon-snb.example"), manager="chloe.bennett@mopac.example",
             signed="both"),
    ]


def _slug(name: str) -> str:
    """`London Borough of Southwark` → `southwark`; `Safe Steps London` → `safe-steps-london`."""
    name = re.sub(r"^(london|royal) borough of ", "", name.lower())
    words = re.sub(r"[^a-z0-9 ]", "", name.replace("&", "and")).split()
    return "-".join(word for word in words if word not in ("the", "of", "and", "for"))[:40]


def _email(person: str, domain: str) -> str:
    local = ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in person.split())
    return f"{local}@{domain}"


def _charity_id(provider: str) -> str:
    """A stable invented charity number, or none for a few providers (as in real registers)."""
    number = sum(ord(c) * (i + 7) for i, c in enumerate(provider)) % 900_000 + 1_050_000
    return "" if number % 7 == 0 else f"GB-CHC-{number}"
