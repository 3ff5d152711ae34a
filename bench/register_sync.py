"""Benchmark: syncing a 10,000-item Microsoft List (served 200 items a page) into the register.

Targets (issue 14): the first sync within 2× a bare aiohttp paging loop over the same Graph
stand-in in the same run; a sync with nothing changed under 1 s. The floor is the bare loop:
`GET …/items?expand=fields&$top=200`, following `@odata.nextLink` to the end and decoding each
page, nothing else. The stand-ins run in their own process, as Graph is elsewhere in life, so
the stand-in's own work is not counted against the sync. The first sync adds everything a real sync does: the site and list lookup,
`/columns`, one User Information List call per person, one call per lookup value, conversion by
column type, validation, and the one-transaction write (SQLite, fresh database each run).

    .venv/bin/python bench/register_sync.py [--items 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from multiprocessing import Process, Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import aiohttp  # noqa: E402
import requests  # noqa: E402
from measure import markdown_table, ms  # noqa: E402
from stand_ins.graph import StandInEntra, self_signed_certificate  # noqa: E402
from stand_ins.sharepoint import StandInSharePoint  # noqa: E402
from sync_fixtures import LIST, M365, SITE, TODAY  # noqa: E402

from bot.graph.client import GraphClient, GraphConnection, msal_token  # noqa: E402
from bot.graph.register_source import RegisterSource  # noqa: E402
from bot.graph.sync import sync_register  # noqa: E402
from bot.settings import Secret  # noqa: E402
from demo.register import register_rows  # noqa: E402
from storage.db import create_engine, upgrade  # noqa: E402

FIRST_SYNC_RATIO_TARGET = 2.0
NO_CHANGE_TARGET = 1.0  # seconds


async def bare_paging(base: str, path: str) -> int:
    """The floor: page through the items with aiohttp and decode the JSON, nothing more."""
    items = 0
    url = f"{base}{path}/items?expand=fields&$top=200"
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer bench"}) as http:
        while url:
            async with http.get(url) as response:
                page = await response.json()
            items += len(page["value"])
            url = page.get("@odata.nextLink", "")
    return items


def serve(size: int, folder: str, ready: Queue) -> None:  # type: ignore[type-arg]
    """Microsoft 365 in its own process, as it is in life: Entra and the list, until killed."""

    async def run() -> None:
        cert, key = self_signed_certificate(Path(folder))
        entra = await StandInEntra(cert, key).start()
        sharepoint = await StandInSharePoint(page_size=200).start()
        m365 = M365(entra, sharepoint, GraphConnection(), requests.Session())
        register = m365.make_register(register_rows(TODAY, size))
        ready.put((entra.url, sharepoint.url, str(cert), f"/v1.0/sites/{sharepoint.site_id}/lists/{register.id}"))
        await asyncio.Event().wait()

    asyncio.run(run())


async def main(size: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ready: Queue = Queue()  # type: ignore[type-arg]
        server = Process(target=serve, args=(size, folder, ready), daemon=True)
        server.start()
        entra_url, graph_url, cert, path = ready.get(timeout=600)
        trusting = requests.Session()
        trusting.verify, trusting.trust_env = cert, False
        connection = GraphConnection(app_id="bench", app_password=Secret("bench-secret"), tenant_id="tenant",
                                     graph_base_url=graph_url, authority_host=entra_url)
        client = GraphClient(connection, token=msal_token(connection, http_client=trusting))
        source = RegisterSource.from_environ({"REGISTER_SITE": SITE, "REGISTER_LIST": LIST})

        bare, first, unchanged = [], [], []
        try:
            for _ in range(runs):
                started = time.perf_counter()
                assert await bare_paging(graph_url, path) == size
                bare.append(time.perf_counter() - started)
            for run in range(runs):
                engine = create_engine(f"sqlite:///{folder}/sync-{run}.db")
                await upgrade(engine)
                started = time.perf_counter()
                report = await sync_register(engine, source, client, today=TODAY)
                first.append(time.perf_counter() - started)
                assert report.outcome == "synced" and report.added == size, report.problems[:3] or report.message
                for _ in range(5):
                    started = time.perf_counter()
                    again = await sync_register(engine, source, client, today=TODAY)
                    unchanged.append(time.perf_counter() - started)
                    assert again.outcome == "unchanged"
                await engine.dispose()
        finally:
            trusting.close()
            server.kill()

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    def p99(values: list[float]) -> float:
        return max(values)

    floor = median(bare)
    rows = [
        ["Bare aiohttp paging loop (floor)", f"{size:,}", ms(floor), ms(p99(bare)), str(len(bare)),
         f"{size / floor:,.0f} items/s", "1.0×", ""],
        ["First sync (full read + write)", f"{size:,}", ms(median(first)), ms(p99(first)), str(len(first)),
         f"{size / median(first):,.0f} items/s", f"{median(first) / floor:.1f}×",
         f"≤ {FIRST_SYNC_RATIO_TARGET:.0f}× floor: {'met' if median(first) / floor <= FIRST_SYNC_RATIO_TARGET else 'NOT met'}"],
        ["Sync with nothing changed (delta only)", f"{size:,}", ms(median(unchanged)), ms(p99(unchanged)),
         str(len(unchanged)), "", f"{median(unchanged) / floor:.2f}×",
         f"< 1 s: {'met' if median(unchanged) < NO_CHANGE_TARGET and p99(unchanged) < NO_CHANGE_TARGET else 'NOT met'}"],
    ]
    print(markdown_table(["What", "Items", "Median", "p99 (max)", "Runs", "Rate", "vs floor", "Target"], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.items, arguments.runs))
