"""A stand-in for Microsoft Graph's SharePoint list and Excel workbook APIs, on 127.0.0.1.

Payloads follow Microsoft's documentation (listItem, listItem delta, fieldValueSet, columnDefinition,
workbookTable/Row/Column/Range, Graph error responses), including the awkward parts the real service has:

- single person and lookup fields come only as `<Name>LookupId` (a *string*); inside multi-value arrays
  `LookupId` is an *int*; empty fields are absent, never null;
- `LinkTitle` and `LinkTitleNoMenu` share Title's display name, and built-in column ids are the same in every list;
- custom hidden columns are left out of `fields` unless named in `fields(select=...)`;
- dates are UTC instants: a date-only value `2027-03-31` entered in the site's time zone (Europe/London)
  is stored as `2027-03-30T23:00:00Z`;
- `webUrl`s name the real SharePoint host, while `@odata.nextLink`/`@odata.deltaLink` point here;
- the site's `drive` is the "Documents" library, whose URL folder is "Shared Documents": a workbook added as
  "Shared Documents/Register.xlsx" is `drive/root:/Register.xlsx`, as on a real site;
- a delta feed may repeat an item (an item changed while the client pages shows up again next round),
  deleted items carry only `id`, `parentReference` and `deleted`, and delta items have no `lastModifiedBy`;
- multi-choice/multi-lookup writes need their `@odata.type` annotation, or the write fails as OData does.

Use it as `sp = await StandInSharePoint().start()`; `sp.url` is the Graph base (`{sp.url}/v1.0/...`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from stand_ins.local_server import LocalServer

SITE_TIME_ZONE = ZoneInfo("Europe/London")
SYSTEM_ACCOUNT = 1073741823
SHAREPOINT_APP = 1073741822
APP_PRINCIPAL_LOOKUP_ID = 2
USER_INFORMATION_LIST = "User Information List"
KINDS = ("text", "note", "dateOnly", "dateTime", "number", "currency", "choice", "boolean", "person", "lookup")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
EXCEL_EPOCH = date(1899, 12, 30)
_LINK_SAFE = "$(),='"
_NAMESPACE = uuid.UUID("7c1b6f0e-2f4a-4c55-9a43-5d0c2b1e9f10")


def _guid(*parts: object) -> str:
    """A deterministic lower-case GUID for `parts`, so ids are the same in every run."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _unb64(text: str) -> dict[str, Any]:
    decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    if not isinstance(decoded, dict):
        raise ValueError("not a token")
    return decoded


