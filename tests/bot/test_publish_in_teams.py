""""publish the register" typed in Teams: staff get a card with the counts and where the files went; providers are told no."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PROVIDER_ID, STAFF_ID, RunningBot

from bot.requests import PublishRegister, publish_command, read_turn
from bot.teams.handler import PUBLISH_STAFF_ONLY

PUBLISHER = {
    "FUNDER_NAME": "Mayor's Office for Policing and Crime", "FUNDER_ID": "GB-GOR-PC390", "GRANT_ID_PREFIX": "360G-mopac-",
    "OCDS_PREFIX": "ocds-abc123", "PUBLICATION_URL": "https://www.example.gov.uk/open-data/",
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "published"
    monkeypatch.setenv("PUBLISH_DIR", str(out))
    for name, value in PUBLISHER.items():
        monkeypatch.setenv(name, value)
    return out


def last_card(bot: RunningBot) -> str:
    """The card's text as a reader sees it (Markdown escapes removed)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(bot.connector.sent[-1].activity.get("attachments", []))
    return re.sub(r"\\(.)", r"\1", " ".join(found))


@pytest.mark.parametrize("text", ["publish the register", "Please publish the register now.", "publish register"])
def test_publish_the_register_is_read_as_a_command(text: str) -> None:
    assert publish_command(text)
    assert isinstance(read_turn(text, None, conversation_type="personal").request, PublishRegister)


def test_a_question_about_publishing_is_still_a_question() -> None:
    assert not publish_command("when did we publish the register?")


async def test_staff_publish_the_last_quarter_and_are_told_where_the_files_are(local_bot: RunningBot, folder: Path) -> None:
    """On 20 Nov 2026 the last completed quarter is Q2 2026/27; the files land in PUBLISH_DIR."""
    await local_bot.post(local_bot.activities.personal("publish the register", sender=STAFF_ID))
    card = last_card(local_bot)
    assert "Q2 2026/27 (2026Q2) published" in card
    assert f"The files are in {folder}" in card
    assert (folder / "index.html").exists() and (folder / "transparency-over-10k.csv").exists()


async def test_a_provider_may_not_publish_the_register(local_bot: RunningBot, folder: Path) -> None:
    await local_bot.post(local_bot.activities.personal("publish the register", sender=PROVIDER_ID))
    assert local_bot.connector.sent[-1].text == PUBLISH_STAFF_ONLY
    assert not folder.exists()


async def test_a_missing_setting_is_named_on_the_card(local_bot: RunningBot, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OCDS_PREFIX")
    await local_bot.post(local_bot.activities.personal("publish the register", sender=STAFF_ID))
    card = last_card(local_bot)
    assert "The register was not published" in card and "Publishing needs OCDS_PREFIX" in card
    assert not folder.exists()
