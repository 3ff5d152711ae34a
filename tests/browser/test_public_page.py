"""The published index.html in Debian's chromium: the area filter works, nothing is fetched, axe finds nothing serious.

The page is opened from disk, as someone who downloads the files would; every request other
than the page itself is recorded (and refused). axe-core (npm) checks WCAG 2.2 AA rules.
Screenshots at desktop and phone widths go to docs/publication/. Skipped locally without
chromium or node_modules; on CI (CI=true) that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_card_rendering import CHROMIUM, CHROMIUM_ARGS, INSTALL_HELP, ROOT

from domain.agreement import Agreement, Kpi
from domain.publication import AcceptedReturn, parse_quarter
from domain.returns import KpiActual
from publication.service import build, write
from publication.settings import Publisher

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "publication"
Q3 = parse_quarter("2026Q3")
PUBLISHER = Publisher("Mayor's Office for Policing and Crime", "GB-GOR-PC390", "360G-mopac-", "ocds-abc123",
                      "https://www.example.gov.uk/open-data/")

pytestmark = pytest.mark.browser


def sample_register() -> tuple[list[Agreement], dict[str, AcceptedReturn]]:
    """A small quarter across three boroughs and London-wide, with returns in each RAG."""
    def a(ref: str, kind: str, title: str, provider: str, area: str, value: str, stream: str, **more: object) -> Agreement:
        return Agreement(reference=ref, kind=kind, title=title, provider=provider, area=area, value=Decimal(value),
                         funding_stream=stream, start_date=date(2025, 4, 1), end_date=date(2028, 3, 31), category="victim services",
                         kpis=(Kpi("referrals", Decimal(120)),), contact_name="Priya Shah", contact_email="p@x.org.uk", **more)  # type: ignore[arg-type]

    agreements = [
        a("LCPF-2025-01", "grant", "Knife crime mentoring", "Safer London", "Southwark", "45000", "London Crime Prevention Fund",
          provider_id="GB-CHC-1129872"),
        a("LCPF-2025-02", "grant", "Youth outreach", "Lambeth Youth Trust", "Lambeth", "30000", "London Crime Prevention Fund"),
        a("OPCC-2024-002", "contract", "Victim and Witness Service", "Victim Support", "pan-London", "15000000", "Core",
          provider_id="GB-COH-01234567", extension_options=(2,)),
        a("VRU-2025-07", "partnership", "Violence reduction in Croydon", "Croydon Council", "Croydon", "250000",
          "Violence Reduction Unit", status="terminated"),
        a("CSF-2025-11", "grant", "ISVA service", "Safe Harbour", "Southwark", "125000", "Commissioner's Safety Fund"),
    ]
    def r(ref: str, rag: str, actual: str, spend: str) -> AcceptedReturn:
        return AcceptedReturn(ref, "Q2 2026/27", date(2026, 9, 30), rag, (KpiActual("referrals", Decimal(120), Decimal(actual)),), Decimal(spend))

    returns = {"LCPF-2025-01": r("LCPF-2025-01", "Green", "130", "22000"), "LCPF-2025-02": r("LCPF-2025-02", "Amber", "80", "9000"),
               "CSF-2025-11": r("CSF-2025-11", "Red", "40", "12000")}
    return agreements, returns


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    agreements, returns = sample_register()
    publication = build(agreements, returns, Q3, PUBLISHER, datetime(2027, 1, 5, 9, 30, tzinfo=ZoneInfo("Europe/London")))
    assert publication.clean, [p.line() for p in publication.problems]
    folder = tmp_path_factory.mktemp("published")
    write(publication, folder)
    return folder / "index.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    if missing:
        message = f"{INSTALL_HELP} (missing: {', '.join(missing)})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: object, page_file: Path, width: int, height: int) -> tuple[object, list[str], list[str]]:
    """The page at one viewport, with every console error and every request beyond the page recorded."""
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        if url == page_file.as_uri():
            r.continue_()  # type: ignore[attr-defined]
        else:
            requests.append(url)
            r.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


def visible_references(page: object) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#services tbody tr:not([hidden])", "rows => rows.map(r => r.querySelector('td').textContent.trim())")


def test_the_area_filter_shows_only_that_borough_and_says_how_many(browser: object, page_file: Path) -> None:
    """"What is funded in my borough": choosing Southwark leaves its two services and says so."""
    page, errors, requests = open_page(browser, page_file, 1280, 900)
    assert len(visible_references(page)) == 5
    page.get_by_label("What is funded in my borough").select_option("Southwark")  # type: ignore[attr-defined]
    assert sorted(visible_references(page)) == ["CSF-2025-11", "LCPF-2025-01"]
    assert page.locator("#shown").inner_text() == "2 services in Southwark, worth £170,000 in total."  # type: ignore[attr-defined]
    page.get_by_label("What is funded in my borough").select_option("")  # type: ignore[attr-defined]
    assert len(visible_references(page)) == 5
    assert errors == [] and requests == []


def test_the_page_makes_no_requests_and_logs_no_errors(browser: object, page_file: Path) -> None:
    page, errors, requests = open_page(browser, page_file, 390, 844)
    page.get_by_label("What is funded in my borough").select_option("Lambeth")  # type: ignore[attr-defined]
    assert errors == []
    assert requests == []


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_axe_finds_no_serious_or_critical_violations_and_screenshots_are_saved(
    browser: object, page_file: Path, name: str, width: int, height: int,
) -> None:
    """WCAG 2.2 AA rules at desktop and phone widths; the screenshots go in docs/publication/."""
    page, errors, _ = open_page(browser, page_file, width, height)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"index-{name}.png"), full_page=True)  # type: ignore[attr-defined]
    assert errors == []
    # Nothing overflows sideways on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")  # type: ignore[attr-defined]
