"""Checks every output before anything is written: official schemas, unique ids, nothing personal.

A transparency officer puts these files on a public website, so a problem must stop the
publication and say which agreement it comes from and what to fix. The 360Giving (1.4.3) and
OCDS (1.1.5) schemas are the official ones, shipped in `publication/schemas/` (CC BY), checked
with a real date-time and URI format checker: without one, 360Giving's "date or date-time"
rules cannot be told apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

from domain.publication import ContactNames, personal_data
from publication.schema_check import ItemChecker

SCHEMAS = Path(__file__).parent / "schemas"
GIVING_PACKAGE = "360-giving-package-schema-1.4.3.json"
GIVING_GRANT = "360-giving-schema-1.4.3.json"
OCDS_PACKAGE = "ocds-release-package-schema-1.1.5.json"
OCDS_RELEASE = "ocds-release-schema-1.1.5.json"
FIX_SCHEMA = "fix the register row and publish again"


@dataclass(frozen=True)
class Problem:
    """One thing that blocks publication: the agreement it comes from, what is wrong, what to do."""

    reference: str
    file: str
    message: str

    def line(self) -> str:
        where = self.reference or "the publication"
        return f"{where} ({self.file}): {self.message}"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return data


@cache
def _giving() -> tuple[Draft202012Validator, ItemChecker]:
    grant = _load(GIVING_GRANT)
    registry: Registry[Any] = Registry().with_resource(grant["$id"], DRAFT202012.create_resource(grant))
    package = Draft202012Validator(_load(GIVING_PACKAGE), registry=registry, format_checker=FormatChecker())
    return package, ItemChecker(grant, Draft202012Validator, FormatChecker(), draft4=False)


@cache
def _ocds() -> tuple[Draft4Validator, ItemChecker]:
    release = _load(OCDS_RELEASE)
    registry: Registry[Any] = Registry().with_resource(release["id"], DRAFT4.create_resource(release))
    package = Draft4Validator(_load(OCDS_PACKAGE), registry=registry, format_checker=FormatChecker())
    return package, ItemChecker(release, Draft4Validator, FormatChecker(), draft4=True)


def _schema_problems(
    package_validator: Any, items: ItemChecker, document: Mapping[str, Any], key: str, references: Sequence[str], file: str,
) -> list[Problem]:
    """The package's own fields (checked with its first item), then every item against the item schema."""
    found: list[Problem] = []
    entries = list(document.get(key, []))
    envelope = {**document, key: entries[:1]}
    for error in package_validator.iter_errors(envelope):
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == key:
            continue  # the item's own errors are found below, with its agreement
        found.append(Problem("", file, f"{'.'.join(map(str, path)) or 'the package'} does not meet the standard "
                             f"({error.message[:200]}): check the publisher settings."))
    items.forget()
    for index, entry in enumerate(entries):
        reference = references[index] if index < len(references) else ""
        for item_path, message in items.errors(entry):
            field = ".".join(str(p) for p in item_path) or "the record"
            found.append(Problem(reference, file, f"{field} does not meet the standard ({message[:200]}); {FIX_SCHEMA}."))
    return found


def check_360giving(package: Mapping[str, Any], references: Sequence[str], file: str) -> list[Problem]:
    """The grants package against the official 360Giving schema, and grant ids unique."""
    validator, items = _giving()
    found = _schema_problems(validator, items, package, "grants", references, file)
    found += _duplicates([g.get("id", "") for g in package.get("grants", [])], references, file, "grant id")
    return found


def check_ocds(package: Mapping[str, Any], references: Sequence[str], file: str) -> list[Problem]:
    """The release package against the official OCDS schema, and ocids unique."""
    validator, items = _ocds()
    found = _schema_problems(validator, items, package, "releases", references, file)
    found += _duplicates([r.get("ocid", "") for r in package.get("releases", [])], references, file, "ocid")
    return found


def _duplicates(ids: Sequence[str], references: Sequence[str], file: str, what: str) -> list[Problem]:
    seen: dict[str, str] = {}
    found = []
    for identifier, reference in zip(ids, references, strict=False):
        if identifier in seen:
            found.append(Problem(reference, file, f"the {what} {identifier} is the same as {seen[identifier]}'s: "
                                 "give the references distinct letters or digits."))
        else:
            seen[identifier] = reference
    return found


def check_personal(file: str, lines: Iterable[tuple[str, str]], names: ContactNames) -> list[Problem]:
    """No email, phone number or contact name anywhere in a file: `lines` are (reference, text) pairs."""
    found: list[Problem] = []
    pairs = list(lines)
    # One look at everything first: a clean register (the usual case) costs one pass, not one per line.
    if not personal_data("\n".join(text for _, text in pairs), names):
        return found
    for reference, text in pairs:
        for what in personal_data(text, names):
            found.append(Problem(reference, file, f"contains {what}: remove it from the register's published "
                                 "columns (title, provider, area, category, funding stream) and publish again."))
    return found
