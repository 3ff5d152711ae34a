"""A Microsoft List (SharePoint list) as register rows: columns matched to fields, values by column type.

A list is not a spreadsheet: every column has a declared type, and Graph returns each value in
the JSON shape of that type. So values are converted by the column's type, never by guessing
from the text: a date-only column arrives as the UTC instant of local midnight (31 March 2027
in a UK site is `2027-03-30T23:00:00Z`) and becomes the calendar date the user typed in the
register's time zone; numbers and currency arrive as JSON numbers; multi-choice as arrays;
yes/no as booleans; person and lookup columns as ids, resolved by the caller (one Graph call
per person per sync) and handed in as maps.

The rows produced here go through the same `parse_rows` as a CSV or XLSX file, so a list gets
exactly the validation, data-quality flags and audit a file gets (docs/register-format.md).
Columns SharePoint adds to every list are never register fields unless `REGISTER_COLUMNS` says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.register_columns import COLUMNS, match_header

# SharePoint's own columns (internal names); shown in `/columns` but never register data.
SHAREPOINT_OWN: frozenset[str] = frozenset({
    "ContentType", "ContentTypeId", "Attachments", "DocIcon", "LinkTitle", "LinkTitleNoMenu", "Edit",
    "_UIVersionString", "Created", "Modified", "Author", "Editor", "ItemChildCount", "FolderChildCount",
    "AppAuthor", "AppEditor", "_ComplianceFlags", "_ComplianceTag", "_ComplianceTagWrittenTime",
    "_ComplianceTagUserId", "_IsRecord", "ComplianceAssetId", "_ColorTag", "SelectTitle", "ID", "id",
    "GUID", "FileLeafRef", "FileRef", "FSObjType", "UniqueId", "_HasCopyDestinations", "_CopySource",
    "owshiddenversion", "WorkflowVersion", "_ModerationStatus", "_ModerationComments", "Order",
    "WorkflowInstanceID", "ParentVersionString", "ParentLeafName", "InstanceID", "MetaInfo",
    "_Level", "_IsCurrentVersion", "ServerUrl", "EncodedAbsUrl", "BaseName", "ProgId", "ScopeId",
    "HTML_x0020_File_x0020_Type", "_EditMenuTableStart", "_EditMenuTableStart2", "_EditMenuTableEnd",
    "LinkFilenameNoMenu", "LinkFilename", "LinkFilename2", "SortBehavior", "_VirusStatus", "_VirusVendorID",
    "_VirusInfo", "_CommentFlags", "_CommentCount", "_LikeCount", "_DisplayName", "Restricted",
    "OriginatorId", "NoExecute", "ContentVersion", "_CheckinComment", "CheckoutUser", "CheckedOutUserId",
})
# The built-in Title column: a register field (usually renamed, e.g. "Agreement title").
TITLE = "Title"

KINDS = ("text", "note", "date", "datetime", "number", "currency", "choice", "multichoice",
         "boolean", "person", "lookup", "other")

NOT_A_FIELD = "REGISTER_COLUMNS maps {column!r} to {field!r}, which is not a register column ({known})."
NO_SUCH_COLUMN = "REGISTER_COLUMNS names {column!r}, which the list has no column called (by name or display name)."


class ColumnsRefused(ValueError):
    """The column mapping cannot be used; the message says what to change."""


@dataclass(frozen=True)
class ListColumn:
    """One list column as `/columns` describes it: internal name, display name and type."""

    name: str
    display_name: str
    kind: str = "text"
    read_only: bool = False
    hidden: bool = False
    multiple: bool = False
    group: str = ""
    lookup_list_id: str = ""
    lookup_column: str = ""

    @property
    def sharepoint_own(self) -> bool:
        """True for SharePoint's own columns (and hidden or read-only ones), which hold no register data."""
        if self.name == TITLE:
            return False
        return self.name in SHAREPOINT_OWN or self.hidden or self.read_only or self.group == "_Hidden"


