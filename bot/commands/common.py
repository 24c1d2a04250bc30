"""What the command-line handlers share: reading the settings, or one line saying which is broken."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from bot.config import Settings
from bot.errors import ConfigError


def settings_or_report(prog: str, *, err: TextIO, environ: Mapping[str, str] | None = None) -> Settings | None:
    """The settings from the environment; None after one line on `err` naming the broken setting (exit 2)."""
    try:
        return Settings.from_env(os.environ if environ is None else environ)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=err)
        return None


__all__ = ["settings_or_report"]
