"""Where the team keeps its register in Microsoft 365, read from the environment.

`REGISTER_SITE` names the SharePoint site (`contoso.sharepoint.com:/sites/commissioning`, or a
site id); then either `REGISTER_LIST` (a Microsoft List by display name or id) or
`REGISTER_WORKBOOK` (a path in the site's default document library) with `REGISTER_TABLE`.
`REGISTER_COLUMNS` (JSON, list column → register field) overrides the column matching,
`REGISTER_TIMEZONE` is the zone dates were typed in, `REGISTER_SYNC_EVERY` the schedule in
minutes (0 turns it off), and `REGISTER_WRITEBACK` (JSON, what → list column; off by default)
which list columns get what the bot records. `PAYMENTS_LIST` (a second list on the same site,
by display name or id) holds the payment schedules; with write-back on, a payment recorded in
Teams is written to it too. docs/operating.md says how to grant access.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.register_columns import COLUMNS

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_SYNC_MINUTES = 60
# What the bot can write back, and the register field whose list column takes it by default
# ("" : no default column, so REGISTER_WRITEBACK must name one).
WRITEBACK_THINGS: dict[str, str] = {"extended_to": "extended_to", "decision": "", "return_status": ""}
BOTH_GIVEN = "Set REGISTER_LIST or REGISTER_WORKBOOK, not both: the register is one list or one workbook."
NEITHER_GIVEN = "REGISTER_SITE is set but neither REGISTER_LIST nor REGISTER_WORKBOOK is: say where the register is."
NO_SITE = "REGISTER_LIST and REGISTER_WORKBOOK need REGISTER_SITE (e.g. contoso.sharepoint.com:/sites/commissioning)."
PAYMENTS_NEED_REGISTER = ("PAYMENTS_LIST needs the register in Microsoft 365 too (REGISTER_SITE with REGISTER_LIST or "
                          "REGISTER_WORKBOOK): payments are checked against the agreements synced from it.")
BAD_JSON = "{name} must be a JSON object of list column → register field, like {example}: {reason}."
BAD_WRITEBACK = "REGISTER_WRITEBACK can write {known}, not {what!r}."
BAD_FIELD = "REGISTER_COLUMNS maps {column!r} to {field!r}, which is not a register column ({known})."
BAD_ZONE = "REGISTER_TIMEZONE {zone!r} is not a time zone name like Europe/London."
BAD_MINUTES = "REGISTER_SYNC_EVERY must be a whole number of minutes (0 turns the schedule off), not {value!r}."


class SourceRefused(ValueError):
    """The register-source settings cannot be used; the message names the setting to fix."""


@dataclass(frozen=True)
class RegisterSource:
    """The Microsoft 365 register: which site, which list or workbook, and how to read and write it."""

    site: str = ""
    list_name: str = ""
    workbook: str = ""
    table: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    timezone: str = DEFAULT_TIMEZONE
    every_minutes: int = DEFAULT_SYNC_MINUTES
    writeback: Mapping[str, str] = field(default_factory=dict)
    # The payments list on the same site (PAYMENTS_LIST): "" when payments are not kept in Microsoft 365.
    payments_list: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.site and (self.list_name or self.workbook))

    @property
    def kind(self) -> str:
        return "workbook" if self.workbook else "list"

    @property
    def key(self) -> str:
        """The name the sync state is stored under: changes when the register moves."""
        return f"{self.kind}:{self.site}:{self.workbook or self.list_name}"[:500]

    @property
    def label(self) -> str:
        """How reports name the register: `the list 'Commissioning register'`."""
        return f"the workbook {self.workbook!r}" if self.workbook else f"the list {self.list_name!r}"

    @property
    def payments_key(self) -> str:
        """The name the payments list's sync state is stored under."""
        return f"payments:{self.site}:{self.payments_list}"[:500]

    @property
    def payments_label(self) -> str:
        return f"the payments list {self.payments_list!r}"

    @property
    def payments_writeback(self) -> bool:
        """Payments recorded in Teams are written to the payments list when write-back is on at all."""
        return bool(self.payments_list and self.writeback)

    @property
    def written_columns(self) -> tuple[str, ...]:
        """List columns only the bot writes (decision, return status): never read back as register data."""
        return tuple(column for what, column in self.writeback.items() if column and not WRITEBACK_THINGS[what])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> RegisterSource:
        env = os.environ if environ is None else environ
        site = env.get("REGISTER_SITE", "").strip()
        list_name = env.get("REGISTER_LIST", "").strip()
        workbook = _library_path(env.get("REGISTER_WORKBOOK", ""))
        if list_name and workbook:
            raise SourceRefused(BOTH_GIVEN)
        if site and not (list_name or workbook):
            raise SourceRefused(NEITHER_GIVEN)
        if (list_name or workbook) and not site:
            raise SourceRefused(NO_SITE)
        payments_list = env.get("PAYMENTS_LIST", "").strip()
        if payments_list and not site:
            raise SourceRefused(PAYMENTS_NEED_REGISTER)
        zone = (env.get("REGISTER_TIMEZONE", "") or DEFAULT_TIMEZONE).strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SourceRefused(BAD_ZONE.format(zone=zone)) from None
        raw_minutes = env.get("REGISTER_SYNC_EVERY", "").strip()
        try:
            minutes = int(raw_minutes) if raw_minutes else DEFAULT_SYNC_MINUTES
        except ValueError:
            raise SourceRefused(BAD_MINUTES.format(value=raw_minutes)) from None
        if minutes < 0:
            raise SourceRefused(BAD_MINUTES.format(value=raw_minutes))
        return cls(
            site=site, list_name=list_name, workbook=workbook, table=env.get("REGISTER_TABLE", "").strip(),
            columns=_column_overrides(env.get("REGISTER_COLUMNS", "")), timezone=zone, every_minutes=minutes,
            writeback=_writeback(env.get("REGISTER_WRITEBACK", "")), payments_list=payments_list,
        )


