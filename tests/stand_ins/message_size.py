"""Teams' limit on a bot message, as the stand-in connectors enforce it.

Teams counts the whole activity encoded in UTF-16 and answers 413 `MessageSizeTooBig` above
about 100 KB, so a card that passes a byte count of its ASCII JSON can still be refused. The
stand-ins refuse the same way, so a test whose bot sends too much fails as it would in Teams.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

TEAMS_LIMIT_BYTES = 100 * 1024


def teams_size(activity: Any) -> int:
    """The activity's size as Teams counts it: its JSON (as posted, ASCII with escapes) in UTF-16."""
    return 2 * len(json.dumps(activity, ensure_ascii=True, separators=(",", ":")))


def too_big(activity: Any) -> web.Response | None:
    """Teams' 413 answer for an activity over the limit, else None."""
    size = teams_size(activity)
    if size <= TEAMS_LIMIT_BYTES:
        return None
    return web.json_response(
        {"error": {"code": "MessageSizeTooBig", "message": f"Message size ({size} bytes) is too big"}}, status=413
    )
