"""The SharePoint/Excel Graph stand-in answers the way the sync code will meet the real service.

These drive it with plain aiohttp, so a change that breaks its shapes (paging, delta, eTags, faults,
workbook ranges) shows here rather than as a puzzling failure in the sync tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from stand_ins.sharepoint import Fault, SpColumn, SpList, StandInSharePoint

TOKEN = {"Authorization": "Bearer test-token"}


@pytest.fixture
async def sp() -> AsyncIterator[StandInSharePoint]:
    stand_in = await StandInSharePoint(page_size=2).start()
    stand_in.users = {12: ("Grace Okafor", "grace.okafor@mopac.example.gov.uk"), 14: ("Sam Lee", "sam.lee@mopac.example.gov.uk")}
    yield stand_in
    await stand_in.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=TOKEN) as session:
        yield session


def register(sp: StandInSharePoint) -> SpList:
    """A register list with one column of each awkward kind, and three items."""
    streams = sp.add_list("Funding streams", columns=[SpColumn("Title", "Title", "text")])
    vrf = streams.add_item({"Title": "Violence Reduction"})
    lst = sp.add_list("Commissioning register", columns=[
        SpColumn("Title", "Agreement title", "text"),
        SpColumn("Reference", "Reference", "text", indexed=True),
        SpColumn("EndDate", "End date", "dateOnly"),
        SpColumn("Value", "Value", "currency"),
        SpColumn("Lead", "Lead officer", "person"),
        SpColumn("Approvers", "Approvers", "person", multiple=True),
        SpColumn("Stream", "Funding stream", "lookup", lookup_list_id=streams.id, lookup_column="Title"),
        SpColumn("Tags", "Tags", "choice", multiple=True, choices=("Youth", "Health")),
        SpColumn("Secret", "Secret", "text", hidden=True),
    ])
    lst.add_item({"Title": "Youth outreach", "Reference": "MOPAC-2024-001", "EndDate": "2027-03-31", "Value": 125000,
                  "Lead": 12, "Approvers": [12, 14], "Stream": vrf, "Tags": ["Youth"], "Secret": "x"}, author=12)
    lst.add_item({"Title": "Health link", "Reference": "MOPAC-2024-002"})
    lst.add_item({"Title": "Mentoring", "Reference": "MOPAC-2024-003", "EndDate": "2027-01-15T00:00:00Z"})
    return lst


async def get(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    async with http.get(url, **kwargs) as response:
        return response.status, await response.json(), response.headers


async def test_items_page_through_next_links_and_carry_sharepoint_field_shapes(sp: StandInSharePoint,
                                                                               http: aiohttp.ClientSession) -> None:
    """Every item once across pages; person/lookup only as string LookupIds; empties absent; dates in UTC."""
    lst = register(sp)
    status, site, headers = await get(http, f"{sp.url}/v1.0/sites/contoso.sharepoint.com:/sites/commissioning")
    assert status == 200 and site["id"] == sp.site_id and "request-id" in headers
    url: str | None = f"{sp.url}/v1.0/sites/{site['id']}/lists/{quote(lst.display_name)}/items?expand=fields"
    seen: list[dict[str, Any]] = []
    while url:
        status, body, _ = await get(http, url)
        assert status == 200 and len(body["value"]) <= 2
        seen += body["value"]
        url = body.get("@odata.nextLink")
    assert [i["id"] for i in seen] == ["1", "2", "3"]
    first = seen[0]["fields"]
    assert first["LeadLookupId"] == "12" and "Lead" not in first and first["AuthorLookupId"] == "12"
    assert first["Approvers"] == [{"LookupId": 12, "LookupValue": "Grace Okafor", "Email": "grace.okafor@mopac.example.gov.uk"},
                                  {"LookupId": 14, "LookupValue": "Sam Lee", "Email": "sam.lee@mopac.example.gov.uk"}]
    assert first["StreamLookupId"] == "1" and first["Tags"] == ["Youth"]
    assert first["EndDate"] == "2027-03-30T23:00:00Z" and first["Value"] == 125000.0 and "Secret" not in first
    assert "EndDate" not in seen[1]["fields"] and seen[0]["webUrl"].startswith("https://contoso.sharepoint.com/sites/commissioning/")
    _, picked, _ = await get(http, f"{sp.url}/v1.0/sites/{sp.site_id}/lists/{lst.id}/items/1?expand=fields(select=Lead,Secret)")
    assert picked["fields"] == {"@odata.etag": picked["eTag"], "Lead": "Grace Okafor", "LeadLookupId": "12", "Secret": "x"}
    _, columns, _ = await get(http, f"{sp.url}/v1.0/sites/{sp.site_id}/lists/{lst.id}/columns")
    by_name = {c["name"]: c for c in columns["value"]}
    assert by_name["LinkTitle"]["displayName"] == "Agreement title" and by_name["Author"]["readOnly"]
    assert by_name["Tags"]["choice"]["displayAs"] == "checkBoxes" and by_name["EndDate"]["dateTime"]["format"] == "dateOnly"
    status, user, _ = await get(http, f"{sp.url}/v1.0/sites/{sp.site_id}/lists('User Information List')/items/12?expand=fields")
    assert status == 200 and user["fields"]["EMail"] == "grace.okafor@mopac.example.gov.uk"
    assert (await get(http, f"{sp.url}/v1.0/sites/{sp.site_id}/lists/User%20Information%20List/items/99"))[0] == 404


async def test_delta_reports_changes_and_deletions_then_resyncs_after_invalidation(sp: StandInSharePoint,
                                                                                   http: aiohttp.ClientSession) -> None:
    """The documented delta round: pages to a deltaLink, then only changes, then 410 with a Location after a reset."""
    lst = register(sp)
    url: str | None = f"{sp.url}/v1.0/sites/{sp.site_id}/lists/{lst.id}/items/delta?expand=fields"
    ids: list[str] = []
    delta_link = ""
    while url:
        _, body, _ = await get(http, url)
        ids += [i["id"] for i in body["value"]]
        url, delta_link = body.get("@odata.nextLink"), body.get("@odata.deltaLink", "")
    assert ids == ["1", "2", "3"] and delta_link
    lst.update_item("1", {"EndDate": "2028-03-31"})
    lst.delete_item("2")
    _, changes, _ = await get(http, delta_link)
    assert [(i["id"], "deleted" in i) for i in changes["value"]] == [("1", False), ("2", True)]
    assert changes["value"][0]["fields"]["EndDate"] == "2028-03-30T23:00:00Z" and "fields" not in changes["value"][1]
    _, quiet, _ = await get(http, changes["@odata.deltaLink"])
    assert quiet["value"] == [] and quiet["@odata.deltaLink"]
    sp.invalidate_delta_tokens()
    status, gone, headers = await get(http, quiet["@odata.deltaLink"])
    assert status == 410 and gone["error"]["code"] == "resyncRequired" and headers["Location"].startswith(sp.url)
    _, fresh, _ = await get(http, headers["Location"])
    assert [i["id"] for i in fresh["value"]] == ["1", "3"]


async def test_patch_fields_honours_if_match_and_read_only_columns(sp: StandInSharePoint, http: aiohttp.ClientSession) -> None:
    """Stale If-Match is 412 and changes nothing; read-only is 400; a good write bumps the eTag."""
    lst = register(sp)
    url = f"{sp.url}/v1.0/sites/{sp.site_id}/lists/{lst.id}/items/1/fields"
    etag = lst.item_etag("1")
    lst.update_item("1", {"Reference": "MOPAC-2024-001a"})
    async with http.patch(url, json={"Reference": "mine"}, headers={"If-Match": etag}) as response:
        assert response.status == 412 and (await response.json())["error"]["code"] == "preconditionFailed"
    assert lst.values("1")["Reference"] == "MOPAC-2024-001a"
    async with http.patch(url, json={"Author": "x"}) as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == "invalidRequest"
    async with http.patch(url, json={"Tags": ["Health"]}) as response:
        assert response.status == 400  # multi-choice without its @odata.type annotation
    body = {"Reference": "mine", "Tags@odata.type": "Collection(Edm.String)", "Tags": ["Health"]}
    async with http.patch(url, json=body, headers={"If-Match": lst.item_etag("1")}) as response:
        fields = await response.json()
        assert response.status == 200 and fields["Reference"] == "mine" and fields["Tags"] == ["Health"]
    assert fields["@odata.etag"] != etag and [w.status for w in lst.writes] == [412, 400, 400, 200]


async def test_faults_and_expired_tokens_answer_like_graph(sp: StandInSharePoint, http: aiohttp.ClientSession) -> None:
    """429 carries Retry-After, a drop closes the connection, expired tokens get InvalidAuthenticationToken."""
    lst = register(sp)
    url = f"{sp.url}/v1.0/sites/{sp.site_id}/lists/{lst.id}/items"
    sp.faults += [Fault(path_contains="/items", status=429, retry_after="1"), Fault(path_contains="/items", drop=True, times=2)]
    status, body, headers = await get(http, url)
    assert status == 429 and headers["Retry-After"] == "1" and body["error"]["code"] == "TooManyRequests"
    with pytest.raises(aiohttp.ClientError):  # times=2: aiohttp re-sends a dropped GET once by itself
        await get(http, url)
    assert (await get(http, url))[0] == 200 and sp.faults == []
    sp.expire_tokens()
    status, body, _ = await get(http, url)
    assert status == 401 and body["error"]["code"] == "InvalidAuthenticationToken"
    assert (await get(http, url, headers={"Authorization": "Bearer fresh-token"}))[0] == 200
    assert (await get(http, url, headers={"Authorization": ""}))[0] == 401
    assert sp.requests[0] == ("GET", f"/v1.0/sites/{sp.site_id}/lists/{lst.id}/items")


async def test_workbook_tables_rows_and_ranges(sp: StandInSharePoint, http: aiohttp.ClientSession) -> None:
    """Rows page with $top/$skip; dataBodyRange has values, text and numberFormat; dates are serial numbers."""
    wb = sp.add_workbook("Shared Documents/Register.xlsx", tables={"Register": (
        ["Reference", "Title", "End date"],
        [["MOPAC-1", "Youth outreach", 46477], ["MOPAC-2", "Health link", 46400], ["MOPAC-3", "Mentoring", ""]],
        [["General", "General", "dd/mm/yyyy"]] * 3)}, sheets={"Plain": ([["Reference", "Value"], ["MOPAC-1", 125000]], [])})
    site = f"{sp.url}/v1.0/sites/{sp.site_id}"
    status, item, _ = await get(http, f"{site}/drive/root:/Register.xlsx")
    assert status == 200 and item["id"] == wb.id and item["eTag"] == wb.etag
    assert (await get(http, f"{site}/drive/root:/Shared%20Documents/Register.xlsx"))[0] == 404  # the drive root is the library
    book = f"{site}/drive/items/{item['id']}/workbook"
    _, tables, _ = await get(http, f"{book}/tables")
    table_id = tables["value"][0]["id"]
    _, rows, _ = await get(http, f"{book}/tables/{quote(table_id)}/rows?$top=2&$skip=1")
    assert [r["index"] for r in rows["value"]] == [1, 2] and rows["value"][0]["values"] == [["MOPAC-2", "Health link", 46400]]
    _, body, _ = await get(http, f"{book}/tables/Register/dataBodyRange")
    assert body["address"] == "Sheet1!A2:C4" and body["text"][0][2] == "31/03/2027" and body["values"][0][2] == 46477
    assert body["numberFormat"][0] == ["General", "General", "dd/mm/yyyy"] and body["valueTypes"][2][2] == "Empty"
    _, columns, _ = await get(http, f"{book}/tables/Register/columns")
    assert columns["value"][0]["values"] == [["Reference"], ["MOPAC-1"], ["MOPAC-2"], ["MOPAC-3"]]
    _, used, _ = await get(http, f"{book}/worksheets/Plain/usedRange")
    assert used["address"] == "Plain!A1:B2" and used["values"][1] == ["MOPAC-1", 125000]
    before = wb.etag
    wb.update_row("Register", 0, ["MOPAC-1", "Youth outreach", 46500])
    assert wb.etag != before