def _library_path(raw: str) -> str:
    """`Shared Documents/Registers/x.xlsx` → `Registers/x.xlsx`: Graph's drive root is the Documents library."""
    path = raw.strip().strip("/")
    for library in ("Shared Documents/", "Documents/"):
        if path.lower().startswith(library.lower()):
            return path[len(library):]
    return path


def _json_object(name: str, raw: str, example: str) -> dict[str, str]:
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise SourceRefused(BAD_JSON.format(name=name, example=example, reason=str(error)[:80])) from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise SourceRefused(BAD_JSON.format(name=name, example=example, reason="it is not an object of strings"))
    return value


def _column_overrides(raw: str) -> dict[str, str]:
    if not raw.strip():
        return {}
    overrides = _json_object("REGISTER_COLUMNS", raw, '{"Agreement title": "title"}')
    for column, register_field in overrides.items():
        if register_field.strip().lower().replace(" ", "_") not in COLUMNS:
            raise SourceRefused(BAD_FIELD.format(column=column, field=register_field, known=", ".join(COLUMNS)))
    return {column: register_field.strip().lower().replace(" ", "_") for column, register_field in overrides.items()}


def _writeback(raw: str) -> dict[str, str]:
    """`""`/`off` → nothing; `on` → the extension columns the list already maps; JSON → exactly those."""
    text = raw.strip()
    if text.lower() in ("", "off", "0", "false", "no"):
        return {}
    if text.lower() in ("on", "1", "true", "yes"):
        return {what: "" for what, mapped in WRITEBACK_THINGS.items() if mapped}
    chosen = _json_object("REGISTER_WRITEBACK", text, '{"extended_to": "CurrentEndDate", "decision": "EndDecision"}')
    for what in chosen:
        if what not in WRITEBACK_THINGS:
            raise SourceRefused(BAD_WRITEBACK.format(known=", ".join(WRITEBACK_THINGS), what=what))
    return chosen
