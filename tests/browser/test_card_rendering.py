"""Cards rendered by the official Adaptive Cards renderer in Chromium show what people need.

Uses npm `adaptivecards` (with markdown-it for card Markdown, as Teams processes it) and
Debian's chromium through Playwright; never a browser download. Each card's screenshot is
saved to docs/cards/ for the README. Outside CI a machine without chromium or
node_modules skips these tests; with CI=true that is a failure that says what to install.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from card_samples import HOSTILE_NOTES, HOSTILE_PROVIDER, HOSTILE_TITLE, LITERAL_TEXTS, expiring_answer, sample_cards

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")
RENDERER = ROOT / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.min.js"
MARKDOWN = ROOT / "node_modules" / "markdown-it" / "dist" / "markdown-it.min.js"
SCREENSHOTS = ROOT / "docs" / "cards"
HOST_CONFIG = json.loads((HERE / "teams-light-host-config.json").read_text(encoding="utf-8"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
INSTALL_HELP = (
    "Card rendering tests need Debian's chromium at /usr/bin/chromium and the npm packages in "
    "node_modules. Install them with: apt-get update && apt-get install -y chromium; npm ci"
)

pytestmark = pytest.mark.browser

CARDS = sample_cards()


def missing_tools() -> list[str]:
    missing = [str(path) for path in (CHROMIUM, RENDERER, MARKDOWN) if not path.exists()]
    return missing


@pytest.fixture(scope="module")
def browser_page() -> Iterator[object]:
    """One Chromium page with the render harness loaded; no network beyond file://."""
    missing = missing_tools()
    if missing:
        message = f"{INSTALL_HELP} (missing: {', '.join(missing)})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 700, "height": 900}, device_scale_factor=1)
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
            console_errors: list[str] = []
            page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            page.goto((HERE / "render.html").as_uri())
            page.console_errors = console_errors  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()


def render(page: object, card: dict, screenshot: str | None = None) -> dict:
    """Render `card`; return the renderer's errors, the visible text, and console errors."""
    page.evaluate("() => { window.executedActions = []; }")  # type: ignore[attr-defined]
    result = page.evaluate("([card, host]) => window.renderCard(card, host)", [card, HOST_CONFIG])  # type: ignore[attr-defined]
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#card").screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"))  # type: ignore[attr-defined]
    result["console"] = list(page.console_errors)  # type: ignore[attr-defined]
    return result


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_renders_without_renderer_errors_and_is_saved_as_a_screenshot(browser_page: object, name: str) -> None:
    """The official renderer accepts every card type; its picture goes in docs/cards/."""
    result = render(browser_page, CARDS[name], screenshot=name)
    assert result["errors"] == []
    assert result["console"] == []
    assert result["text"].strip()
    assert (SCREENSHOTS / f"{name}.png").stat().st_size > 1000


def test_list_card_shows_interpretation_rows_totals_and_paging(browser_page: object) -> None:
    """A reader sees the interpretation, the references, the total and where they are in the list."""
    answer = expiring_answer(62)
    text = render(browser_page, CARDS["answer-list"])["text"]
    assert "Q3 2026/27: 1 Oct – 31 Dec 2026, grants, current end date" in text
    for reference in answer.references[:15]:
        assert reference in text
    assert answer.references[15] not in text
    assert "62 grants, total £" in text
    assert "Showing 1–15 of 62" in text
    assert "ended" in text and "not started" in text
    assert "Show more" in text


def test_pressing_show_more_sends_the_next_page(browser_page: object) -> None:
    """The button a reader presses asks for page 2 of the same question."""
    render(browser_page, CARDS["answer-list"])
    browser_page.get_by_role("button", name="Show more").click()  # type: ignore[attr-defined]
    executed = browser_page.evaluate("() => window.executedActions")  # type: ignore[attr-defined]
    assert executed == [
        {"type": "Action.Submit", "title": "Show more", "data": {"action": "show_more", "question": "which grants expire this quarter?", "page": 1}}
    ]


def test_escaped_register_text_is_shown_literally(browser_page: object) -> None:
    """Register text renders exactly as typed: each cell's text equals the register's, with no links, bold or mentions.

    `GR-2024-015`, brackets, `&`, `*`, `_`, a leading `1.` or `-`, `<at>` and `{{DATE(...)}}` show
    character for character (no backslash, no entity), in the list and in the one-agreement card.
    """
    hostile = (HOSTILE_TITLE, " ".join(HOSTILE_PROVIDER.split()))
    for name, expected in (("answer-escaped", (*LITERAL_TEXTS, *hostile)), ("agreement-escaped", LITERAL_TEXTS)):
        result = render(browser_page, CARDS[name], screenshot=name)
        assert result["errors"] == [] and result["console"] == []
        blocks = browser_page.evaluate(  # type: ignore[attr-defined]
            "() => [...document.querySelectorAll('#card .ac-richTextBlock')].map(block => block.textContent)"
        )
        for typed in expected:
            assert typed in blocks or any(block.startswith(typed + " ·") for block in blocks), (name, typed)
        assert "\\" not in result["text"] and "&amp;" not in result["text"] and "&lt;" not in result["text"]
        counts = browser_page.evaluate(  # type: ignore[attr-defined]
            "() => ['a', 'strong', 'em', 'script', 'at', 'code', 'h1', 'ol', 'ul', 'li', 'blockquote', 'p']"
            ".map(tag => document.querySelectorAll('#card ' + tag).length)"
        )
        assert counts == [0] * 12, name
    notes = browser_page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('#card .ac-richTextBlock')].map(block => block.textContent)"
        ".filter(text => text.startsWith('Notes: '))"
    )
    assert notes == ["Notes: " + " ".join(HOSTILE_NOTES.split())]  # the date function is not expanded either


