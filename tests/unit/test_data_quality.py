"""Data-quality problems: the register gaps audits found, each named with a code and what to fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.agreement import Agreement
from domain.data_quality import (
    CODES,
    EXPIRED_BUT_ACTIVE,
    EXTENDED_BEFORE_END,
    GENERIC_CONTACT_EMAIL,
    LABELS,
    MISSING_CONTACT,
    MISSING_CONTRACT_MANAGER,
    MISSING_END_DATE,
    MISSING_FROM_LAST_IMPORT,
    MISSING_PROJECT_CODE,
    MISSING_START_DATE,
    MISSING_VALUE,
    STARTS_AFTER_END,
    UNSIGNED,
    is_generic_email,
    problems,
)

TODAY = date(2026, 11, 22)
CLEAN = Agreement(
    reference="OPCC-2023-014", kind="grant", title="ISVA service", provider="Safer London",
    project_code="PC-1001", value=Decimal("125000"), start_date=date(2024, 4, 1), end_date=date(2027, 3, 31),
    contract_manager="ann.jones@opcc.example.gov.uk", contact_name="Priya Shah",
    contact_email="priya.shah@saferlondon.org.uk", signed="both",
)


def codes(agreement: Agreement) -> list[str]:
    return [problem.code for problem in problems(agreement, TODAY)]


def test_a_complete_agreement_has_no_problems():
    """Every field filled in and signed by both: nothing to fix."""
    assert problems(CLEAN, TODAY) == ()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"end_date": None}, MISSING_END_DATE),
        ({"start_date": None}, MISSING_START_DATE),
        ({"contact_name": "", "contact_email": ""}, MISSING_CONTACT),
        ({"contact_email": ""}, MISSING_CONTACT),
        ({"contact_email": "info@saferlondon.org.uk"}, GENERIC_CONTACT_EMAIL),
        ({"contact_email": "Enquiries@saferlondon.org.uk"}, GENERIC_CONTACT_EMAIL),
        ({"signed": "ours"}, UNSIGNED),
        ({"signed": "none"}, UNSIGNED),
        ({"signed": ""}, UNSIGNED),
        ({"project_code": ""}, MISSING_PROJECT_CODE),
        ({"value": None}, MISSING_VALUE),
        ({"contract_manager": ""}, MISSING_CONTRACT_MANAGER),
        ({"end_date": date(2026, 11, 21)}, EXPIRED_BUT_ACTIVE),
        ({"missing_from_last_import": True}, MISSING_FROM_LAST_IMPORT),
        ({"extended_to": date(2027, 1, 31)}, EXTENDED_BEFORE_END),
        ({"start_date": date(2027, 6, 1)}, STARTS_AFTER_END),
    ],
)
def test_each_gap_is_named_by_its_code(changes, code):
    """One gap in an otherwise complete agreement gives exactly that problem."""
    assert codes(replace(CLEAN, **changes)) == [code]


def test_unsigned_says_which_signature_is_missing():
    """Signed by us only, by nobody, or not recorded: the message says which."""
    messages = {signed: problems(replace(CLEAN, signed=signed), TODAY)[0].message for signed in ("ours", "none", "")}
    assert "us only" in messages["ours"]
    assert "either party" in messages["none"]
    assert "not recorded" in messages[""]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_date": date(2024, 6, 30)},
         "Ended on 30 Jun 2024 but still marked active: record the extension or mark it terminated."),
        ({"extended_to": date(2027, 1, 31)},
         "Extended to 31 Jan 2027, before its end date 31 Mar 2027: check both dates."),
        ({"start_date": date(2027, 6, 1)},
         "Starts on 1 Jun 2027, after it ends on 31 Mar 2027: check both dates."),
    ],
)
def test_date_problems_show_dates_as_people_write_them(changes, message):
    """Messages say `30 Jun 2024`, the form answers use, not `2024-06-30`."""
    assert [problem.message for problem in problems(replace(CLEAN, **changes), TODAY)] == [message]


def test_drafts_and_terminated_agreements_are_not_chased_for_signatures_or_expiry():
    """A draft is not signed yet; a terminated agreement has ended whatever its dates say."""
    old = replace(CLEAN, signed="none", end_date=date(2025, 3, 31))
    assert codes(replace(old, status="draft")) == []
    assert codes(replace(old, status="terminated")) == []
    assert codes(old) == [UNSIGNED, EXPIRED_BUT_ACTIVE]


def test_an_extension_moves_the_expiry_check_to_the_current_end_date():
    """Past the original end date but extended beyond today is not expired."""
    assert codes(replace(CLEAN, end_date=date(2026, 3, 31), extended_to=date(2027, 3, 31))) == []


def test_problems_come_in_code_order_and_every_code_has_a_label():
    """Problems are listed in a stable order, and each code has a short label for summaries."""
    bare = Agreement(reference="X", kind="contract", title="T", provider="P")
    found = codes(bare)
    assert found == [code for code in CODES if code in found]
    assert set(LABELS) == set(CODES)


@pytest.mark.parametrize(
    ("email", "generic"),
    [("info@x.org", True), ("admin@x.org", True), ("hello@x.org", True), ("contact@x.org", True),
     ("office@x.org", True), ("priya.shah@x.org", False), ("information.officer@x.org", False), ("nonsense", False)],
)
def test_generic_mailboxes_are_recognised(email, generic):
    """Shared mailboxes are generic; named people are not."""
    assert is_generic_email(email) is generic
