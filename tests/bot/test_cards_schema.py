"""Every card is valid Adaptive Card 1.5 and keeps its content to what 1.2 clients render."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from card_samples import sample_cards

SCHEMAS = Path(__file__).parent.parent / "schemas"

# Element and action types that Adaptive Cards 1.2 (Teams mobile) renders.
TYPES_1_2 = {
    "AdaptiveCard", "TextBlock", "RichTextBlock", "TextRun", "Image", "ImageSet", "Media",
    "MediaSource", "Container", "ColumnSet", "Column", "FactSet", "ActionSet", "Input.Text",
    "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet",
    "Action.Submit", "Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility",
}
# Host-specific keys Teams reads and the schema does not describe.
TEAMS_KEYS = ("msteams",)


def load_validator(name: str) -> jsonschema.Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def without_teams_keys(card: dict) -> dict:
    """The card less Teams' own top-level extension, which the schema forbids as unknown."""
    stripped = copy.deepcopy(card)
    for key in TEAMS_KEYS:
        stripped.pop(key, None)
    return stripped


def types_in(node: object) -> set[str]:
    """Every `type` of an element or action in the card (not inside submit data)."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            found.add(node["type"])
        for key, value in node.items():
            if key != "data":
                found |= types_in(value)
    elif isinstance(node, list):
        for item in node:
            found |= types_in(item)
    return found


CARDS = sample_cards()


def as_old_clients_see_it(node: object) -> object:
    """The card for a client without Universal Actions (1.2): each `Action.Execute` replaced by its
    `Action.Submit` fallback (which must carry the same data), and no `refresh`."""
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute":
            assert node["fallback"]["type"] == "Action.Submit" and node["fallback"]["data"] == node["data"]
            return as_old_clients_see_it(node["fallback"])
        return {k: as_old_clients_see_it(v) for k, v in node.items() if k != "refresh"}
    if isinstance(node, list):
        return [as_old_clients_see_it(child) for child in node]
    return node


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_validates_against_the_adaptive_card_1_5_schema(name: str) -> None:
    """Teams renders schema 1.5; an invalid card shows as an error bubble."""
    errors = sorted(load_validator("adaptive-card-1.5.json").iter_errors(without_teams_keys(CARDS[name])), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_uses_only_adaptive_card_1_2_elements(name: str) -> None:
    """Mobile clients render 1.2 elements only, so nothing essential uses a later one."""
    seen = types_in(as_old_clients_see_it(CARDS[name]))
    assert seen <= TYPES_1_2, seen - TYPES_1_2


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_also_valid_as_an_adaptive_card_1_2(name: str) -> None:
    """Relabelled 1.2, the card still validates: no 1.3+ properties or enum values either."""
    card = without_teams_keys(as_old_clients_see_it(CARDS[name]))  # type: ignore[arg-type]
    card["version"] = "1.2"
    errors = sorted(load_validator("adaptive-card-1.2.json").iter_errors(card), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_an_invalid_card_is_caught_by_the_schema_check() -> None:
    """The check is not vacuous: a misspelt element type fails."""
    card = without_teams_keys(CARDS["answer-short"])
    card["body"][0]["type"] = "TextBlok"
    assert list(load_validator("adaptive-card-1.5.json").iter_errors(card))


def test_a_table_element_would_be_caught_by_the_1_2_check() -> None:
    """Table (1.5) is not rendered on mobile; the element check notices one."""
    card = copy.deepcopy(CARDS["answer-short"])
    card["body"].append({"type": "Table", "columns": [], "rows": []})
    assert not types_in(card) <= TYPES_1_2


def test_a_1_5_property_would_be_caught_by_the_1_2_schema() -> None:
    """`style: heading` on a TextBlock is 1.5 only; the relabelled check notices it."""
    card = without_teams_keys(CARDS["answer-short"])
    card["version"] = "1.2"
    card["body"][0]["style"] = "heading"
    assert list(load_validator("adaptive-card-1.2.json").iter_errors(card))
