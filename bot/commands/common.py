"""What the command-line handlers share: reading the settings (or one line saying which is broken),
where they print, and the one line that says the database cannot be reached."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from bot.config import Settings
from bot.errors import ConfigError, StoreUnavailable
from bot.present import messages
from bot.store.db import safe_url


def settings_or_report(prog: str, *, err: TextIO, environ: Mapping[str, str] | None = None) -> Settings | None:
    """The settings from the environment; None after one line on `err` naming the broken setting (exit 2)."""
    try:
        return Settings.from_env(os.environ if environ is None else environ)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=err)
        return None


def parse_now(value: str) -> datetime | None:
    """A `--now` moment in ISO 8601; without an offset it is taken as UTC. None if unreadable."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Invocation:
    """One run of a sub-command: its name as printed, where it prints, and the settings it read."""

    prog: str
    out: TextIO
    err: TextIO
    settings: Settings

    def fail(self, text: object, code: int = 1) -> int:
        """Print `prog: text` on the error stream and return the exit code."""
        print(f"{self.prog}: {text}", file=self.err)
        return code

    def database_unreachable(self) -> int:
        return self.fail(messages.cli_cannot_reach_database(safe_url(self.settings.database_url)))


EntryPoint = Callable[..., int]
"""A sub-command's entry point (see `bot.cli.HANDLERS`): `run(args, *, out, err, environ)`, the exit code."""


def entry_point(
    prog: Callable[[argparse.Namespace], str],
) -> Callable[[Callable[[argparse.Namespace, Invocation], int]], EntryPoint]:
    """Make `handler(args, invocation) -> exit code` an entry point: the settings are read from
    `environ` (default the process environment) and a broken one is exit 2 before the handler runs;
    a database that cannot be reached is one line and exit 1."""

    def wrap(handler: Callable[[argparse.Namespace, Invocation], int]) -> EntryPoint:
        def run(
            args: argparse.Namespace,
            *,
            out: TextIO | None = None,
            err: TextIO | None = None,
            environ: Mapping[str, str] | None = None,
        ) -> int:
            err = err or sys.stderr
            name = prog(args)
            settings = settings_or_report(name, err=err, environ=environ)
            if settings is None:
                return 2
            invocation = Invocation(name, out or sys.stdout, err, settings)
            try:
                return handler(args, invocation)
            except StoreUnavailable:
                return invocation.database_unreachable()

        run.__doc__ = handler.__doc__
        return run

    return wrap


__all__ = ["EntryPoint", "Invocation", "entry_point", "parse_now", "settings_or_report"]
