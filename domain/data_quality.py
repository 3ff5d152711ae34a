"""Register data-quality problems: the gaps audits keep finding, named so people can fix them.

Audits of commissioning registers found missing dates and project codes, no key contact or a
generic `info@` address, unsigned agreements and ones past their end date still shown as
active. These gaps are real-world facts, so imports accept them and this module names them:
the import summary counts them, the question engine answers "what needs fixing?", and the
weekly data-quality alert lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.agreement import Agreement
from domain.values import format_date

MISSING_END_DATE = "missing_end_date"
MISSING_START_DATE = "missing_start_date"
MISSING_CONTACT = "missing_contact"
GENERIC_CONTACT_EMAIL = "generic_contact_email"
UNSIGNED = "unsigned"
MISSING_PROJECT_CODE = "missing_project_code"
MISSING_VALUE = "missing_value"
MISSING_CONTRACT_MANAGER = "missing_contract_manager"
EXPIRED_BUT_ACTIVE = "expired_but_active"
MISSING_FROM_LAST_IMPORT = "missing_from_last_import"
EXTENDED_BEFORE_END = "extended_before_end"
STARTS_AFTER_END = "starts_after_end"

CODES: tuple[str, ...] = (
    MISSING_END_DATE, MISSING_START_DATE, MISSING_CONTACT, GENERIC_CONTACT_EMAIL, UNSIGNED,
    MISSING_PROJECT_CODE, MISSING_VALUE, MISSING_CONTRACT_MANAGER, EXPIRED_BUT_ACTIVE,
    MISSING_FROM_LAST_IMPORT, EXTENDED_BEFORE_END, STARTS_AFTER_END,
)

# Each code's place in `CODES`: problems are listed in this order (built once, not per agreement).
_CODE_ORDER: dict[str, int] = {code: index for index, code in enumerate(CODES)}

# Short plain names for each code, for summaries and cards ("3 with no end date").
LABELS: dict[str, str] = {
    MISSING_END_DATE: "no end date",
    MISSING_START_DATE: "no start date",
    MISSING_CONTACT: "no provider contact",
    GENERIC_CONTACT_EMAIL: "a generic contact email",
    UNSIGNED: "not signed by both parties",
    MISSING_PROJECT_CODE: "no project code",
    MISSING_VALUE: "no value",
    MISSING_CONTRACT_MANAGER: "no contract manager",
    EXPIRED_BUT_ACTIVE: "past their end date but still active",
    MISSING_FROM_LAST_IMPORT: "missing from the last import",
    EXTENDED_BEFORE_END: "extended to a date before the end date",
    STARTS_AFTER_END: "a start date after the end date",
}

# Mailbox names that reach an office, not a person who answers for the agreement.
GENERIC_MAILBOXES: frozenset[str] = frozenset({
    "info", "admin", "administration", "enquiries", "enquiry", "office", "hello", "contact",
    "contactus", "mail", "general", "reception", "team", "support", "help", "post", "accounts",
    "finance", "noreply", "no-reply", "donotreply", "hr",
})


@dataclass(frozen=True)
class Problem:
    """One data-quality gap in one agreement: a stable `code` and a sentence saying what to fix."""

    code: str
    message: str


def problems(agreement: Agreement, today: date) -> tuple[Problem, ...]:
    """Every data-quality problem in `agreement` as of `today`, in the order of `CODES`.

    Signature and expiry checks apply to active agreements only: a draft is not signed yet,
    and a terminated one has ended whatever its dates say.
    """
    return with_expiry(standing_problems(agreement), agreement, today)


def standing_problems(agreement: Agreement) -> tuple[Problem, ...]:
    """The problems that do not depend on the day (all but expiry), in the order of `CODES`.

    Worked out once per register version by the question index; `with_expiry` adds the one
    problem a new day can bring.
    """
    found: list[Problem] = []
    found.extend(_dates(agreement))
    found.extend(_people(agreement))
    found.extend(_signature(agreement))
    if not agreement.project_code:
        found.append(_NO_PROJECT_CODE)
    if agreement.value is None:
        found.append(_NO_VALUE)
    if agreement.missing_from_last_import:
        found.append(_MISSING_FROM_IMPORT)
    if len(found) > 1:
        found.sort(key=_in_code_order)
    return tuple(found)


def is_expired_but_active(agreement: Agreement, today: date) -> bool:
    """Past its (current) end date on `today` but still marked active."""
    end = agreement.current_end_date
    return agreement.status == "active" and end is not None and end < today


def with_expiry(standing: tuple[Problem, ...], agreement: Agreement, today: date) -> tuple[Problem, ...]:
    """`standing` (from `standing_problems(agreement)`) with the expiry problem of `today` in its place."""
    if not is_expired_but_active(agreement, today):
        return standing
    end = agreement.current_end_date
    assert end is not None
    expired = Problem(
        EXPIRED_BUT_ACTIVE,
        f"Ended on {format_date(end)} but still marked active: record the extension or mark it terminated.",
    )
    place = next((i for i, p in enumerate(standing) if _CODE_ORDER[p.code] > _EXPIRY_ORDER), len(standing))
    return (*standing[:place], expired, *standing[place:])


def _in_code_order(problem: Problem) -> int:
    return _CODE_ORDER[problem.code]


# The problems whose sentence never varies, made once and shared by every agreement that has them.
_NO_END_DATE = Problem(MISSING_END_DATE, "No end date: add the original end date.")
_NO_START_DATE = Problem(MISSING_START_DATE, "No start date: add the start date.")
_NO_CONTACT = Problem(MISSING_CONTACT, "No provider contact: add the key contact's name and email.")
_NO_CONTACT_EMAIL = Problem(MISSING_CONTACT, "No provider contact email: add the key contact's email.")
_NO_MANAGER = Problem(MISSING_CONTRACT_MANAGER, "No contract manager: add the responsible staff member's email.")
_NO_PROJECT_CODE = Problem(MISSING_PROJECT_CODE, "No project code: add the finance project code.")
_NO_VALUE = Problem(MISSING_VALUE, "No value: add the total value over the whole term.")
_MISSING_FROM_IMPORT = Problem(
    MISSING_FROM_LAST_IMPORT, "Missing from the last register import: check whether it ended or was renamed.",
)
_UNSIGNED = {
    "ours": Problem(UNSIGNED, "Signed by us only: get the provider's signature."),
    "none": Problem(UNSIGNED, "Not signed by either party: get it signed."),
}
_SIGNATURE_UNKNOWN = Problem(UNSIGNED, "Signature status not recorded: record whether both parties signed.")
_EXPIRY_ORDER = _CODE_ORDER[EXPIRED_BUT_ACTIVE]


def _dates(agreement: Agreement) -> list[Problem]:
    found: list[Problem] = []
    if agreement.end_date is None:
        found.append(_NO_END_DATE)
    if agreement.start_date is None:
        found.append(_NO_START_DATE)
    end = agreement.current_end_date
    if agreement.end_date and agreement.extended_to and agreement.extended_to < agreement.end_date:
        found.append(Problem(
            EXTENDED_BEFORE_END,
            f"Extended to {format_date(agreement.extended_to)}, before its end date {format_date(agreement.end_date)}: check both dates.",
        ))
    if agreement.start_date and end and agreement.start_date > end:
        found.append(Problem(
            STARTS_AFTER_END,
            f"Starts on {format_date(agreement.start_date)}, after it ends on {format_date(end)}: check both dates.",
        ))
    return found


def _people(agreement: Agreement) -> list[Problem]:
    found: list[Problem] = []
    if not agreement.contact_name and not agreement.contact_email:
        found.append(_NO_CONTACT)
    elif not agreement.contact_email:
        found.append(_NO_CONTACT_EMAIL)
    elif is_generic_email(agreement.contact_email):
        found.append(Problem(
            GENERIC_CONTACT_EMAIL,
            f"The provider contact email {agreement.contact_email} is a shared mailbox: add a named person's email.",
        ))
    if not agreement.contract_manager:
        found.append(_NO_MANAGER)
    return found


def _signature(agreement: Agreement) -> list[Problem]:
    if agreement.status != "active" or agreement.signed == "both":
        return []
    return [_UNSIGNED.get(agreement.signed, _SIGNATURE_UNKNOWN)]


def is_generic_email(email: str) -> bool:
    """True for shared mailboxes such as `info@…` or `enquiries@…`."""
    local, at, _domain = email.strip().lower().partition("@")
    if not at:
        return False
    return local.replace(".", "").replace("_", "") in GENERIC_MAILBOXES or local in GENERIC_MAILBOXES
