"""Fixtures for the integration tests: the Microsoft 365 stand-ins a sync reads from."""

from sync_fixtures import m365  # noqa: F401 - a fixture, offered to every test here
