"""Alerts: the daily sweep, APScheduler wiring, and the outbox sender with retry and rate limits.

Delivery goes through a `Send` function that `bot/` hands in, so nothing here imports botbuilder.
May import: `domain`, `storage`.
"""