def test_agreement_card_shows_contacts_extensions_and_problems(browser_page: object) -> None:
    """The one-agreement card reads as a fact sheet with the problems called out."""
    text = render(browser_page, CARDS["agreement"])["text"]
    for expected in (
        "Sam Patel (info@saferlondon.org.uk) is the contact for OPCC-2023-014",
        "OPCC-2023-014 · Grant",
        "Current end date",
        "31 Mar 2027 (extended)",
        "1+1, 1 left (1 year)",
        "jo.bloggs@example.gov.uk",
        "Data-quality problems",
        "KPI targets per quarter: referrals: 120; sessions: 300",
    ):
        assert expected in text


def test_not_understood_card_buttons_ask_the_example(browser_page: object) -> None:
    """Pressing an example button sends that question, shown in the chat by Teams."""
    text = render(browser_page, CARDS["not-understood"])["text"]
    assert "I didn't understand that question." in text
    browser_page.get_by_role("button", name="what do we fund in Southwark?").click()  # type: ignore[attr-defined]
    (executed,) = browser_page.evaluate("() => window.executedActions")  # type: ignore[attr-defined]
    assert executed["data"]["question"] == "what do we fund in Southwark?"
    assert executed["data"]["msteams"]["displayText"] == "what do we fund in Southwark?"


def test_welcome_and_help_cards_show_the_main_questions(browser_page: object) -> None:
    """Install and help both put the main questions one press away."""
    for name in ("welcome", "help"):
        text = render(browser_page, CARDS[name])["text"]
        assert "which grants expire this quarter?" in text
        assert "@mention" in text


def test_a_digest_of_105_alerts_reads_in_one_screenful_and_shows_the_rest_on_request(browser_page: object) -> None:
    """Under 2,000 px tall at the playground's width; "Show all 105" opens every other line in place."""
    result = render(browser_page, CARDS["digest"], screenshot="digest")
    assert result["errors"] == [] and result["console"] == []
    text = result["text"]
    assert "40 monitoring returns overdue" in text and "45 days overdue" in text
    assert "years left" not in text and "(1 " not in text
    height = browser_page.locator("#card").bounding_box()["height"]  # type: ignore[attr-defined]
    assert height < 2000
    browser_page.get_by_role("button", name="Show all 105").click()  # type: ignore[attr-defined]
    opened = browser_page.locator("#card").inner_text()  # type: ignore[attr-defined]
    assert all(f"OPCC-2024-{n:03d}" in opened for n in range(105))
    browser_page.locator("#card").screenshot(path=str(SCREENSHOTS / "digest-show-all.png"))  # type: ignore[attr-defined]


def test_pressing_a_digest_line_asks_about_that_agreement(browser_page: object) -> None:
    """The first line is the most overdue return; pressing it asks about its agreement."""
    render(browser_page, CARDS["digest"])
    browser_page.get_by_text("OPCC-2024-000", exact=False).first.click()  # type: ignore[attr-defined]
    (executed,) = browser_page.evaluate("() => window.executedActions")  # type: ignore[attr-defined]
    assert executed["data"] == {"action": "ask", "question": "tell me about OPCC-2024-000"}


def test_a_decided_alert_shows_the_outcome_instead_of_the_buttons(browser_page: object) -> None:
    """After Grace extends, everyone's card reads "Extended to 31 Mar 2028 by Grace Okafor, 3 Dec 2026"."""
    text = render(browser_page, CARDS["alert-decided"])["text"]
    assert "Extended to 31 Mar 2028 by Grace Okafor, 3 Dec 2026" in text
    assert "Let it end" not in text and "Mark extension decided" not in text
    before = render(browser_page, CARDS["alert-decision"])["text"]
    assert "Mark extension decided" in before and "1+1 years left" in before


def test_breakdown_card_reads_as_a_table_with_the_grand_total(browser_page: object) -> None:
    """"Total value per provider": provider, count and total per row, then the total of all 18 providers."""
    result = render(browser_page, CARDS["answer-breakdown"], screenshot="answer-breakdown")
    assert result["errors"] == [] and result["console"] == []
    text = result["text"]
    assert "36 current agreements by provider: 18 providers, £49,475,000 in total." in text
    assert "current (not ended by 22 Nov 2026), all kinds, by provider" in text
    for expected in ("Provider", "Agreements", "Total value", "Solace Women's Aid", "£6,585,000", "Total, all 18 providers",
                     "Showing 1–15 of 18 providers", "Show more"):
        assert expected in text
    assert "\\" not in text
