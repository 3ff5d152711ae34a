"""Alert settings from the environment: when the sweep runs, the thresholds, how delivery behaves.

| variable | default | meaning |
|---|---|---|
| `ALERT_SCHEDULER` | `on` | `off` runs no sweeps or sends in this process (the CLI still can) |
| `ALERT_SWEEP_TIME` | `07:30` | local time of the daily sweep (working days only) |
| `ALERT_TIMEZONE` | `Europe/London` | the zone `ALERT_SWEEP_TIME` is in |
| `ALERT_EXPIRY_DAYS` | `180,90,30` | expiry thresholds, days before the current end date |
| `ALERT_EXTENSION_DECISION_DAYS` | `120` | ask for an extension decision this many days before the end |
| `ALERT_DECISION_OVERDUE_DAYS` | `60` | escalate daily from this many days before the end |
| `ALERT_NOTICE_MONTHS` | `3` | grant notice period |
| `ALERT_RETURN_DUE_DAYS` | `7` | remind providers this many days before a return is due |
| `ALERT_OVERDUE_CHANNEL_DAYS` | `7` | tell the channel when a return is this many days overdue |
| `ALERT_ASSESSMENT_WORKING_DAYS` | `10` | working days staff have to assess a return |
| `ALERT_BATCHING` | `on` | `off` sends every alert as its own message |
| `ALERT_SEND_INTERVAL` | `5` | seconds between outbox passes when idle |
| `ALERT_CATCH_UP_DELAY` | `60` | seconds after start-up before a missed sweep is caught up |
| `ALERT_CLAIM_LEASE` | `300` | seconds before a crashed sender's claimed alerts are sent by another |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.alerts import AlertThresholds

ON_WORDS = frozenset({"1", "on", "true", "yes"})
OFF_WORDS = frozenset({"0", "off", "false", "no"})


class AlertSettingsRefused(ValueError):
    """An alert setting that cannot be read; the message names it and says what is expected."""


@dataclass(frozen=True)
class AlertSettings:
    enabled: bool = True
    sweep_time: time = time(7, 30)
    timezone: str = "Europe/London"
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    batching: bool = True
    send_interval: float = 5.0
    claim_lease: float = 300.0
    catch_up_delay: float = 60.0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> AlertSettings:
        env = os.environ if environ is None else environ
        zone = (env.get("ALERT_TIMEZONE") or "Europe/London").strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise AlertSettingsRefused(f"ALERT_TIMEZONE must be a time zone like Europe/London, not {zone!r}.") from None
        defaults = AlertThresholds()
        thresholds = AlertThresholds(
            expiry_days=_days_list(env, "ALERT_EXPIRY_DAYS", defaults.expiry_days),
            extension_decision_days=_whole(env, "ALERT_EXTENSION_DECISION_DAYS", defaults.extension_decision_days),
            decision_overdue_days=_whole(env, "ALERT_DECISION_OVERDUE_DAYS", defaults.decision_overdue_days),
            notice_months=_whole(env, "ALERT_NOTICE_MONTHS", defaults.notice_months),
            return_due_days=_whole(env, "ALERT_RETURN_DUE_DAYS", defaults.return_due_days),
            overdue_channel_days=_whole(env, "ALERT_OVERDUE_CHANNEL_DAYS", defaults.overdue_channel_days),
            assessment_working_days=_whole(env, "ALERT_ASSESSMENT_WORKING_DAYS", defaults.assessment_working_days),
        )
        return cls(
            enabled=_switch(env, "ALERT_SCHEDULER", True),
            sweep_time=_clock_time(env.get("ALERT_SWEEP_TIME") or "07:30"),
            timezone=zone,
            thresholds=thresholds,
            batching=_switch(env, "ALERT_BATCHING", True),
            send_interval=float(_whole(env, "ALERT_SEND_INTERVAL", 5, minimum=1)),
            claim_lease=float(_whole(env, "ALERT_CLAIM_LEASE", 300, minimum=1)),
            catch_up_delay=float(_whole(env, "ALERT_CATCH_UP_DELAY", 60)),
        )


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ON_WORDS:
        return True
    if raw in OFF_WORDS:
        return False
    raise AlertSettingsRefused(f"{name} must be on or off, not {raw!r}.")


def _whole(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise AlertSettingsRefused(f"{name} must be a whole number of at least {minimum}, not {raw!r}.")
    return int(raw)


def _days_list(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise AlertSettingsRefused(f"{name} must be days separated by commas, like 180,90,30, not {raw!r}.")
    return tuple(sorted({int(part) for part in parts}, reverse=True))


def _clock_time(raw: str) -> time:
    try:
        hours, minutes = raw.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise AlertSettingsRefused(f"ALERT_SWEEP_TIME must be a time like 07:30, not {raw!r}.") from None
