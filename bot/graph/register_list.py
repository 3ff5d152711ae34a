"""Reading the register from Microsoft 365 through Graph: the site, the list or workbook, its rows.

Every call goes through the one `GraphClient` (throttling, retries, token renewal). What is
read here is only read; nothing is written until the whole source has been read and checked,
so a sync that fails part-way changes nothing. The calls, from Microsoft's documentation:

- `GET /sites/{hostname}:/{path}` (or `/sites/{id}`) → the site id;
- `GET /sites/{site}/lists` → the list by display name, name or id;
- `GET /sites/{site}/lists/{list}/columns` → names, display names and types;
- `GET /sites/{site}/lists/{list}/items?expand=fields`, following `@odata.nextLink`;
- `GET /sites/{site}/lists/{list}/items/delta` → changes since the stored `@odata.deltaLink`
  (`410 Gone`: the link expired, read everything again);
- `GET /sites/{site}/lists('User Information List')/items/{id}` → a person's email;
- `GET /sites/{site}/drive/root:/{path}` and `/drive/items/{id}/workbook/...` for a workbook.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.graph.client import GraphAnswer, GraphClient, GraphRefused
from bot.graph.register_source import RegisterSource

READ_PERMISSION = ("an administrator must grant the app Sites.Selected with this site granted "
                   "(or Sites.Read.All) in Microsoft Graph application permissions")
NOT_ALLOWED = "Graph refused the app access to {what} (HTTP {status}): " + READ_PERMISSION
NOT_SIGNED_IN = "Graph did not accept the app's token (HTTP 401) even after a new one: check MicrosoftAppId, " \
                "MicrosoftAppTenantId and the client secret or certificate"
NO_SITE = "There is no SharePoint site {site!r}: check REGISTER_SITE (like contoso.sharepoint.com:/sites/commissioning)."
NO_LIST = "The site has no list called {name!r}: check REGISTER_LIST (the list's name as SharePoint shows it, or its id)."
NO_WORKBOOK = "The site's documents have no file {path!r}: check REGISTER_WORKBOOK (a path like Registers/Register.xlsx)."
NO_TABLE = "The workbook has no table called {name!r}: check REGISTER_TABLE (tables: {tables})."
NO_SHEET_DATA = "The workbook has no table and its first sheet is empty: put the register in a table or on the first sheet."
FAILED = "Graph answered HTTP {status}{code} for {what}: try the sync again later."
PAGE = 1000
LOOKUP_CONCURRENCY = 8


@dataclass
class ListRead:
    """What one read of the list's changes brought: items (latest state), deleted item ids, the next delta link."""

    items: list[dict[str, Any]] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    delta_link: str = ""


