"""Syncing the register from a Microsoft List: what a commissioning officer sees in the register after.

Graph and Entra are local stand-ins speaking the documented protocol; msal and the import
path are the real ones, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from datetime import date

from register_files_data import dump as dump_database
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from stand_ins.sharepoint import Fault, SpColumn
from sync_fixtures import M365, TODAY

from bot.graph.sync import sync_register
from demo.register import demo_rows
from storage.agreements import load_agreements
from storage.db import session_factory
from storage.models import AgreementRow, AuditEntry, ImportBatch
from storage.register_export import export_csv

ROWS = [
    {"reference": "MOPAC-2024-001", "kind": "grant", "title": "Youth outreach – Lambeth", "provider": "Safer London",
     "value": "£125,000", "start_date": "2024-04-01", "end_date": "2027-03-31", "area": "Lambeth",
     "contract_manager": "grace.okafor@mopac.example", "funding_stream": "Violence Reduction Unit",
     "contact_email": "pat@saferlondon.example"},
    {"reference": "MOPAC-2024-002", "kind": "contract", "title": "Victim and witness service", "provider": "Victim Support",
     "value": "1500000", "start_date": "2024-04-01", "end_date": "2026-07-31", "area": "pan-London",
     "contract_manager": "grace.okafor@mopac.example", "funding_stream": "Core"},
    {"reference": "MOPAC-2025-003", "kind": "grant", "title": "Hate crime advocacy", "provider": "Stand Together",
     "value": "60000", "start_date": "2025-01-01", "end_date": "2026-12-31", "area": "Haringey",
     "contract_manager": "helen.price@mopac.example", "funding_stream": "Violence Reduction Unit"},
]


async def _agreements(engine: AsyncEngine) -> dict[str, object]:
    async with session_factory(engine)() as session:
        ids = list((await session.scalars(select(AgreementRow.id))).all())
        return {a.reference: a for a in (await load_agreements(session, ids)).values()}


async def _count(engine: AsyncEngine, model: type) -> int:
    async with session_factory(engine)() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_first_sync_reads_typed_columns_as_the_user_typed_them(engine: AsyncEngine, m365: M365) -> None:
    """Date-only columns come back as UTC instants; the register holds the calendar dates typed in SharePoint."""
    m365.make_register(ROWS)
    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "synced", report.problems or report.message
    assert (report.added, report.changed, report.flagged_removed) == (3, 0, 0)
    agreements = await _agreements(engine)
    youth = agreements["MOPAC-2024-001"]
    assert youth.end_date == date(2027, 3, 31)  # served as 2027-03-30T23:00:00Z: midnight in British Summer Time
    assert agreements["MOPAC-2024-002"].end_date == date(2026, 7, 31)  # British Summer Time
    assert agreements["MOPAC-2025-003"].end_date == date(2026, 12, 31)  # GMT
    assert youth.value == 125000 and agreements["MOPAC-2024-002"].value == 1500000
    assert youth.contract_manager == "grace.okafor@mopac.example"  # person column → email
    assert youth.funding_stream == "Violence Reduction Unit"  # lookup column → its value
    assert youth.title == "Youth outreach – Lambeth"  # the renamed Title column
    assert youth.contact_email == "pat@saferlondon.example"  # matched by display name, internal name field_8
    assert "Created" not in youth.notes and "Version" not in youth.notes  # SharePoint's own columns are not data


async def test_each_person_is_looked_up_once_per_sync(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(ROWS)
    await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    lookups = [path for method, path in m365.sharepoint.requests if "User Information List" in path or "User%20Information" in path]
    assert len(lookups) == 2  # grace (two agreements) and helen


async def test_a_second_sync_with_nothing_changed_reads_only_the_delta_and_writes_nothing(
    engine: AsyncEngine, m365: M365,
) -> None:
    m365.make_register(ROWS)
    await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    before = await dump_database(engine)
    m365.sharepoint.requests.clear()

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "unchanged"
    assert [path.split("?")[0].rsplit("/", 1)[-1] for _, path in m365.sharepoint.requests] == ["delta"]
    after = await dump_database(engine)
    assert {t: rows for t, rows in after.items() if t != "register_syncs"} == \
        {t: rows for t, rows in before.items() if t != "register_syncs"}


async def test_changes_and_deletions_arrive_through_the_delta(engine: AsyncEngine, m365: M365) -> None:
    """An edited item is updated and audited as the sync; a deleted item is flagged, never deleted."""
    register = m365.make_register(ROWS)
    await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    register.update_item("1", {"EndDate": "2028-03-31"})
    register.delete_item("3")
    m365.add_row({"reference": "MOPAC-2026-004", "kind": "grant", "title": "Knife crime mentoring",
                  "provider": "Safer London", "value": "40000", "start_date": "2026-04-01", "end_date": "2027-03-31"})

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "synced" and not report.full
    assert (report.added, report.changed, report.flagged_removed) == (1, 1, 1)
    agreements = await _agreements(engine)
    assert agreements["MOPAC-2024-001"].end_date == date(2028, 3, 31)
    assert agreements["MOPAC-2025-003"].missing_from_last_import  # still there, flagged
    assert not agreements["MOPAC-2024-002"].missing_from_last_import  # not in the delta: untouched
    async with session_factory(engine)() as session:
        audit = (await session.execute(
            select(AuditEntry.action, AuditEntry.reference, AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value,
                   AuditEntry.actor).where(AuditEntry.reference.in_(["MOPAC-2024-001", "MOPAC-2025-003"]))
            .where(AuditEntry.action != "import_create")
        )).all()
    assert ("import_update", "MOPAC-2024-001", "end_date", "2027-03-31", "2028-03-31", "Microsoft 365 sync") in audit
    assert ("sync_flag_removed", "MOPAC-2025-003", "missing_from_last_import", "no", "yes", "Microsoft 365 sync") in audit


async def test_an_expired_delta_link_means_a_full_resync(engine: AsyncEngine, m365: M365) -> None:
    register = m365.make_register(ROWS)
    await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    register.update_item("2", {"Title": "Victim and witness service (London)"})
    m365.sharepoint.invalidate_delta_tokens()

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "synced" and report.full
    assert (report.changed, report.unchanged) == (1, 2)
    assert (await _agreements(engine))["MOPAC-2024-002"].title == "Victim and witness service (London)"
    again = await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    assert again.outcome == "unchanged"


async def test_a_bad_item_refuses_the_whole_sync_and_names_the_item_column_and_value(engine: AsyncEngine, m365: M365) -> None:
    register = m365.make_register(ROWS)
    await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    register.update_item("1", {"EndDate": "2029-03-31"})
    register.update_item("2", {"Extensions": "two years maybe"})
    before = await dump_database(engine)

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "refused" and report.refused == 1
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.startswith("List item 2 (https://contoso.sharepoint.com/sites/commissioning/Lists/")
    assert "DispForm.aspx?ID=2" in problem and "'Extension options'" in problem and "'two years maybe'" in problem
    after = await dump_database(engine)
    assert {t: r for t, r in after.items() if t != "register_syncs"} == {t: r for t, r in before.items() if t != "register_syncs"}
    register.update_item("2", {"Extensions": "1+1"})  # fixed in SharePoint: the next sync takes both changes
    fixed = await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    assert fixed.outcome == "synced" and fixed.changed == 2
    assert (await _agreements(engine))["MOPAC-2024-001"].end_date == date(2029, 3, 31)


async def test_an_item_taking_another_items_reference_is_refused(engine: AsyncEngine, m365: M365) -> None:
    register = m365.make_register(ROWS)
    await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    register.update_item("3", {"Reference": "MOPAC-2024-001"})

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "refused"
    assert "list item 1 has it too" in report.problems[0]
    assert (await _agreements(engine))["MOPAC-2024-001"].title == "Youth outreach – Lambeth"


async def test_throttling_is_waited_out_as_retry_after_says(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(ROWS)
    m365.sharepoint.faults.append(Fault(path_contains="/items", status=429, retry_after="7"))
    m365.sharepoint.faults.append(Fault(path_contains="/columns", status=503, retry_after="3"))

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "synced" and report.added == 3
    assert m365.sleeps == [7.0, 3.0]


async def test_a_token_that_expires_mid_sync_is_renewed(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(ROWS * 1)
    client = m365.client()
    await sync_register(engine, m365.source(), client, today=TODAY)
    m365.sharepoint.expire_tokens()
    m365.add_row({"reference": "MOPAC-2026-009", "kind": "grant", "title": "New", "provider": "Safer London"})
    tokens_before = len(m365.entra.token_requests)

    report = await sync_register(engine, m365.source(), client, today=TODAY)

    assert report.outcome == "synced" and report.added == 1
    assert len(m365.entra.token_requests) == tokens_before + 1


async def test_a_refused_permission_stops_the_sync_and_names_the_grant(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(ROWS)
    m365.sharepoint.faults.append(Fault(path_contains="/sites/", status=403))

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "failed"
    assert "Sites.Selected" in report.message and "Sites.Read.All" in report.message
    assert await _count(engine, AgreementRow) == 0


async def test_a_dropped_connection_part_way_through_paging_is_retried(engine: AsyncEngine, m365: M365) -> None:
    m365.sharepoint.page_size = 1
    m365.make_register(ROWS)
    m365.sharepoint.faults.append(Fault(path_contains="skiptoken", drop=True, times=2))

    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)

    assert report.outcome == "synced" and report.added == 3


async def test_graph_gone_part_way_changes_nothing(engine: AsyncEngine, m365: M365) -> None:
    m365.sharepoint.page_size = 1
    m365.make_register(ROWS)
    for _ in range(4):
        m365.sharepoint.faults.append(Fault(path_contains="skiptoken", status=503))

    report = await sync_register(engine, m365.source(), m365.client(max_tries=4), today=TODAY)

    assert report.outcome == "failed" and "too busy" in report.message
    assert await _count(engine, AgreementRow) == 0 and await _count(engine, ImportBatch) == 0
    retry = await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    assert retry.outcome == "synced" and retry.added == 3


async def test_columns_can_be_mapped_by_setting(engine: AsyncEngine, m365: M365) -> None:
    columns = [SpColumn("Title", "Title", "text"), SpColumn("OurCode", "Our ID", "text"),
               SpColumn("Kind", "Kind", "choice"), SpColumn("Org", "Delivered by", "text")]
    register = m365.sharepoint.add_list("Commissioning register", columns)
    register.add_item({"Title": "Youth outreach", "OurCode": "MOPAC-1", "Kind": "grant", "Org": "Safer London"})

    unmapped = await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    assert unmapped.outcome == "refused"
    assert any("no column for reference" in p for p in unmapped.problems), unmapped.problems

    source = m365.source(REGISTER_COLUMNS='{"Our ID": "reference", "Delivered by": "provider"}')
    mapped = await sync_register(engine, source, m365.client(), today=TODAY)
    assert mapped.outcome == "synced" and (await _agreements(engine))["MOPAC-1"].provider == "Safer London"


async def test_the_same_register_as_a_list_and_as_a_csv_exports_byte_for_byte(
    engine: AsyncEngine, m365: M365, tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from demo.register import write_csv
    from storage.db import create_engine, upgrade
    from storage.register_import import import_register

    rows = demo_rows(TODAY)
    m365.make_register(rows)
    report = await sync_register(engine, m365.source(), m365.client(), today=TODAY)
    assert report.outcome == "synced" and report.added == len(rows), report.problems

    path = tmp_path / "register.csv"
    write_csv(rows, path)
    from_file = create_engine(f"sqlite:///{tmp_path / 'from-file.db'}")
    await upgrade(from_file)
    try:
        await import_register(from_file, path, today=TODAY)
        exported = [io.StringIO(), io.StringIO()]
        for stream, db in zip(exported, (engine, from_file), strict=True):
            agreements = await _agreements(db)
            export_csv([agreements[k] for k in sorted(agreements)], stream)
    finally:
        await from_file.dispose()
    assert exported[0].getvalue() == exported[1].getvalue()


async def test_the_latest_return_status_is_written_back_where_it_changed(engine: AsyncEngine, m365: M365) -> None:
    """Monitoring owed since the register was first synced in 2025; none came in, so the latest shows overdue."""
    from stand_ins.sharepoint import SpColumn
    from sync_fixtures import COLUMNS

    from bot.graph.writeback import WriteBack

    register = m365.make_register(ROWS[:1], [*COLUMNS, SpColumn("LatestReturn", "Latest return", "text")])
    source = m365.source(REGISTER_WRITEBACK='{"return_status": "Latest return"}')
    client = m365.client()
    await sync_register(engine, source, client, today=date(2025, 1, 6))
    writer = WriteBack(engine, source, client)

    assert await writer.push_return_statuses(TODAY) == 1
    assert register.values("1")["LatestReturn"] == "Q2 2026/27: overdue"
    assert await writer.push_return_statuses(TODAY) == 0  # nothing new: nothing written
    assert len(register.writes) == 1
    again = await sync_register(engine, source, client, today=TODAY)
    assert again.outcome == "synced" and again.changed == 0  # the column the bot writes is not register data


async def test_the_app_can_sign_in_with_a_certificate_instead_of_a_secret(engine: AsyncEngine, m365: M365, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Where policy forbids client secrets: msal signs a client assertion with the certificate's key."""
    from dataclasses import replace

    from stand_ins.graph import self_signed_certificate

    from bot.graph.client import GraphClient, msal_token
    from bot.settings import Secret

    (tmp_path / "app").mkdir()
    cert, key = self_signed_certificate(tmp_path / "app")
    pem = tmp_path / "app.pem"
    pem.write_bytes(key.read_bytes() + cert.read_bytes())
    connection = replace(m365.connection, app_password=Secret(""), certificate_file=str(pem))
    m365.make_register(ROWS)

    client = GraphClient(connection, token=msal_token(connection, http_client=m365.trusting))
    report = await sync_register(engine, m365.source(), client, today=TODAY)

    assert report.outcome == "synced"
    sent = m365.entra.token_requests[-1]
    assert sent.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "client_secret" not in sent
