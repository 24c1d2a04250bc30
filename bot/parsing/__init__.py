"""The request language: a message, the moment it was sent and the asker's zone → a Request.

Pure logic: nothing here imports Slack, HTTP or database code.

    from bot.parsing import parse, Request, Intent, TimeKind, ParseSettings
    req = parse("free rooms tomorrow 2-3pm", now=now, tz="Europe/Berlin")
"""

from __future__ import annotations

from bot.parsing.models import Intent, ParseSettings, Request, TimeKind
from bot.parsing.parser import parse

__all__ = ["Intent", "ParseSettings", "Request", "TimeKind", "parse"]