class ListReader:
    """Reads one SharePoint list (and the people and lookups its items refer to) in one HTTP session."""

    def __init__(self, graph: GraphClient, http: aiohttp.ClientSession, source: RegisterSource) -> None:
        self.graph = graph
        self.http = http
        self.source = source
        self.site_id = ""
        self.list_id = ""

    async def get(self, path: str, what: str) -> dict[str, Any]:
        """A GET that must succeed: 401/403/other failures become a `GraphRefused` saying what to do."""
        answer = await self.graph.call(self.http, "GET", path)
        return checked(answer, what)

    async def open(self, location: str = "") -> None:
        """Resolve the site and the list to their ids (names are what people type; ids are stable).

        `location` is the list's path from the last sync: when given, nothing is asked of Graph.
        """
        parts = location.split("/")
        if len(parts) == 6 and parts[2] == "sites" and parts[4] == "lists":
            self.site_id, self.list_id = parts[3], parts[5]
            return
        self.site_id = await resolve_site(self, self.source.site)
        self.list_id = await self._list_id(self.source.list_name)

    async def _list_id(self, wanted: str) -> str:
        base = f"/v1.0/sites/{self.site_id}/lists"
        lists = await self.get(f"{base}?$select=id,name,displayName&$top=500", "the site's lists")
        for entry in _values(lists):
            if wanted.casefold() in (str(entry.get(k, "")).casefold() for k in ("id", "displayName", "name")):
                return str(entry["id"])
        raise GraphRefused(NO_LIST.format(name=wanted))

    @property
    def list_path(self) -> str:
        return f"/v1.0/sites/{self.site_id}/lists/{self.list_id}"

    async def columns(self) -> list[dict[str, Any]]:
        return _values(await self.get(f"{self.list_path}/columns", "the list's columns"))

    async def latest_delta_link(self) -> str:
        """A delta link for 'now', taken before a full read so nothing changed during it is missed."""
        page = await self.get(f"{self.list_path}/items/delta?token=latest&expand=fields", "the list's change feed")
        return str(page.get("@odata.deltaLink") or "")

    async def pages(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Every item with its fields, a page at a time; the next page is asked for before this one is used."""
        url = f"{self.list_path}/items?expand=fields&$top={PAGE}"
        pending: asyncio.Task[dict[str, Any]] | None = asyncio.create_task(self.get(url, "the list's items"))
        try:
            while pending is not None:
                page = await pending
                following = str(page.get("@odata.nextLink") or "")
                pending = asyncio.create_task(self.get(following, "the list's items")) if following else None
                yield [item for item in _values(page) if isinstance(item.get("fields"), dict)]
        finally:
            if pending is not None:
                pending.cancel()

    async def read_changes(self, delta_link: str) -> ListRead | None:
        """The items changed and deleted since `delta_link`; `None` when Graph says it expired (410)."""
        read = ListRead()
        latest: dict[str, dict[str, Any]] = {}
        url = delta_link
        while url:
            answer = await self.graph.call(self.http, "GET", _with_fields(url))
            if answer.status == 410:
                return None
            page = checked(answer, "the list's change feed")
            for item in _values(page):
                item_id = str(item.get("id") or "")
                if not item_id:
                    continue
                if "deleted" in item:  # the last occurrence wins, as the delta documentation says
                    latest.pop(item_id, None)
                    read.deleted.add(item_id)
                elif isinstance(item.get("fields"), dict):
                    read.deleted.discard(item_id)
                    latest[item_id] = item
            url = str(page.get("@odata.nextLink") or "")
            read.delta_link = str(page.get("@odata.deltaLink") or read.delta_link)
        read.items = list(latest.values())
        return read

    async def people(self, ids: Iterable[str]) -> dict[str, str]:
        """Person lookup id → email (the name when there is no email), each person asked for once."""
        base = f"/v1.0/sites/{self.site_id}/lists('User Information List')/items"

        async def one(key: str) -> tuple[str, str]:
            answer = await self.graph.call(self.http, "GET", f"{base}/{quote(key)}?expand=fields")
            if answer.status == 404:
                return key, f"#{key}"
            fields = checked(answer, "the site's people").get("fields") or {}
            return key, str(fields.get("EMail") or fields.get("Title") or f"#{key}")

        return dict(await _gather(one(key) for key in sorted(ids)))

    async def lookup_values(self, wanted: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
        """(list id, item id) → the looked-up column's value, for `wanted` (key → column name)."""

        async def one(key: tuple[str, str], column: str) -> tuple[tuple[str, str], str]:
            list_id, item_id = key
            answer = await self.graph.call(
                self.http, "GET", f"/v1.0/sites/{self.site_id}/lists/{list_id}/items/{quote(item_id)}?expand=fields")
            if answer.status == 404:
                return key, f"#{item_id}"
            fields = checked(answer, "a lookup list").get("fields") or {}
            return key, str(fields.get(column) or fields.get("Title") or f"#{item_id}")

        return dict(await _gather(one(key, column) for key, column in sorted(wanted.items())))


async def resolve_site(reader: ListReader | WorkbookReader, site: str) -> str:
    """`contoso.sharepoint.com:/sites/commissioning` (or a site id) → the site id."""
    answer = await reader.graph.call(reader.http, "GET", f"/v1.0/sites/{quote(site, safe=':/,')}")
    if answer.status in (400, 404):
        raise GraphRefused(NO_SITE.format(site=site))
    return str(checked(answer, "the register's site").get("id") or "")


@dataclass
class WorkbookRead:
    """A workbook's register table: header, rows of values and their number formats, and the file's eTag."""

    etag: str
    web_url: str = ""
    header: list[Any] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    formats: list[list[Any]] = field(default_factory=list)
    unchanged: bool = False


class WorkbookReader:
    """Reads the register table of an Excel workbook in the site's default document library."""

    def __init__(self, graph: GraphClient, http: aiohttp.ClientSession, source: RegisterSource) -> None:
        self.graph = graph
        self.http = http
        self.source = source

    async def get(self, path: str, what: str) -> dict[str, Any]:
        return checked(await self.graph.call(self.http, "GET", path), what)

    async def read(self, known_etag: str) -> WorkbookRead:
        """The table's cells; only the file's metadata when its eTag is the one read last time."""
        site_id = await resolve_site(self, self.source.site)
        answer = await self.graph.call(self.http, "GET", f"/v1.0/sites/{site_id}/drive/root:/{quote(self.source.workbook)}")
        if answer.status == 404:
            raise GraphRefused(NO_WORKBOOK.format(path=self.source.workbook))
        item = checked(answer, "the register workbook")
        etag = str(item.get("eTag") or "")
        read = WorkbookRead(etag=etag, web_url=str(item.get("webUrl") or ""))
        if etag and etag == known_etag:
            read.unchanged = True
            return read
        book = f"/v1.0/sites/{site_id}/drive/items/{item['id']}/workbook"
        tables = _values(await self.get(f"{book}/tables", "the workbook's tables"))
        if tables or self.source.table:
            await self._table(read, book, tables)
        else:
            await self._sheet(read, book)
        return read

    async def _table(self, read: WorkbookRead, book: str, tables: list[dict[str, Any]]) -> None:
        wanted = self.source.table
        table = next((t for t in tables if not wanted or wanted.casefold() in
                      (str(t.get("name", "")).casefold(), str(t.get("id", "")).casefold())), None)
        if table is None:
            names = ", ".join(str(t.get("name")) for t in tables) or "none"
            raise GraphRefused(NO_TABLE.format(name=wanted, tables=names))
        path = f"{book}/tables/{quote(str(table['id']))}"
        columns = _values(await self.get(f"{path}/columns", "the table's columns"))
        read.header = [c.get("name") for c in sorted(columns, key=lambda c: int(c.get("index", 0)))]
        url = f"{path}/rows"
        while url:
            page = await self.get(url, "the table's rows")
            for row in _values(page):
                values = row.get("values") or [[]]
                read.rows.append(list(values[0]))
            url = str(page.get("@odata.nextLink") or "")
        body = await self.get(f"{path}/dataBodyRange?$select=numberFormat", "the table's number formats")
        read.formats = [list(row) for row in body.get("numberFormat") or []]

    async def _sheet(self, read: WorkbookRead, book: str) -> None:
        sheets = _values(await self.get(f"{book}/worksheets", "the workbook's sheets"))
        if not sheets:
            raise GraphRefused(NO_SHEET_DATA)
        name = str(sheets[0].get("name") or "")
        used = await self.get(f"{book}/worksheets/{quote(name)}/usedRange?$select=values,numberFormat", "the sheet")
        values = [list(row) for row in used.get("values") or []]
        formats = [list(row) for row in used.get("numberFormat") or []]
        if not values:
            raise GraphRefused(NO_SHEET_DATA)
        read.header, read.rows, read.formats = values[0], values[1:], formats[1:]


def checked(answer: GraphAnswer, what: str) -> dict[str, Any]:
    """The body of a 200, or a `GraphRefused` that names the permission or the fault."""
    if answer.status == 200:
        return answer.body
    if answer.status == 401:
        raise GraphRefused(NOT_SIGNED_IN)
    if answer.status == 403:
        raise GraphRefused(NOT_ALLOWED.format(what=what, status=403))
    code = f" ({answer.error_code})" if answer.error_code else ""
    raise GraphRefused(FAILED.format(status=answer.status, code=code, what=what))


def _values(page: dict[str, Any]) -> list[dict[str, Any]]:
    value = page.get("value")
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _with_fields(url: str) -> str:
    """A delta link as Graph gave it, asking for the items' fields too."""
    if "expand=fields" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}expand=fields"


async def _gather(calls: Iterable[Any]) -> list[Any]:
    """Run lookups a few at a time: fast, without tripping Graph's throttling."""
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def limited(call: Any) -> Any:
        async with gate:
            return await call

    return list(await asyncio.gather(*(limited(call) for call in calls)))
