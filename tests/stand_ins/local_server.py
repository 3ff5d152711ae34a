"""An aiohttp app on a free 127.0.0.1 port: the one way our stand-ins serve HTTP."""

from __future__ import annotations

import ssl

from aiohttp import web


class LocalServer:
    """Serves `app` on loopback; `url` has no trailing slash."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> str:
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