def read_column(definition: Mapping[str, object]) -> ListColumn:
    """A Graph `columnDefinition` → `ListColumn`, its type read from the facet it carries."""
    name = str(definition.get("name") or "")
    kind, multiple, lookup_list, lookup_column = "other", False, "", ""
    date_time = definition.get("dateTime")
    choice = definition.get("choice")
    person = definition.get("personOrGroup")
    lookup = definition.get("lookup")
    text = definition.get("text")
    if isinstance(date_time, Mapping):
        kind = "date" if date_time.get("format") == "dateOnly" else "datetime"
    elif isinstance(choice, Mapping):
        kind = "multichoice" if choice.get("displayAs") == "checkBoxes" else "choice"
    elif isinstance(person, Mapping):
        kind, multiple = "person", bool(person.get("allowMultipleSelection"))
    elif isinstance(lookup, Mapping):
        kind, multiple = "lookup", bool(lookup.get("allowMultipleValues"))
        lookup_list, lookup_column = str(lookup.get("listId") or ""), str(lookup.get("columnName") or "")
    elif isinstance(definition.get("currency"), Mapping):
        kind = "currency"
    elif isinstance(definition.get("number"), Mapping):
        kind = "number"
    elif isinstance(definition.get("boolean"), Mapping):
        kind = "boolean"
    elif isinstance(text, Mapping):
        kind = "note" if text.get("allowMultipleLines") else "text"
    return ListColumn(
        name=name, display_name=str(definition.get("displayName") or name), kind=kind,
        read_only=bool(definition.get("readOnly")), hidden=bool(definition.get("hidden")),
        multiple=multiple, group=str(definition.get("columnGroup") or ""),
        lookup_list_id=lookup_list, lookup_column=lookup_column,
    )


@dataclass(frozen=True)
class ColumnPlan:
    """Which list columns feed which register fields, and which are kept in notes.

    `headers` is the header row handed to `parse_rows`: a register field's own name for a
    mapped column, the display name for a column kept in notes (as a CSV's unknown column is).
    """

    columns: tuple[ListColumn, ...]
    headers: tuple[str, ...]
    fields: Mapping[str, str] = field(default_factory=dict)  # internal name → register field

    def display_name(self, register_field: str) -> str:
        """The list's display name for the column holding `register_field` (for reports)."""
        for column in self.columns:
            if self.fields.get(column.name) == register_field:
                return column.display_name
        return register_field


def plan_columns(
    columns: Iterable[ListColumn], overrides: Mapping[str, str] | None = None, *, ignored: Iterable[str] = (),
) -> ColumnPlan:
    """Match list columns to register fields: `REGISTER_COLUMNS` first, then display name, then internal name.

    `ignored` names columns (by name or display name) that are not register data at all: the
    columns the bot itself writes its decisions and return statuses to.

    Matching is as loose as a CSV header's (`Agreement title`, `Contract End Date`). When two
    columns would give the same field, a display-name match beats an internal-name match and the
    first column beats a later one; the loser is kept in notes like any unknown column.
    """
    skip = {name.casefold() for name in ignored}
    listed = [c for c in columns if c.name.casefold() not in skip and c.display_name.casefold() not in skip]
    by_any = {key: column for column in listed for key in (column.name.casefold(), column.display_name.casefold())}
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for wanted, register_field in (overrides or {}).items():
        column = by_any.get(wanted.strip().casefold())
        if column is None:
            raise ColumnsRefused(NO_SUCH_COLUMN.format(column=wanted))
        target = register_field.strip().lower().replace(" ", "_")
        if target not in COLUMNS:
            raise ColumnsRefused(NOT_A_FIELD.format(column=wanted, field=register_field, known=", ".join(COLUMNS)))
        chosen[column.name] = target
        taken.add(target)
    usable = [column for column in listed if column.name not in chosen and not column.sharepoint_own]
    for by_display in (True, False):
        for column in usable:
            if column.name in chosen:
                continue
            found = match_header(column.display_name if by_display else column.name)
            if found and found not in taken:
                chosen[column.name] = found
                taken.add(found)
    kept = [column for column in listed if column.name in chosen or not column.sharepoint_own]
    headers = tuple(chosen.get(column.name, column.display_name) for column in kept)
    return ColumnPlan(tuple(kept), headers, chosen)


@dataclass(frozen=True)
class Lookups:
    """What person and lookup ids stand for, fetched by the caller before conversion."""

    people: Mapping[str, str] = field(default_factory=dict)  # user lookup id → email (or name)
    values: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (list id, item id) → display value


def person_ids(plan: ColumnPlan, items: Iterable[Mapping[str, object]]) -> set[str]:
    """Every person lookup id the mapped and kept person columns of `items` refer to."""
    return {key for _, key in _ids(plan, items, "person")}


