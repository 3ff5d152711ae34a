"""One field of one agreement, said in a sentence: "the project code for GR-2024-015 is LLR-DA-015".

People ask for a single fact about an agreement by name — its email, phone, project code, funding
stream, signed status, extension options left, notes. The answer names the agreement and gives the
fact, or says plainly that the register does not record it and what to do, never the whole record
in place of the one thing asked. Meanings follow the register format: `signed` is both / ours /
none; extension options left are those not used by the extensions already exercised.
"""

from __future__ import annotations

import re
from datetime import date

from domain.agreement import Agreement, format_extension_options
from domain.data_quality import is_generic_email
from domain.data_quality import problems as data_quality_problems
from domain.values import format_date, format_money

# The aspects this module answers (the engine's others: end, start, contact, manager, value, details).
FIELD_ASPECTS: tuple[str, ...] = (
    "email", "phone", "project_code", "extensions", "signed", "funding_stream", "notes", "area", "category",
    "provider", "status", "kind",
)
# Words of the aspect for the interpretation line ("agreement GR-2024-015 (project code)").
ASPECT_WORDS: dict[str, str] = {
    "email": "contact email", "phone": "phone number", "project_code": "project code",
    "extensions": "extension options left", "signed": "signed status", "funding_stream": "funding stream",
    "notes": "notes", "area": "area", "category": "category", "provider": "provider", "status": "status",
    "kind": "kind", "end": "current end date", "start": "start date", "contact": "provider contact",
    "manager": "contract manager", "value": "value", "details": "details",
}
SIGNED_SENTENCES: dict[str, str] = {
    "both": "{name} is signed by both parties.",
    "ours": "{name} is signed by us only: the provider has not signed it yet.",
    "none": "{name} is not signed by either party.",
}
# Columns an import kept beside the register's own that hold a phone number: "Contact Phone",
# "telephone", "mobile_no". An import keeps an unknown column as a notes line "Contact Phone: 0116…".
_PHONE_COLUMN = re.compile(r"(?:tele)?phone|(?<![a-z])tel(?![a-z])|mobile")
_NOTES_LINE = re.compile(r"^\s*([^:\n]{1,60}):\s*(\S.*?)\s*$", re.MULTILINE)


def _years(years: int) -> str:
    return f"{years} year" + ("" if years == 1 else "s")


def phone_numbers(agreement: Agreement) -> list[str]:
    """Phone numbers kept from columns the register format lacks ("Contact Phone", "telephone")."""
    found = [str(value).strip() for key, value in agreement.extra if _PHONE_COLUMN.search(key.lower()) and str(value).strip()]
    found += [value for key, value in _NOTES_LINE.findall(agreement.notes) if _PHONE_COLUMN.search(key.lower())]
    return list(dict.fromkeys(found))


def describe_field(agreement: Agreement, aspect: str, today: date) -> str:
    """The sentence that answers `aspect` (one of `FIELD_ASPECTS`) for `agreement` as of `today`."""
    name = f"{agreement.reference} {agreement.title} ({agreement.provider})"
    if aspect == "email":
        return _email(agreement, name)
    if aspect == "phone":
        found = phone_numbers(agreement)
        if found:
            return f"The phone number recorded for {name} is {', '.join(found)}."
        who = ", ".join(x for x in (agreement.contact_name, agreement.contact_email) if x)
        return f"No phone number is recorded for {name}." + (f" The provider contact is {who}." if who else "")
    if aspect == "project_code":
        if not agreement.project_code:
            return f"No project code is recorded for {name}: add the finance project code to the register."
        return f"The project code for {name} is {agreement.project_code}."
    if aspect == "extensions":
        return _extensions(agreement, name, today)
    if aspect == "signed":
        sentence = SIGNED_SENTENCES.get(agreement.signed, "The signed status of {name} is not recorded: record whether both parties signed.")
        return sentence.format(name=name)
    if aspect == "notes":
        if not agreement.notes.strip():
            return f"No notes are recorded for {name}."
        return f"Notes for {name}: {agreement.notes.strip()}"
    if aspect == "status":
        return f"{name} is {agreement.status}" + (", though its end date has passed." if agreement.status == "active" and agreement.has_ended(today) else ".")
    if aspect == "kind":
        return f"{name} is a {agreement.kind}."
    label = {"funding_stream": "funding stream", "area": "area", "category": "category", "provider": "provider"}[aspect]
    value = getattr(agreement, aspect)
    if not value:
        return f"No {label} is recorded for {name}."
    if aspect == "funding_stream":
        return f"{name} is paid from the {value} funding stream."
    return f"The {label} of {name} is {value}."