def user_info_list(users: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
    """The `fields` of User Information List items for `users` (lookup id -> (name, email)), as Graph shows them."""
    return [_user_fields(lookup_id, name, email) for lookup_id, (name, email) in sorted(users.items())]


def _user_fields(lookup_id: int, name: str, email: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"@odata.etag": f'"{_guid("user", lookup_id)},1"', "id": str(lookup_id),
                              "ContentType": "Person", "Title": name}
    if lookup_id == SYSTEM_ACCOUNT:
        fields["Name"] = "SHAREPOINT\\system"
    elif lookup_id == SHAREPOINT_APP:
        fields["Name"] = "i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint"
    else:
        fields["Name"] = f"i:0#.f|membership|{email.lower()}"
    if email:  # SharePoint omits empty values: System Account has no email at all
        fields.update({"EMail": email, "UserName": email.lower(), "SipAddress": email.lower()})
    fields.update({"IsSiteAdmin": False, "Deleted": False, "_UIVersionString": "1.0", "Attachments": False,
                   "Edit": "", "LinkTitleNoMenu": name, "LinkTitle": name, "ItemChildCount": "0", "FolderChildCount": "0"})
    return fields


class GraphError(Exception):
    """Answers the request with Graph's error body; raised anywhere below the middleware."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 inner_code: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.inner_code = inner_code


@dataclass
class Fault:
    """One canned failure: the next request whose path (decoded, with query) contains `path_contains`
    (and whose method is `method`, if given) gets `status` — or, with `drop`, a closed connection.

    `times` answers that many matching requests in a row. aiohttp's client silently re-sends an idempotent
    request once when the server drops it, so a drop the caller should *see* needs `times=2`.
    With `drop` and `after`, the request is done first and the connection dropped before the answer,
    as when a network hop fails after SharePoint has created an item.
    """

    path_contains: str = ""
    status: int = 503
    retry_after: str | None = None
    method: str | None = None
    drop: bool = False
    after: bool = False
    code: str = ""
    message: str = ""
    times: int = 1

    def matches(self, method: str, path_qs: str) -> bool:
        return self.path_contains in path_qs and (self.method is None or self.method.upper() == method)


_FAULT_CODES = {
    400: ("invalidRequest", "Invalid request"),
    401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    403: ("accessDenied", "Either scp or roles claim need to be present in the token."),
    404: ("itemNotFound", "The resource could not be found."),
    409: ("conflict", "The request could not be completed due to a conflict."),
    410: ("resyncRequired", "Resync required. Replace any local items with the server's version (including deletes) if "
                            "you're sure that the service was up to date with your local changes when you last sync'd. "
                            "Upload any local changes that the server doesn't know about."),
    429: ("TooManyRequests", "The request has been throttled"),
    500: ("generalException", "An unspecified error has occurred."),
    502: ("badGateway", "The service is temporarily unavailable."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Please retry after the time in the Retry-After header."),
    504: ("gatewayTimeout", "The gateway timed out."),
}
_AUTHENTICATE = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                 'client_id="00000003-0000-0000-c000-000000000000"')


@dataclass
class SpColumn:
    """A custom column (or your own Title): `name` is the internal name Graph uses in `fields`."""

    name: str
    display_name: str
    kind: str
    read_only: bool = False
    hidden: bool = False
    multiple: bool = False
    lookup_list_id: str = ""
    lookup_column: str = ""
    column_group: str = "Custom Columns"
    choices: tuple[str, ...] = ()
    required: bool = False
    indexed: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {KINDS}")
        self.choices = tuple(self.choices)

    @property
    def is_reference(self) -> bool:
        """Person and lookup columns: stored as lookup ids, shown as `<Name>LookupId`."""
        return self.kind in ("person", "lookup")

    def facet(self) -> dict[str, Any]:
        """The type facet of this column's columnDefinition."""
        if self.kind == "text":
            return {"text": {"allowMultipleLines": False, "appendChangesToExistingText": False,
                             "linesForEditing": 0, "maxLength": 255}}
        if self.kind == "note":
            return {"text": {"allowMultipleLines": True, "appendChangesToExistingText": False,
                             "linesForEditing": 6, "maxLength": 63999, "textType": "plain"}}
        if self.kind in ("dateOnly", "dateTime"):
            return {"dateTime": {"displayAs": "default", "format": self.kind}}
        if self.kind == "number":
            return {"number": {"decimalPlaces": "automatic", "displayAs": "number",
                               "maximum": 1.7976931348623157e308, "minimum": -1.7976931348623157e308}}
        if self.kind == "currency":
            return {"currency": {"locale": "en-GB"}}
        if self.kind == "choice":
            return {"choice": {"allowTextEntry": False, "choices": list(self.choices),
                               "displayAs": "checkBoxes" if self.multiple else "dropDownMenu"}}
        if self.kind == "boolean":
            return {"boolean": {}}
        if self.kind == "person":
            return {"personOrGroup": {"allowMultipleSelection": self.multiple, "chooseFromType": "peopleOnly",
                                      "displayAs": "nameWithPresence"}}
        return {"lookup": {"allowMultipleValues": self.multiple, "allowUnlimitedLength": False,
                           "columnName": self.lookup_column or "Title", "listId": self.lookup_list_id}}


# Built-in columns of a custom list as `/columns` shows them: (name, display name, group, hidden, readOnly, id, facet).
# Ids are SharePoint's well-known field ids where known (the same in every list), else made up but fixed.
_BUILT_INS: list[tuple[str, str, str, bool, bool, str, dict[str, Any]]] = [
    ("ComplianceAssetId", "Compliance Asset Id", "Base Columns", False, True, "c1a4e7a0-3b0c-4b64-9e6b-1e2c4f1b0a01",
     {"text": {"allowMultipleLines": False, "appendChangesToExistingText": False, "linesForEditing": 0, "maxLength": 255}}),
    ("ID", "ID", "_Hidden", False, True, "1d22ea11-1e32-424e-89ab-9fedbadb6ce1", {}),
    ("ContentType", "Content Type", "_Hidden", False, False, "c042a256-787d-4a6f-8a8a-cf6ab767f12d", {}),
    ("Modified", "Modified", "_Hidden", False, True, "28cf69c5-fa48-462a-b5cd-27b6f9d2bd5f",
     {"dateTime": {"displayAs": "standard", "format": "dateTime"}}),
    ("Created", "Created", "_Hidden", False, True, "8c06beca-0777-48f7-91c7-6da68bc07b69",
     {"dateTime": {"displayAs": "standard", "format": "dateTime"}}),
    ("Author", "Created By", "_Hidden", False, True, "1df5e554-ec7e-46a6-901d-d85a3881cb18",
     {"personOrGroup": {"allowMultipleSelection": False, "chooseFromType": "peopleAndGroups", "displayAs": "nameWithPresence"}}),
    ("Editor", "Modified By", "_Hidden", False, True, "d31655d1-1d5b-4511-95a1-7a09e9b75bf2",
     {"personOrGroup": {"allowMultipleSelection": False, "chooseFromType": "peopleAndGroups", "displayAs": "nameWithPresence"}}),
    ("_HasCopyDestinations", "Has Copy Destinations", "_Hidden", True, True, "26d0756c-986a-48a7-af35-bf18ab85ff4a",
     {"boolean": {}}),
    ("_CopySource", "Copy Source", "_Hidden", True, True, "6b4e226d-3d88-4a36-808d-a129bf52bccf", {}),
    ("owshiddenversion", "owshiddenversion", "_Hidden", True, True, "d4e44a66-ee3a-4d02-88c9-4ec5ff3f4cd5", {}),
    ("_UIVersion", "UI Version", "_Hidden", True, True, "7841bf41-43d0-4434-9f50-a673baef7631", {}),
    ("_UIVersionString", "Version", "_Hidden", False, True, "dce8262a-3ae9-45aa-aab4-83bd75fb738a",
     {"text": {"allowMultipleLines": False, "appendChangesToExistingText": False, "linesForEditing": 0, "maxLength": 255}}),
    ("Attachments", "Attachments", "_Hidden", False, False, "67df98f4-9dec-48ff-a553-29bece9c5bf4", {"boolean": {}}),
    ("Edit", "Edit", "_Hidden", False, True, "503f1caa-358e-4918-9094-4a2cdc4bc034", {}),
    ("LinkTitleNoMenu", "{title}", "_Hidden", False, True, "bc91a437-52e7-49e1-8c4e-4698904b2b6d", {}),
    ("LinkTitle", "{title}", "_Hidden", False, True, "82642ec8-ef9b-478f-acf9-31f7d45fbc31", {}),
    ("DocIcon", "Type", "_Hidden", False, True, "081c6e4c-5c14-4f20-b23e-1a71ceb6a67c", {}),
    ("ItemChildCount", "Item Child Count", "_Hidden", False, True, "b824e17e-a1b3-426e-aecf-f0184d900485", {"lookup": "self"}),
    ("FolderChildCount", "Folder Child Count", "_Hidden", False, True, "960ff01f-2b6d-4f1b-9c3f-e19ad8927341", {"lookup": "self"}),
    ("_ComplianceFlags", "Label setting", "_Hidden", False, True, "d4b6480a-4bed-4094-9a52-30181ea38f1d", {"lookup": "self"}),
    ("_ComplianceTag", "Retention label", "_Hidden", False, True, "11a7f41e-e5be-4d6b-9cbc-2b3a3ba3b9b1", {"lookup": "self"}),
    ("_ComplianceTagWrittenTime", "Retention label Applied", "_Hidden", False, True, "a7e2c5d6-7d1e-4c9a-9a3e-1b0a3f3c8b21",
     {"lookup": "self"}),
    ("_ComplianceTagUserId", "Label applied by", "_Hidden", False, True, "fbd4f1c0-3b8e-4c0a-8b7f-4b1b0c2b6f3d", {"lookup": "self"}),
    ("_IsRecord", "Item is a Record", "_Hidden", False, True, "4a9f7d9e-2c61-4d5e-9a1b-7e2b4f4c3d10", {}),
    ("AppAuthor", "App Created By", "_Hidden", True, True, "6bfaba20-36bf-44b5-a1b2-eb6346d49716", {"lookup": "apps"}),
    ("AppEditor", "App Modified By", "_Hidden", True, True, "e08400f3-c779-4ed2-a18c-ab7f34caa318", {"lookup": "apps"}),
    ("_ColorTag", "Color Tag", "Core Document Columns", False, False, "4ef69ca4-4179-4d27-9e6c-f9544d45dfdc",
     {"text": {"allowMultipleLines": False, "appendChangesToExistingText": False, "linesForEditing": 0, "maxLength": 255}}),
]
_READ_ONLY_FIELDS = {name for name, _d, _g, _h, read_only, _i, _f in _BUILT_INS if read_only} | {
    "id", "AuthorLookupId", "EditorLookupId", "AppAuthorLookupId", "AppEditorLookupId", "LinkTitle", "LinkTitleNoMenu"}


@dataclass
class SpWrite:
    """One `PATCH .../items/{id}/fields` (or `POST .../items`, item id set once made) the stand-in received, with its status."""

    item_id: str
    fields: dict[str, Any]
    if_match: str | None
    status: int


@dataclass
class _Item:
    id: int
    values: dict[str, Any]
    created: datetime
    modified: datetime
    author: int
    editor: int
    seq: int
    uid: str
    version: int = 1
    app_editor: int | None = None

    @property
    def etag(self) -> str:
        return f'"{self.uid},{self.version}"'


class SpList:
    """A SharePoint list: add, change and delete items here; they show in items, delta and columns."""

    def __init__(self, site: StandInSharePoint, display_name: str, columns: Iterable[SpColumn], *,
                 template: str = "genericList", hidden: bool = False, url_name: str = "") -> None:
        self.site = site
        self.display_name = display_name
        self.id = _guid("list", site.site_id, display_name)
        self.url_name = url_name or re.sub(r"[^A-Za-z0-9_]", "", display_name) or "List"
        self.template, self.hidden = template, hidden
        given = list(columns)
        title = next((c for c in given if c.name == "Title"), SpColumn("Title", "Title", "text", required=True))
        self.columns: dict[str, SpColumn] = {"Title": title}
        for column in given:
            if column.name in self.columns and column.name != "Title":
                raise ValueError(f"column {column.name} given twice")
            if column.name in {b[0] for b in _BUILT_INS}:
                raise ValueError(f"{column.name} is a built-in column")
            self.columns[column.name] = column
        self.items: dict[int, _Item] = {}
        self.tombstones: dict[int, int] = {}
        self.writes: list[SpWrite] = []
        self.created = site.clock()
        self.modified = self.created
        self._next_id = 1

    # --- test-side changes -------------------------------------------------------------------------------------

    def add_item(self, fields: dict[str, Any], *, author: int | None = None) -> str:
        """Adds an item with `fields` (internal name -> value); returns its id ("1", "2", ...)."""
        values = {}
        for name, value in fields.items():
            column = self._column_for(name)
            normalised = _normalise(column, value)
            if normalised is not None:
                values[column.name] = normalised
        now = self.site.clock()
        who = SYSTEM_ACCOUNT if author is None else author
        item = _Item(self._next_id, values, now, now, who, who, self.site.tick(), _guid("item", self.id, self._next_id))
        self.items[item.id] = item
        self._next_id += 1
        self.modified = now
        return str(item.id)

    def update_item(self, item_id: str | int, fields: dict[str, Any], *, editor: int | None = None) -> None:
        """Changes fields (None clears one), bumps version and eTag, and records the change for delta."""
        item = self.items[int(item_id)]
        for name, value in fields.items():
            column = self._column_for(name)
            normalised = _normalise(column, value)
            if normalised is None:
                item.values.pop(column.name, None)
            else:
                item.values[column.name] = normalised
        self._touch(item, item.author if editor is None else editor)

    def delete_item(self, item_id: str | int) -> None:
        """Removes the item; delta reports it with the `deleted` facet."""
        item = self.items.pop(int(item_id))
        self.tombstones[item.id] = self.site.tick()
        self.modified = self.site.clock()

    def item_etag(self, item_id: str | int) -> str:
        return self.items[int(item_id)].etag

    def values(self, item_id: str | int) -> dict[str, Any]:
        """The stored values of an item, by internal name (lookup ids as ints)."""
        return dict(self.items[int(item_id)].values)

    # --- internals ---------------------------------------------------------------------------------------------

    def _touch(self, item: _Item, editor: int) -> None:
        item.version += 1
        item.modified = self.site.clock()
        item.editor = editor
        item.seq = self.site.tick()
        self.modified = item.modified

    def _column_for(self, name: str) -> SpColumn:
        column = self.columns.get(name)
        if column is None and name.endswith("LookupId"):
            column = self.columns.get(name[: -len("LookupId")])
            if column is not None and not column.is_reference:
                column = None
        if column is None:
            raise KeyError(f"list {self.display_name!r} has no column {name!r}")
        return column

    @property
    def web_url(self) -> str:
        return f"{self.site.web_url}/Lists/{self.url_name}"

    def resource(self) -> dict[str, Any]:
        etag = f'"{self.id},{self.site.seq}"'
        return {
            "@odata.etag": etag, "createdDateTime": _instant(self.created), "description": "", "eTag": etag,
            "id": self.id, "lastModifiedDateTime": _instant(self.modified), "name": self.url_name,
            "webUrl": self.web_url, "displayName": self.display_name,
            "createdBy": {"user": {"displayName": "System Account"}},
            "parentReference": {"siteId": self.site.site_id},
            "list": {"contentTypesEnabled": False, "hidden": self.hidden, "template": self.template},
        }

    def column_definitions(self) -> list[dict[str, Any]]:
        title = self.columns["Title"]
        out: list[dict[str, Any]] = []

        def add(name: str, display: str, group: str, hidden: bool, read_only: bool, column_id: str,
                facet: dict[str, Any], *, required: bool = False, indexed: bool = False, unique: bool = False,
                description: str = "") -> None:
            out.append({"columnGroup": group, "description": description, "displayName": display,
                        "enforceUniqueValues": unique, "hidden": hidden, "id": column_id, "indexed": indexed,
                        "name": name, "readOnly": read_only, "required": required, **facet})

        for name, display, group, hidden, read_only, column_id, facet in _BUILT_INS:
            if name == "ID":  # Title and the custom columns come after ID, ahead of the rest, as in a real list
                add(name, display, group, hidden, read_only, column_id, facet)
                add("Title", title.display_name, title.column_group, title.hidden, title.read_only,
                    "fa564e0f-0c70-4ab9-b863-0177e6ddd247", title.facet(), required=title.required,
                    indexed=title.indexed, description=title.description)
                for column in self.columns.values():
                    if column.name != "Title":
                        add(column.name, column.display_name, column.column_group, column.hidden, column.read_only,
                            _guid("column", self.id, column.name), column.facet(), required=column.required,
                            indexed=column.indexed, description=column.description)
                continue
            if facet.get("lookup") == "self":
                facet = {"lookup": {"allowMultipleValues": False, "allowUnlimitedLength": False,
                                    "columnName": name, "listId": self.id}}
            elif facet.get("lookup") == "apps":
                facet = {"lookup": {"allowMultipleValues": False, "allowUnlimitedLength": False,
                                    "columnName": "Title", "listId": _guid("app principals", self.site.site_id)}}
            add(name, display.replace("{title}", title.display_name), group, hidden, read_only, column_id, facet)
        return out


class _UserInformationList(SpList):
    """The hidden User Information List; its items come from `site.users` plus the built-in accounts."""

    def __init__(self, site: StandInSharePoint) -> None:
        super().__init__(site, USER_INFORMATION_LIST, [], template="userInformation", hidden=True, url_name="users")

    @property
    def web_url(self) -> str:
        return f"{self.site.web_url}/_catalogs/users"

    def everyone(self) -> dict[int, tuple[str, str]]:
        return {SHAREPOINT_APP: ("SharePoint App", ""), SYSTEM_ACCOUNT: ("System Account", ""), **self.site.users}


@dataclass
class _Table:
    name: str
    id: str
    sheet: str
    header: list[Any]
    rows: list[list[Any]]
    formats: list[list[str]]


class SpWorkbook:
    """An .xlsx in the site's Documents library, served through the Excel workbook API."""

    def __init__(self, site: StandInSharePoint, path: str) -> None:
        self.site = site
        self.library_path = path.lstrip("/")
        prefix = "Shared Documents/"
        self.path = self.library_path[len(prefix):] if self.library_path.startswith(prefix) else self.library_path
        self.name = self.path.rsplit("/", 1)[-1]
        self.id = "01" + base64.b32encode(hashlib.sha1(f"{site.site_id}/{self.path}".encode()).digest()).decode()[:32]
        self.uid = _guid("file", site.site_id, self.path).upper()
        self.tables: dict[str, _Table] = {}
        self.sheets: dict[str, tuple[list[list[Any]], list[list[str]]]] = {}
        self.version = 1
        self.created = site.clock()
        self.modified = self.created

    @property
    def etag(self) -> str:
        return f'"{{{self.uid}}},{self.version}"'

    @property
    def ctag(self) -> str:
        return f'"c:{{{self.uid}}},{self.version}"'

    @property
    def web_url(self) -> str:
        return (f"{self.site.web_url}/_layouts/15/Doc.aspx?sourcedoc=%7B{self.uid}%7D&file={quote(self.name)}"
                "&action=default&mobileredirect=true")

    def _changed(self) -> None:
        self.version += 1
        self.modified = self.site.clock()

    def add_table(self, name: str, header: list[Any], rows: list[list[Any]], formats: list[list[str]] | None = None,
                  *, sheet: str = "") -> None:
        """A table at A1 of `sheet` (default "Sheet<n>"); `formats` are the data rows' number formats."""
        width = len(header)
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
        given = formats or []
        filled = [list(given[i]) if i < len(given) else [] for i in range(len(rows))]
        filled = [f + ["General"] * (width - len(f)) for f in filled]
        self.tables[name] = _Table(name, "{" + _guid("table", self.id, name).upper() + "}",
                                   sheet or f"Sheet{len(self.tables) + 1}", list(header), rows, filled)
        self._changed()

    def set_sheet(self, name: str, values: list[list[Any]], formats: list[list[str]] | None = None) -> None:
        """A plain worksheet (no table) whose used range starts at A1."""
        width = max((len(r) for r in values), default=0)
        values = [list(r) + [""] * (width - len(r)) for r in values]
        given = formats or []
        filled = [(list(given[i]) if i < len(given) else []) for i in range(len(values))]
        self.sheets[name] = (values, [f + ["General"] * (width - len(f)) for f in filled])
        self._changed()

    def update_row(self, table: str, index: int, values: list[Any], formats: list[str] | None = None) -> None:
        """Replaces data row `index` (0-based) of `table`."""
        t = self.tables[table]
        t.rows[index] = list(values) + [""] * (len(t.header) - len(values))
        if formats is not None:
            t.formats[index] = list(formats) + ["General"] * (len(t.header) - len(formats))
        self._changed()

    def add_row(self, table: str, values: list[Any], formats: list[str] | None = None) -> None:
        t = self.tables[table]
        t.rows.append(list(values) + [""] * (len(t.header) - len(values)))
        t.formats.append(list(formats or []) + ["General"] * (len(t.header) - len(formats or [])))
        self._changed()

    def delete_row(self, table: str, index: int) -> None:
        t = self.tables[table]
        del t.rows[index]
        del t.formats[index]
        self._changed()

    def _table(self, key: str) -> _Table:
        for t in self.tables.values():
            if key.lower() in (t.name.lower(), t.id.lower(), t.id.strip("{}").lower()):
                return t
        raise GraphError(404, "ItemNotFound", "The requested resource doesn't exist.")

    def drive_item(self) -> dict[str, Any]:
        size = 8192 + 64 * sum(len(t.rows) * len(t.header) for t in self.tables.values())
        folder = "/drive/root:" + ("/" + self.path.rsplit("/", 1)[0] if "/" in self.path else "")
        return {
            "@odata.context": f"{self.site.url}/v1.0/$metadata#sites('{self.site.site_id}')/drive/root/$entity",
            "createdDateTime": _instant(self.created), "eTag": self.etag, "id": self.id,
            "lastModifiedDateTime": _instant(self.modified), "name": self.name, "webUrl": self.web_url,
            "cTag": self.ctag, "size": size,
            "createdBy": {"user": {"displayName": "System Account"}},
            "lastModifiedBy": {"user": {"displayName": "System Account"}},
            "parentReference": {"driveType": "documentLibrary", "driveId": self.site.drive_id,
                                "id": "01" + "A" * 32, "path": folder, "siteId": self.site.site_id},
            "file": {"mimeType": XLSX_MIME, "hashes": {"quickXorHash": base64.b64encode(
                hashlib.sha1(f"{self.id}{self.version}".encode()).digest()[:20]).decode()}},
            "fileSystemInfo": {"createdDateTime": _instant(self.created), "lastModifiedDateTime": _instant(self.modified)},
            "shared": {"scope": "users"},
        }


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _address(sheet: str, row: int, col: int, rows: int, cols: int) -> str:
    quoted = f"'{sheet}'" if re.search(r"[^A-Za-z0-9_]", sheet) else sheet
    start = f"{_column_letters(col)}{row + 1}"
    if rows <= 1 and cols <= 1:
        return f"{quoted}!{start}"
    return f"{quoted}!{start}:{_column_letters(col + max(cols, 1) - 1)}{row + max(rows, 1)}"


def _cell_text(value: Any, number_format: str) -> str:
    """What Excel shows for `value` in `number_format` (the few formats registers use)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|general', "", number_format.lower())
    if re.search(r"[dy]", bare) or ("m" in bare and not re.search(r"[0#]", bare)):
        day = EXCEL_EPOCH + timedelta(days=int(value))
        out = re.sub(r"\[[^\]]*\]", "", number_format)
        for token, text in (("yyyy", f"{day.year:04d}"), ("yy", f"{day.year % 100:02d}"), ("mmmm", day.strftime("%B")),
                            ("mmm", day.strftime("%b")), ("mm", f"{day.month:02d}"), ("dd", f"{day.day:02d}")):
            out = re.sub(token, text, out, flags=re.IGNORECASE)
        return re.sub(r"\bd\b", str(day.day), re.sub(r"\bm\b", str(day.month), out))
    if "%" in bare:
        decimals = len(re.sub(r"[^0]", "", bare.split(".")[1])) if "." in bare else 0
        return f"{value * 100:.{decimals}f}%"
    if re.search(r"[0#]", bare):
        decimals = len(re.sub(r"[^0]", "", bare.split(".")[1])) if "." in bare else 0
        number = f"{abs(value):,.{decimals}f}" if "," in bare else f"{abs(value):.{decimals}f}"
        symbols = re.sub(r"\[\$([^-\]]*)(-[^\]]*)?\]", r"\1", number_format)
        lead = re.split(r"[#0]", symbols, maxsplit=1)[0].replace('"', "").replace("\\", "")
        return ("-" if value < 0 else "") + lead + number
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value_type(value: Any) -> str:
    if value is None or value == "":
        return "Empty"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Double"
    return "String"


def _range(sheet: str, row: int, col: int, values: list[list[Any]], formats: list[list[str]]) -> dict[str, Any]:
    rows, cols = len(values), (len(values[0]) if values else 0)
    values = [["" if v is None else v for v in r] for r in values]
    address = _address(sheet, row, col, rows, cols)
    return {
        "@odata.type": "#microsoft.graph.workbookRange", "address": address, "addressLocal": address,
        "cellCount": rows * cols, "columnCount": cols, "columnHidden": False, "columnIndex": col,
        "formulas": values, "formulasLocal": values, "formulasR1C1": values, "hidden": False,
        "numberFormat": formats, "rowCount": rows, "rowHidden": False, "rowIndex": row,
        "text": [[_cell_text(v, f) for v, f in zip(r, fr, strict=False)] for r, fr in zip(values, formats, strict=False)],
        "values": values, "valueTypes": [[_value_type(v) for v in r] for r in values],
    }


def _normalise(column: SpColumn, value: Any) -> Any:
    """A field value as the list stores it (None means empty). Raises ValueError for values SharePoint refuses."""
    if value is None or value == "" or value == []:
        return None
    kind = column.kind
    if column.multiple and kind in ("choice", "person", "lookup"):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{column.name} takes several values")
        items = [_normalise(SpColumn(column.name, column.display_name, kind), v) for v in value]
        return [v for v in items if v is not None] or None
    if kind in ("text", "note", "choice"):
        if not isinstance(value, str):
            raise ValueError(f"{column.name} takes text")
        return value
    if kind in ("dateOnly", "dateTime"):
        return _instant(_parse_moment(str(value)))
    if kind in ("number", "currency"):
        if isinstance(value, bool):
            raise ValueError(f"{column.name} takes a number")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{column.name} takes true or false")
        return value
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError(f"{column.name} takes a lookup id")
    return int(value)


def _parse_moment(text: str) -> datetime:
    """An ISO date or date-time; date-only and naive values are in the site's time zone, as SharePoint reads them."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), SITE_TIME_ZONE)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=SITE_TIME_ZONE)


class StandInSharePoint(LocalServer):
    """One SharePoint site behind Graph: lists (with the User Information List), items, delta, and workbooks."""

    def __init__(self, hostname: str = "contoso.sharepoint.com", site_path: str = "/sites/commissioning", *,
                 page_size: int = 200, valid_tokens: Callable[[str], bool] | None = None,
                 display_name: str = "Commissioning") -> None:
        super().__init__(web.Application(middlewares=[self._middleware]))
        self.hostname = hostname
        self.site_path = "/" + site_path.strip("/")
        self.page_size = page_size
        self.valid_tokens = valid_tokens
        self.display_name = display_name
        self.site_id = f"{hostname},{_guid('collection', hostname, self.site_path)},{_guid('web', hostname, self.site_path)}"
        self.drive_id = "b!" + base64.urlsafe_b64encode(hashlib.sha256(self.site_id.encode()).digest()).decode().rstrip("=")
        self.web_url = f"https://{hostname}{self.site_path}"
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(microsecond=0)
        self.users: dict[int, tuple[str, str]] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.lists: dict[str, SpList] = {}
        self.workbooks: dict[str, SpWorkbook] = {}
        self.seq = 0
        self.delta_generation = 0
        self._seen_tokens: set[str] = set()
        self._expired_tokens: set[str] = set()
        self._created = self.clock()
        self.user_information_list = _UserInformationList(self)
        self.lists[self.user_information_list.id] = self.user_information_list
        documents = SpList(self, "Documents", [], template="documentLibrary", url_name="Shared Documents")
        self.lists[documents.id] = documents
        self.app.router.add_route("*", "/{tail:.*}", self._route)

    async def start(self) -> StandInSharePoint:  # type: ignore[override]
        await LocalServer.start(self)
        return self

    # --- test-side API -----------------------------------------------------------------------------------------

    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def add_list(self, display_name: str, columns: Iterable[SpColumn] = ()) -> SpList:
        """A custom list ("genericList") with SharePoint's built-in columns and `columns`."""
        lst = SpList(self, display_name, columns)
        if lst.id in self.lists:
            raise ValueError(f"list {display_name!r} exists")
        self.lists[lst.id] = lst
        return lst

    def add_workbook(self, path: str, tables: dict[str, tuple[Any, ...]] | None = None,
                     sheets: dict[str, tuple[list[list[Any]], list[list[str]]]] | None = None) -> SpWorkbook:
        """An .xlsx at `path` in Documents ("Shared Documents/x.xlsx" or "x.xlsx": both are `drive/root:/x.xlsx`).

        `tables` maps name -> (header, rows, formats[, sheet name]); `sheets` maps sheet name -> (rows, formats).
        """
        wb = SpWorkbook(self, path)
        for name, spec in (tables or {}).items():
            header, rows, *rest = spec
            wb.add_table(name, list(header), [list(r) for r in rows], rest[0] if rest else None,
                         sheet=rest[1] if len(rest) > 1 else "")
        for name, (values, formats) in (sheets or {}).items():
            wb.set_sheet(name, values, formats)
        self.workbooks[wb.path.lower()] = wb
        return wb

    def expire_tokens(self) -> None:
        """Every bearer token seen so far now gets 401 InvalidAuthenticationToken."""
        self._expired_tokens |= self._seen_tokens

    def invalidate_delta_tokens(self) -> None:
        """Every delta token (and delta nextLink) handed out so far now answers 410 Gone with a Location."""
        self.delta_generation += 1

    def find_list(self, key: str) -> SpList:
        """A list by id (with or without braces), display name or URL name, as Graph's `lists/{list-id}` resolves it."""
        wanted = key.strip().strip("{}").lower()
        for lst in self.lists.values():
            if wanted in (lst.id, lst.display_name.lower(), lst.url_name.lower()):
                return lst
        raise GraphError(404, "itemNotFound", "List not found")

    # --- HTTP plumbing -----------------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        client_request_id = request.headers.get("client-request-id") or request_id
        path_qs = request.path + (f"?{request.query_string}" if request.query_string else "")
        self.requests.append((request.method, path_qs))
        ids = {"request-id": request_id, "client-request-id": client_request_id}
        try:
            fault = self.faults[0] if self.faults and self.faults[0].matches(request.method, path_qs) else None
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.pop(0)
                if fault.drop and fault.after:
                    self._authorise(request)
                    await handler(request)
                    assert request.transport is not None
                    request.transport.abort()
                    raise ConnectionResetError("stand-in dropped the connection after doing the request")
                if fault.drop:
                    assert request.transport is not None
                    request.transport.abort()
                    raise ConnectionResetError("stand-in dropped the connection")
                code, message = _FAULT_CODES.get(fault.status, ("generalException", "An error occurred."))
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                if fault.status == 401:
                    headers["WWW-Authenticate"] = _AUTHENTICATE
                if fault.status == 410 and "/items/delta" in request.path:
                    headers["Location"] = self._link(request, token=_b64({"g": self.delta_generation, "full": 1}))
                raise GraphError(fault.status, fault.code or code, fault.message or message, headers)
            self._authorise(request)
            response: web.StreamResponse = await handler(request)
        except GraphError as error:
            inner: dict[str, Any] = {"date": _instant(datetime.now(UTC)), **ids}
            if error.inner_code:
                inner = {"code": error.inner_code, **inner}
            body = {"error": {"code": error.code, "message": error.message, "innerError": inner}}
            response = _json(body, error.status, error.headers)
        response.headers.update(ids)
        return response

    def _authorise(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.", {"WWW-Authenticate": _AUTHENTICATE})
        if token in self._expired_tokens:
            raise GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.",
                             {"WWW-Authenticate": _AUTHENTICATE})
        if self.valid_tokens is not None and not self.valid_tokens(token):
            raise GraphError(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.",
                             {"WWW-Authenticate": _AUTHENTICATE})
        self._seen_tokens.add(token)

    def _link(self, request: web.Request, **params: str) -> str:
        """This request's URL (on the stand-in) with `params` replacing the paging ones."""
        query = [(k, v) for k, v in request.query.items() if k not in ("token", "$skiptoken", "$skip", *params)]
        query += list(params.items())
        return f"{self.url}{request.rel_url.raw_path}?{urlencode(query, safe=_LINK_SAFE, quote_via=quote)}"

    async def _route(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/v1.0/drives/"):
            drive_id, _, tail = path[len("/v1.0/drives/"):].partition("/")
            if drive_id != self.drive_id:
                raise GraphError(404, "itemNotFound", "The provided drive id appears to be malformed, or does not represent a valid drive.")
            return await self._drive(request, "drive/" + tail)
        if not path.startswith("/v1.0/sites/"):
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{path.strip('/').split('/')[-1]}'.")
        rest = path[len("/v1.0/sites/"):]
        if rest.lower().startswith(self.hostname.lower() + ":"):
            site_path, colon, tail = rest[len(self.hostname) + 1:].partition(":")
            if "/" + site_path.strip("/").lower() != self.site_path.lower():
                raise GraphError(404, "itemNotFound", "Requested site could not be found")
            tail = tail.lstrip("/") if colon else ""
        else:
            site, _, tail = rest.partition("/")
            if site.lower() != self.site_id.lower():
                raise GraphError(404, "itemNotFound", "Requested site could not be found")
        if tail in ("", "/"):
            return self._only(request, "GET", self._site())
        if tail == "lists":
            return self._only(request, "GET", {"@odata.context": self._context("lists"),
                                               "value": [lst.resource() for lst in self.lists.values()]})
        match = re.fullmatch(r"lists(?:\('([^']*)'\)|/([^/]+))(/.*)?", tail)
        if match:
            lst = self.find_list(match.group(1) or match.group(2) or "")
            return await self._list(request, lst, (match.group(3) or "").strip("/"))
        if tail.startswith("drive/") or tail == "drive":
            return await self._drive(request, tail)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{tail.split('/')[0]}'.")

    def _only(self, request: web.Request, method: str, body: dict[str, Any]) -> web.Response:
        if request.method != method:
            raise GraphError(405, "BadRequest", "The HTTP method is not allowed for this resource.")
        return _json(body)

    def _context(self, what: str) -> str:
        return f"{self.url}/v1.0/$metadata#sites('{self.site_id}')/{what}"

    def _site(self) -> dict[str, Any]:
        collection, web_id = self.site_id.split(",")[1:]
        return {
            "@odata.context": f"{self.url}/v1.0/$metadata#sites/$entity",
            "createdDateTime": _instant(self._created), "description": "", "id": self.site_id,
            "lastModifiedDateTime": _instant(self.clock()), "name": self.site_path.rsplit("/", 1)[-1],
            "webUrl": self.web_url, "displayName": self.display_name, "root": {},
            "siteCollection": {"hostname": self.hostname},
            "sharepointIds": {"siteId": collection, "webId": web_id, "siteUrl": self.web_url},
        }

    # --- lists and items ---------------------------------------------------------------------------------------

    async def _list(self, request: web.Request, lst: SpList, tail: str) -> web.Response:
        if tail == "":
            return self._only(request, "GET", {"@odata.context": self._context("lists/$entity"), **lst.resource()})
        if tail == "columns":
            return self._only(request, "GET", {"@odata.context": self._context(f"lists('{lst.id}')/columns"),
                                               "value": lst.column_definitions()})
        if tail == "items":
            if request.method == "POST" and not isinstance(lst, _UserInformationList):
                return await self._create_item(request, lst)
            return self._only(request, "GET", self._items_page(request, lst))
        if tail == "items/delta":
            return self._only(request, "GET", self._delta(request, lst))
        match = re.fullmatch(r"items/([^/]+)(/fields)?", tail)
        if not match:
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{tail.split('/')[-1]}'.")
        item_key, fields_part = match.group(1), match.group(2)
        if isinstance(lst, _UserInformationList):
            return self._only(request, "GET", self._user_item(request, lst, item_key, bool(fields_part)))
        item = lst.items.get(int(item_key)) if item_key.isdigit() else None
        if request.method == "PATCH" and fields_part:
            return await self._patch_fields(request, lst, item_key, item)
        if item is None:
            raise GraphError(404, "itemNotFound", "The resource could not be found.")
        if fields_part:
            return self._only(request, "GET", self._fields(lst, item, _select(request.query.get("$select"))))
        return self._only(request, "GET", self._item(request, lst, item))

    def _expand(self, request: web.Request) -> tuple[bool, list[str] | None]:
        """Whether `fields` are expanded, and the names in `fields(select=...)` (None: the default set)."""
        raw = request.query.get("$expand", request.query.get("expand"))
        if raw is None:
            return False, None
        match = re.fullmatch(r"\s*fields\s*(?:\(\s*\$?select\s*=\s*([^)]*)\))?\s*", raw)
        if not match:
            raise GraphError(400, "invalidRequest", f"Parsing OData Select and Expand failed: Could not find a property named "
                                                    f"'{raw.split('(')[0]}' on type 'microsoft.graph.listItem'.")
        return True, _select(match.group(1))

    def _top(self, request: web.Request) -> int:
        raw = request.query.get("$top", request.query.get("top"))
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise GraphError(400, "invalidRequest", f"Invalid value '{raw}' for $top")
        return min(int(raw), self.page_size)

    def _items_page(self, request: web.Request, lst: SpList) -> dict[str, Any]:
        after = 0
        skiptoken = request.query.get("$skiptoken")
        if skiptoken:
            try:
                decoded = base64.b64decode(skiptoken + "=" * (-len(skiptoken) % 4)).decode()
                after = int(re.fullmatch(r"Paged=TRUE&p_ID=(\d+)", decoded).group(1))  # type: ignore[union-attr]
            except Exception as error:
                raise GraphError(400, "invalidRequest", "Invalid $skiptoken") from error
        top = self._top(request)
        if isinstance(lst, _UserInformationList):
            ids = sorted(i for i in lst.everyone() if i > after)
            page = ids[:top]
            value = [self._user_item(request, lst, str(i), False) for i in page]
        else:
            items = sorted((i for i in lst.items.values() if i.id > after), key=lambda i: i.id)
            page = [i.id for i in items[:top]]
            value = [self._item(request, lst, i) for i in items[:top]]
        body: dict[str, Any] = {"@odata.context": self._context(f"lists('{lst.id}')/items"), "value": value}
        remaining = (sorted(lst.everyone()) if isinstance(lst, _UserInformationList) else sorted(lst.items))
        if page and any(i > page[-1] for i in remaining):
            token = base64.b64encode(f"Paged=TRUE&p_ID={page[-1]}".encode()).decode().rstrip("=")
            body["@odata.nextLink"] = self._link(request, **{"$skiptoken": token})
        return body

    def _item(self, request: web.Request, lst: SpList, item: _Item, *, delta: bool = False) -> dict[str, Any]:
        expand, select = self._expand(request)
        out: dict[str, Any] = {
            "@odata.etag": item.etag, "createdDateTime": _instant(item.created), "eTag": item.etag, "id": str(item.id),
            "lastModifiedDateTime": _instant(item.modified), "webUrl": f"{lst.web_url}/DispForm.aspx?ID={item.id}",
            "createdBy": {"user": self._person(item.author)},
        }
        if not delta:  # the delta feed leaves lastModifiedBy out, as the real one does
            out["lastModifiedBy"] = {"user": self._person(item.editor)}
        out["parentReference"] = {"id": _guid("root folder", lst.id), "siteId": self.site_id}
        out["contentType"] = {"id": "0x0100" + _guid("content type", lst.id).replace("-", "").upper(), "name": "Item"}
        if expand:
            out["fields@odata.context"] = self._context(f"lists('{lst.id}')/items('{item.id}')/fields/$entity")
            out["fields"] = self._fields(lst, item, select)
        return _top_select(out, request.query.get("$select"))

    def _person(self, lookup_id: int) -> dict[str, str]:
        name, email = self.user_information_list.everyone().get(lookup_id, ("", ""))
        return {"email": email, "displayName": name} if email else {"displayName": name}

    def _lookup_value(self, column: SpColumn, lookup_id: int) -> str:
        if column.kind == "person":
            return self.user_information_list.everyone().get(lookup_id, ("", ""))[0]
        try:
            source = self.find_list(column.lookup_list_id)
        except GraphError:
            return ""
        target = source.items.get(lookup_id)
        value = target.values.get(column.lookup_column or "Title", "") if target else ""
        return value if isinstance(value, str) else json.dumps(value)

    def _fields(self, lst: SpList, item: _Item, select: list[str] | None) -> dict[str, Any]:
        """The item's fieldValueSet: default set, or exactly the `select`ed names (hidden columns only when named)."""
        full: dict[str, Any] = {"@odata.etag": item.etag}
        extra: dict[str, Any] = {}  # values Graph gives only when selected by name
        title = item.values.get("Title")
        for column in lst.columns.values():
            value = item.values.get(column.name)
            if value is None:
                continue
            if column.is_reference and not column.multiple:
                full[f"{column.name}LookupId"] = str(value)
                extra[column.name] = self._lookup_value(column, value)
            elif column.is_reference:
                entries = []
                for lookup_id in value:
                    entry: dict[str, Any] = {"LookupId": lookup_id, "LookupValue": self._lookup_value(column, lookup_id)}
                    if column.kind == "person" and self._person(lookup_id).get("email"):
                        entry["Email"] = self._person(lookup_id)["email"]
                    entries.append(entry)
                full[column.name] = entries
            elif column.kind == "choice" and column.multiple:
                full[f"{column.name}@odata.type"] = "Collection(Edm.String)"
                full[column.name] = list(value)
            else:
                full[column.name] = value
        full.update({"id": str(item.id), "ContentType": "Item", "Modified": _instant(item.modified),
                     "Created": _instant(item.created), "AuthorLookupId": str(item.author),
                     "EditorLookupId": str(item.editor), "_UIVersionString": f"{item.version}.0",
                     "Attachments": False, "Edit": ""})
        if title is not None:
            full.update({"LinkTitleNoMenu": title, "LinkTitle": title})
        full.update({"ItemChildCount": "0", "FolderChildCount": "0", "_ComplianceFlags": "", "_ComplianceTag": "",
                     "_ComplianceTagWrittenTime": "", "_ComplianceTagUserId": ""})
        if item.app_editor is not None:
            full["AppEditorLookupId"] = str(item.app_editor)
        extra.update({"Author": self._person(item.author)["displayName"], "Editor": self._person(item.editor)["displayName"],
                      "ID": item.id, "_UIVersion": item.version * 512, "owshiddenversion": item.version})
        if select is None:
            hidden = {c.name for c in lst.columns.values() if c.hidden}
            return {k: v for k, v in full.items() if k.split("@")[0].removesuffix("LookupId") not in hidden}
        out: dict[str, Any] = {"@odata.etag": item.etag}
        for name in select:
            for key in (f"{name}@odata.type", name, f"{name}LookupId"):
                if key in full:
                    out[key] = full[key]
                elif key == name and name in extra:
                    out[key] = extra[name]
            if name.lower() == "id":
                out["id"] = str(item.id)
        return out

    def _user_item(self, request: web.Request, lst: _UserInformationList, key: str, fields_only: bool) -> dict[str, Any]:
        everyone = lst.everyone()
        if not key.isdigit() or int(key) not in everyone:
            raise GraphError(404, "itemNotFound", "The resource could not be found.")
        name, email = everyone[int(key)]
        fields = _user_fields(int(key), name, email)
        select = _select(request.query.get("$select")) if fields_only else self._expand(request)[1]
        if select is not None:
            fields = {"@odata.etag": fields["@odata.etag"], **{k: fields[k] for k in select if k in fields}}
        if fields_only:
            return fields
        out: dict[str, Any] = {
            "@odata.etag": fields["@odata.etag"], "createdDateTime": _instant(self._created), "eTag": fields["@odata.etag"],
            "id": key, "lastModifiedDateTime": _instant(self._created),
            "webUrl": f"{self.web_url}/_layouts/15/UserDisp.aspx?ID={key}",
            "createdBy": {"user": {"displayName": "System Account"}},
            "parentReference": {"id": _guid("root folder", lst.id), "siteId": self.site_id},
            "contentType": {"id": "0x010A00" + _guid("person", lst.id).replace("-", "").upper(), "name": "Person"},
        }
        if self._expand(request)[0]:
            out["fields"] = fields
        return _top_select(out, request.query.get("$select"))

    def _delta(self, request: web.Request, lst: SpList) -> dict[str, Any]:
        raw = request.query.get("token")
        if raw == "latest":
            return {"value": [], "@odata.deltaLink": self._link(request, token=_b64({"g": self.delta_generation,
                                                                                    "since": self.seq}))}
        if raw:
            try:
                state = _unb64(raw)
            except Exception as error:
                raise GraphError(400, "invalidRequest", "Invalid delta token.") from error
            if state.get("g") != self.delta_generation:
                location = self._link(request, token=_b64({"g": self.delta_generation, "full": 1}))
                raise GraphError(410, "resyncRequired", _FAULT_CODES[410][1], {"Location": location},
                                 inner_code="resyncChangesApplyDifferences")
        else:
            state = {"g": self.delta_generation, "full": 1}
        upto = state.get("upto", self.seq)
        after = state.get("after", 0)
        since = None if state.get("full") else int(state.get("since", 0))
        records: list[tuple[int, _Item | None]] = [(i.id, i) for i in lst.items.values() if since is None or i.seq > since]
        if since is not None:
            records += [(i, None) for i, seq in lst.tombstones.items() if seq > since]
        records = sorted((r for r in records if r[0] > after), key=lambda r: r[0])
        top = self._top(request)
        page, more = records[:top], len(records) > top
        value = []
        for item_id, item in page:
            if item is None:
                value.append({"id": str(item_id), "parentReference": {"siteId": self.site_id}, "deleted": {"state": "deleted"}})
            else:
                value.append(self._item(request, lst, item, delta=True))
        body: dict[str, Any] = {"@odata.context": self._context(f"lists('{lst.id}')/items"), "value": value}
        if more:
            body["@odata.nextLink"] = self._link(request, token=_b64({**state, "upto": upto, "after": page[-1][0]}))
        else:
            body["@odata.deltaLink"] = self._link(request, token=_b64({"g": self.delta_generation, "since": upto}))
        return body

    async def _create_item(self, request: web.Request, lst: SpList) -> web.Response:
        """`POST .../items` with `{"fields": {...}}`: 201 and the new listItem, its fields included, as Graph answers."""
        try:
            body = await request.json()
        except Exception:
            body = None
        fields = body.get("fields") if isinstance(body, dict) else None
        record = SpWrite("", fields if isinstance(fields, dict) else {}, None, 0)
        lst.writes.append(record)
        try:
            if not isinstance(fields, dict):
                raise GraphError(400, "invalidRequest", "Invalid request body: a listItem with a fields object is expected.")
            changes = self._field_changes(lst, fields)
        except GraphError as error:
            record.status = error.status
            raise
        item = lst.items[int(lst.add_item({}, author=APP_PRINCIPAL_LOOKUP_ID))]
        item.values.update({name: value for name, value in changes.items() if value is not None})
        item.app_editor = APP_PRINCIPAL_LOOKUP_ID
        record.item_id, record.status = str(item.id), 201
        out = {"@odata.context": self._context(f"lists('{lst.id}')/items/$entity"), "@odata.etag": item.etag,
               "eTag": item.etag, "id": str(item.id), "createdDateTime": _instant(item.created),
               "lastModifiedDateTime": _instant(item.modified), "webUrl": f"{lst.web_url}/DispForm.aspx?ID={item.id}",
               "fields@odata.context": self._context(f"lists('{lst.id}')/items('{item.id}')/fields/$entity"),
               "fields": self._fields(lst, item, None)}
        return _json(out, status=201, headers={"ETag": item.etag})

    async def _patch_fields(self, request: web.Request, lst: SpList, item_key: str, item: _Item | None) -> web.Response:
        if_match = request.headers.get("If-Match")
        try:
            body = await request.json()
        except Exception:
            body = None
        record = SpWrite(item_key, body if isinstance(body, dict) else {}, if_match, 0)
        lst.writes.append(record)
        try:
            if item is None:
                raise GraphError(404, "itemNotFound", "The resource could not be found.")
            if not isinstance(body, dict):
                raise GraphError(400, "invalidRequest", "Invalid request body: a JSON object of field values is expected.")
            if if_match and if_match.strip() != "*" and if_match.strip().removeprefix("W/") != item.etag:
                raise GraphError(412, "preconditionFailed",
                                 f"The request ETag value '{if_match}' does not match the object's ETag '{item.etag}'.")
            changes = self._field_changes(lst, body)
        except GraphError as error:
            record.status = error.status
            raise
        for name, value in changes.items():
            if value is None:
                item.values.pop(name, None)
            else:
                item.values[name] = value
        lst._touch(item, SHAREPOINT_APP)
        item.app_editor = APP_PRINCIPAL_LOOKUP_ID
        record.status = 200
        fields = {"@odata.context": self._context(f"lists('{lst.id}')/items('{item.id}')/fields/$entity"),
                  **self._fields(lst, item, None)}
        return _json(fields, headers={"ETag": item.etag})

    def _field_changes(self, lst: SpList, body: dict[str, Any]) -> dict[str, Any]:
        annotations = {k.split("@")[0]: v for k, v in body.items() if "@odata.type" in k}
        changes: dict[str, Any] = {}
        for key, value in body.items():
            if "@" in key:
                continue
            if key in _READ_ONLY_FIELDS or key in ("Author", "Editor"):
                raise GraphError(400, "invalidRequest", f"Field '{key}' is read-only")
            try:
                column = lst._column_for(key)
            except KeyError:
                raise GraphError(400, "invalidRequest", f"Field '{key}' is not recognized") from None
            if column.read_only:
                raise GraphError(400, "invalidRequest", f"Field '{key}' is read-only")
            if column.is_reference and key == column.name:
                raise GraphError(400, "invalidRequest", f"Field '{key}' is not recognized")  # writes go to <Name>LookupId
            if column.multiple and isinstance(value, list) and not annotations.get(key, "").startswith("Collection("):
                raise GraphError(400, "invalidRequest",
                                 "A value without a type name was found and no expected type is available. When the model is "
                                 "specified, each value in the payload must have a type which can be either specified in the "
                                 "payload, explicitly by the caller or implicitly inferred from the parent value.")
            try:
                changes[column.name] = _normalise(column, value)
            except (ValueError, TypeError) as error:
                raise GraphError(400, "invalidRequest", f"Invalid value for field '{key}': {error}") from None
        return changes

    # --- drive and workbook ------------------------------------------------------------------------------------

    def _workbook_by_id(self, item_id: str) -> SpWorkbook:
        for wb in self.workbooks.values():
            if wb.id == item_id:
                return wb
        raise GraphError(404, "itemNotFound", "Item not found")

    async def _drive(self, request: web.Request, tail: str) -> web.Response:
        if tail.startswith("drive/root:/"):
            path, colon, rest = tail[len("drive/root:/"):].partition(":")
            wb = self.workbooks.get(path.strip("/").lower())
            if wb is None:
                raise GraphError(404, "itemNotFound", "The resource could not be found.")
        else:
            match = re.fullmatch(r"drive/items/([^/]+)(/.*)?", tail)
            if not match:
                raise GraphError(400, "BadRequest", f"Resource not found for the segment '{tail.split('/')[-1]}'.")
            wb, rest = self._workbook_by_id(match.group(1)), match.group(2) or ""
        rest = rest.strip("/")
        if rest == "":
            return self._only(request, "GET", wb.drive_item())
        if not rest.startswith("workbook"):
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest.split('/')[0]}'.")
        return self._only(request, "GET", self._workbook(request, wb, rest[len("workbook"):].strip("/")))

    def _workbook(self, request: web.Request, wb: SpWorkbook, tail: str) -> dict[str, Any]:
        segments = _segments(tail)
        if segments == ["tables"]:
            return {"value": [self._table_resource(wb, t) for t in wb.tables.values()]}
        if segments[:1] == ["worksheets"] and len(segments) == 1:
            return {"value": [self._sheet_resource(wb, name, i) for i, name in enumerate(self._sheet_names(wb))]}
        if segments[:1] == ["worksheets"]:
            name = next((n for n in self._sheet_names(wb) if n.lower() == segments[1].lower()), None)
            if name is None:
                raise GraphError(404, "ItemNotFound", "The requested resource doesn't exist.")
            if len(segments) == 2:
                return self._sheet_resource(wb, name, self._sheet_names(wb).index(name))
            if len(segments) == 3 and re.fullmatch(r"usedRange(\(valuesOnly=(true|false)\))?", segments[2]):
                return self._used_range(wb, name)
            if segments[2] == "tables" and len(segments) == 3:
                return {"value": [self._table_resource(wb, t) for t in wb.tables.values() if t.sheet == name]}
            if segments[2] == "tables" and len(segments) >= 4:
                segments = ["tables", *segments[3:]]
            else:
                raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segments[2]}'.")
        if segments[:1] != ["tables"] or len(segments) < 2:
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segments[0] if segments else ''}'.")
        table = wb._table(segments[1])
        part = segments[2] if len(segments) > 2 else ""
        width = len(table.header)
        if part == "":
            return self._table_resource(wb, table)
        if part == "columns":
            columns = [{"@odata.id": f"{self._table_odata_id(wb, table)}/columns(%27{i + 1}%27)", "id": str(i + 1),
                        "index": i, "name": str(name),
                        "values": [[name]] + [[row[i]] for row in table.rows]} for i, name in enumerate(table.header)]
            return {"value": self._skip_top(request, columns)}
        if part == "rows":
            rows = [{"@odata.id": f"{self._table_odata_id(wb, table)}/rows/itemAt(index={i})", "index": i, "values": [row]}
                    for i, row in enumerate(table.rows)]
            return {"value": self._skip_top(request, rows)}
        if part == "dataBodyRange":
            return _range(table.sheet, 1, 0, [list(r) for r in table.rows] or [[""] * width],
                          [list(f) for f in table.formats] or [["General"] * width])
        if part == "headerRowRange":
            return _range(table.sheet, 0, 0, [list(table.header)], [["General"] * width])
        if part == "range":
            return _range(table.sheet, 0, 0, [list(table.header), *table.rows], [["General"] * width, *table.formats])
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{part}'.")

    def _skip_top(self, request: web.Request, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        skip = request.query.get("$skip", "0")
        top = request.query.get("$top")
        if not skip.isdigit() or (top is not None and not top.isdigit()):
            raise GraphError(400, "invalidRequest", "Invalid $skip or $top")
        entries = entries[int(skip):]
        return entries[: int(top)] if top is not None else entries

    def _sheet_names(self, wb: SpWorkbook) -> list[str]:
        names = list(dict.fromkeys(t.sheet for t in wb.tables.values()))
        return names + [n for n in wb.sheets if n not in names]

    def _sheet_resource(self, wb: SpWorkbook, name: str, position: int) -> dict[str, Any]:
        sheet_id = "{" + _guid("sheet", wb.id, name).upper() + "}"
        return {"@odata.id": f"/workbook/worksheets(%27{quote(sheet_id)}%27)", "id": sheet_id, "name": name,
                "position": position, "visibility": "Visible"}

    def _table_odata_id(self, wb: SpWorkbook, table: _Table) -> str:
        return f"/drives('{self.drive_id}')/items('{wb.id}')/workbook/tables(%27{quote(table.id)}%27)"

    def _table_resource(self, wb: SpWorkbook, table: _Table) -> dict[str, Any]:
        return {"@odata.id": self._table_odata_id(wb, table), "id": table.id, "name": table.name, "showHeaders": True,
                "showTotals": False, "style": "TableStyleMedium2", "highlightFirstColumn": False,
                "highlightLastColumn": False, "showBandedColumns": False, "showBandedRows": True,
                "showFilterButton": True, "legacyId": str(list(wb.tables).index(table.name) + 1)}

    def _used_range(self, wb: SpWorkbook, name: str) -> dict[str, Any]:
        if name in wb.sheets:
            values, formats = wb.sheets[name]
        else:
            values, formats = [], []
            for t in (t for t in wb.tables.values() if t.sheet == name):
                values += [list(t.header), *t.rows]
                formats += [["General"] * len(t.header), *t.formats]
        if not values:  # an empty sheet's used range is its first cell
            return _range(name, 0, 0, [[""]], [["General"]])
        return _range(name, 0, 0, values, formats)


def _segments(tail: str) -> list[str]:
    """Path segments, with OData key syntax `tables('Register')` split into `tables`, `Register`."""
    out: list[str] = []
    for segment in [s for s in tail.split("/") if s]:
        match = re.fullmatch(r"(tables|worksheets|columns|rows)\('([^']*)'\)", segment)
        out += [match.group(1), match.group(2)] if match else [segment]
    return out


def _select(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [name.strip() for name in raw.split(",") if name.strip()]


def _top_select(resource: dict[str, Any], raw: str | None) -> dict[str, Any]:
    """`$select` on a listItem: the named properties (and `fields` when expanded) plus the entity's eTag."""
    names = _select(raw)
    if names is None:
        return resource
    keep = set(names) | {"@odata.etag", "fields", "fields@odata.context"}
    return {k: v for k, v in resource.items() if k in keep}


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(body).encode(), status=status, headers={"Content-Type": JSON_TYPE, **(headers or {})})