def lookup_ids(plan: ColumnPlan, items: Iterable[Mapping[str, object]]) -> set[tuple[str, str]]:
    """Every (list id, item id) the lookup columns of `items` refer to."""
    return set(_ids(plan, items, "lookup"))


def _ids(plan: ColumnPlan, items: Iterable[Mapping[str, object]], kind: str) -> Iterable[tuple[str, str]]:
    wanted = [column for column in plan.columns if column.kind == kind]
    for fields in items:
        for column in wanted:
            single = fields.get(f"{column.name}LookupId")
            if single not in (None, ""):
                yield column.lookup_list_id, str(single)
            many = fields.get(column.name)
            if isinstance(many, list):
                for entry in many:
                    if isinstance(entry, Mapping) and entry.get("LookupId") not in (None, ""):
                        yield column.lookup_list_id, str(entry["LookupId"])


def row_cells(plan: ColumnPlan, fields: Mapping[str, object], lookups: Lookups, zone: ZoneInfo) -> list[object]:
    """One list item's fields as cells in `plan.headers` order, each converted by its column's type."""
    return [cell_value(column, fields, lookups, zone) for column in plan.columns]


def cell_value(column: ListColumn, fields: Mapping[str, object], lookups: Lookups, zone: ZoneInfo) -> object:
    """The cell for one column: a `date`, a number, or text; `None` when SharePoint left it out."""
    if column.kind in ("person", "lookup"):
        return _resolved(column, fields, lookups)
    raw = fields.get(column.name)
    if raw is None:
        return None
    if column.kind in ("date", "datetime"):
        return local_date(raw, zone)
    if column.kind in ("number", "currency"):
        return _number(raw)
    if column.kind == "boolean":
        return ("yes" if raw else "no") if isinstance(raw, bool) else raw
    if isinstance(raw, list):
        return "; ".join(str(part) for part in raw if part not in (None, ""))
    return raw


def local_date(raw: object, zone: ZoneInfo) -> object:
    """`2027-03-30T23:00:00Z` → 31 March 2027 in Europe/London; text that is not an instant is left for the parser."""
    if not isinstance(raw, str):
        return raw
    try:
        instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone).date()


def _number(raw: object) -> object:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    return raw


def _resolved(column: ListColumn, fields: Mapping[str, object], lookups: Lookups) -> object:
    """A person's email or a lookup's display value; several joined with `; ` (an unknown id stays as `#id`)."""
    ids: list[str] = []
    single = fields.get(f"{column.name}LookupId")
    if single not in (None, ""):
        ids.append(str(single))
    many = fields.get(column.name)
    if isinstance(many, list):
        ids.extend(str(e["LookupId"]) for e in many if isinstance(e, Mapping) and e.get("LookupId") not in (None, ""))
    if not ids:
        return None
    names = [_name(column, key, lookups) for key in ids]
    return "; ".join(names)


def _name(column: ListColumn, key: str, lookups: Lookups) -> str:
    if column.kind == "person":
        return lookups.people.get(key, f"#{key}")
    return lookups.values.get((column.lookup_list_id, key), f"#{key}")


def excel_date(serial: float) -> date:
    """An Excel serial day number (1900 date system) → the date it shows: 46477 → 31 March 2027."""
    return date.fromordinal(date(1899, 12, 30).toordinal() + int(serial))


_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def is_date_format(number_format: object) -> bool:
    """True for an Excel number format that shows a date (`dd/mm/yyyy`, `d-mmm-yy`), not a number or a time."""
    if not isinstance(number_format, str):
        return False
    text = _LITERALS.sub("", number_format.lower()).split(";")[0]
    if text in ("general", "@", "") or "0" in text or "#" in text:
        return False
    return "d" in text or "y" in text


def workbook_cell(value: object, number_format: object) -> object:
    """An Excel value as Graph's workbook API gives it: serial numbers shown as dates become `date`s."""
    if isinstance(value, int | float) and not isinstance(value, bool) and is_date_format(number_format):
        return excel_date(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if value == "":
        return None
    return value


def workbook_rows(values: Sequence[Sequence[object]], formats: Sequence[Sequence[object]] | None) -> list[list[object]]:
    """Rows of workbook values with their number formats → cells for `parse_rows`."""
    rows: list[list[object]] = []
    for index, row in enumerate(values):
        row_formats = formats[index] if formats and index < len(formats) else ()
        rows.append([
            workbook_cell(value, row_formats[position] if position < len(row_formats) else None)
            for position, value in enumerate(row)
        ])
    return rows