def _email(agreement: Agreement, name: str) -> str:
    if not agreement.contact_email:
        who = f" The contact is {agreement.contact_name}, with no email." if agreement.contact_name else ""
        return f"No provider contact email is recorded for {name}.{who}"
    who = f" ({agreement.contact_name})" if agreement.contact_name else ""
    sentence = f"The provider contact email for {name} is {agreement.contact_email}{who}."
    if is_generic_email(agreement.contact_email):
        sentence += " It is a shared mailbox, not a named person."
    return sentence


def _extensions(agreement: Agreement, name: str, today: date) -> str:
    end = agreement.current_end_date
    ends = f"; it {'ended' if end < today else 'ends'} on {format_date(end)}" if end else ""
    options = agreement.extension_options
    if not options:
        return f"{name} has no extension options, so it cannot be extended{ends}."
    left = agreement.extension_options_left
    had = f"{format_extension_options(options)} year{'s' if sum(options) != 1 or len(options) > 1 else ''}"
    if not left:
        return f"{name} has no extension options left: it has used all of {had}, so it cannot be extended again{ends}."
    count = f"{len(left)} extension option{'s' if len(left) != 1 else ''}"
    return f"{name} has {count} left ({', '.join(_years(y) for y in left)}) of {had}{ends}."


def describe_aspect(agreement: Agreement, aspect: str, today: date) -> str:
    """One sentence answering what was asked about a single agreement."""
    if aspect in FIELD_ASPECTS:
        return describe_field(agreement, aspect, today)
    name = f"{agreement.reference} {agreement.title} ({agreement.provider})"
    if aspect == "end":
        return _end_sentence(agreement, name, today)
    if aspect == "start":
        if agreement.start_date is None:
            return f"{name} has no start date in the register."
        verb = "starts" if agreement.start_date > today else "started"
        return f"{name} {verb} on {format_date(agreement.start_date)}."
    if aspect == "contact":
        if not (agreement.contact_name or agreement.contact_email):
            return f"No provider contact is recorded for {name}."
        who = ", ".join(x for x in (agreement.contact_name, agreement.contact_email) if x)
        return f"The provider contact for {name} is {who}."
    if aspect == "manager":
        if not agreement.contract_manager:
            return f"No contract manager is recorded for {name}."
        return f"{name} is managed by {agreement.contract_manager}."
    if aspect == "value":
        if agreement.value is None:
            return f"{name} has no value in the register."
        return f"{name} is worth {format_money(agreement.value)} over its whole term."
    return f"{name}: {agreement.kind}, {_end_sentence(agreement, 'it', today)}"


def _end_sentence(agreement: Agreement, name: str, today: date) -> str:
    end = agreement.current_end_date
    if end is None:
        return f"{name} has no end date in the register."
    verb = "ended" if end < today else "ends"
    sentence = f"{name} {verb} on {format_date(end)}"
    if agreement.extension_years_used and agreement.end_date:
        sentence += f" (extended from {format_date(agreement.end_date)})"
    left = agreement.extension_options_left
    if left:
        options = ", ".join(f"{years} year" + ("s" if years != 1 else "") for years in left)
        sentence += f"; extension options left: {options}"
    elif agreement.extension_options:
        sentence += "; no extension options left"
    if agreement.status != "active":
        sentence += f"; status {agreement.status}"
    return sentence + "."


def agreement_details(agreement: Agreement, today: date) -> list[str]:
    """The fact lines of the one-agreement answer, data-quality problems last."""
    lines = [
        f"Kind: {agreement.kind}",
        f"Provider: {agreement.provider}",
        f"Value: {format_money(agreement.value) or 'not recorded'}",
        f"Start: {format_date(agreement.start_date) or 'not recorded'}",
        f"Current end: {format_date(agreement.current_end_date) or 'not recorded'}",
    ]
    if agreement.funding_stream:
        lines.append(f"Funding stream: {agreement.funding_stream}")
    if agreement.area:
        lines.append(f"Area: {agreement.area}")
    if agreement.contact_name or agreement.contact_email:
        lines.append(f"Provider contact: {', '.join(x for x in (agreement.contact_name, agreement.contact_email) if x)}")
    if agreement.contract_manager:
        lines.append(f"Contract manager: {agreement.contract_manager}")
    for problem in data_quality_problems(agreement, today):
        lines.append(f"Data quality: {problem.message}")
    return lines
