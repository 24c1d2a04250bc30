"""Sentences: command line (roombot ask, demo, sync, db, serve)."""

from __future__ import annotations


def cli_unknown_tz(name: str) -> str:
    return f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin"


def cli_bad_now(value: str) -> str:
    return f"--now must be an ISO 8601 time such as 2026-03-02T10:00+08:00, got {value!r}"


def cli_configuration_error(detail: str) -> str:
    return f"configuration error: {detail}"


def cli_cannot_start(detail: str) -> str:
    return f"cannot start: {detail}"


def cli_cannot_reach_database(url: str) -> str:
    return f"cannot reach the database at {url}"


def cli_synced(total: int, added: int, changed: int, removed: int) -> str:
    return f"synced {total} rooms: {added} added, {changed} changed, {removed} removed"


def cli_database_state(url: str, current: str | None, head: str | None) -> str:
    state = "up to date" if current == head else f"head is {head}"
    return f"database {url} at revision {current or 'base (empty)'} ({state})"


def cli_database_failed(action: str, url: str, error: str) -> str:
    return f"cannot {action} {url}: {error}"


def serve_http_listening(port: int) -> str:
    return f"HTTP mode on port {port} (/slack/events, /healthz)"
