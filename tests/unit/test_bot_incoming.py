"""Reading what a Teams message asks for: mentions, help, card buttons with no text."""

from __future__ import annotations

import pytest

from bot.requests import (
    NOT_A_VALID_BUTTON,
    QUESTION_TOO_LONG,
    Ask,
    Ignore,
    MentionInfo,
    Refuse,
    ShowHelp,
    mentions_in,
    read_message,
    strip_bot_mention,
)

BOT = "28:bot"
AT = "<at>Commissioning</at>"
MENTION = [MentionInfo(BOT, AT)]


def test_a_personal_message_is_a_question() -> None:
    """In a personal chat any text is a question, whitespace tidied."""
    assert read_message("  which grants\n end this year? ", None, conversation_type="personal") == Ask("which grants end this year?")


def test_the_bots_mention_is_removed_from_a_channel_question() -> None:
    """`<at>Commissioning</at> which grants…` asks `which grants…`."""
    request = read_message(f"{AT} which grants expire?", None, conversation_type="channel", mentions=MENTION, bot_id=BOT)
    assert request == Ask("which grants expire?")


def test_other_peoples_mentions_keep_their_names() -> None:
    """Only the bot's mention is removed; a colleague's name stays readable."""
    mentions = MENTION + [MentionInfo("29:kim", "<at>Kim</at>")]
    text, mentioned = strip_bot_mention(f"{AT} what does <at>Kim</at> manage?", mentions, BOT)
    assert mentioned and " ".join(text.split()) == "what does Kim manage?"


@pytest.mark.parametrize("kind", ["channel", "groupChat"])
def test_unmentioned_channel_and_group_chatter_is_ignored(kind: str) -> None:
    """Without an @mention of the bot nothing is answered; a mention of someone else does not count."""
    assert read_message("lunch?", None, conversation_type=kind) == Ignore()
    assert read_message("<at>Kim</at> lunch?", None, conversation_type=kind, mentions=[MentionInfo("29:kim", "<at>Kim</at>")], bot_id=BOT) == Ignore()


@pytest.mark.parametrize("text", ["help", "HELP", " ? ", "", AT])
def test_help_words_and_a_bare_mention_show_help(text: str) -> None:
    """`help`, `?` and an @mention with nothing after it show the help card."""
    assert read_message(text, None, conversation_type="channel", mentions=MENTION, bot_id=BOT) == ShowHelp()


def test_a_card_submit_with_no_text_is_read_from_its_value() -> None:
    """Action.Submit arrives with text None (docs/teams-sdk.md trap 6) and is not a crash."""
    value = {"action": "show_more", "question": "which grants expire?", "page": 2, "page_size": 10}
    assert read_message(None, value, conversation_type="personal") == Ask("which grants expire?", 2, 10)
    assert read_message(None, {"action": "ask", "question": "help"}, conversation_type="channel") == ShowHelp()


@pytest.mark.parametrize(
    "value",
    [
        {"action": "show_more", "question": "q", "page": "2"},
        {"action": "show_more", "question": "q", "page": True},
        {"action": "show_more", "question": "q", "page": 10**9},
        {"action": "show_more", "question": "q", "page": 1, "page_size": 0},
        {"action": "show_more", "question": 5, "page": 1},
        {"action": "show_more", "question": "q" * 600, "page": 1},
        {"action": "drop_tables"},
        {},
        ["a", "list"],
        "a string",
    ],
)
def test_forged_card_data_is_refused_politely(value: object) -> None:
    """Anything our cards did not make gets a polite refusal, never a guess."""
    assert read_message(None, value, conversation_type="personal") == Refuse(NOT_A_VALID_BUTTON)


def test_a_very_long_question_is_refused_with_a_limit() -> None:
    """Questions over the limit are refused in words that say the limit."""
    assert read_message("x" * 501, None, conversation_type="personal") == Refuse(QUESTION_TOO_LONG)


def test_mentions_are_read_from_sdk_entities_and_plain_dicts() -> None:
    """Entities arrive as dicts or SDK objects; both give the mentioned id and text."""
    from botbuilder.schema import Entity

    sdk = Entity().deserialize({"type": "mention", "mentioned": {"id": BOT, "name": "Commissioning"}, "text": AT})
    plain = {"type": "mention", "mentioned": {"id": BOT}, "text": AT}
    other = {"type": "clientInfo", "locale": "en-GB"}
    assert mentions_in([sdk, plain, other, "junk"]) == [MentionInfo(BOT, AT), MentionInfo(BOT, AT)]
