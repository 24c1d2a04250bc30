"""What `roombot serve` and the gunicorn target share: checking the settings a mode needs and
building the runtime the Slack app runs on.

Both `bot.slack.server` (Socket Mode, and HTTP under an in-process gunicorn) and `bot.slack.wsgi`
(the WSGI callable gunicorn loads) import this module; neither imports the other's caller.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Settings
from bot.errors import ConfigError
from bot.present import messages
from bot.wiring import Runtime, build_runtime

MODES = ("auto", "socket", "http")
_MODE_NAMES = {"socket": "Socket Mode", "http": "HTTP mode"}


def choose_mode(settings: Settings, requested: str = "auto") -> str:
    """`socket` or `http`: explicit, else Socket Mode exactly when an app token is configured."""
    if requested in {"socket", "http"}:
        return requested
    return "socket" if settings.slack_app_token else "http"


def missing_settings(settings: Settings, *, mode: str) -> list[str]:
    """The Slack variables `mode` needs that are not set (names only, never values)."""
    missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
    if mode == "socket" and not settings.slack_app_token:
        missing.append("SLACK_APP_TOKEN")
    if mode == "http" and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    return missing


def require_settings(settings: Settings, *, mode: str, use_simulator: bool) -> None:
    """Raise ConfigError naming what is missing for `mode` (Slack credentials, DingTalk credentials)."""
    missing = missing_settings(settings, mode=mode)
    if missing:
        raise ConfigError(messages.serve_missing_settings(_MODE_NAMES[mode], missing), variable=", ".join(missing))
    if not use_simulator and not settings.has_dingtalk_credentials:
        raise ConfigError(messages.WORDS.serve_no_dingtalk, variable="DINGTALK_APP_KEY")


def use_simulator_from(environ: Mapping[str, str]) -> bool:
    return environ.get("ROOMBOT_USE_SIMULATOR", "").strip().lower() in {"1", "true", "yes", "on"}


def build_runtime_for_serve(settings: Settings, *, use_simulator: bool) -> Runtime:
    """The shared composition root (bot.wiring); migrations are the release phase's job in production."""
    return build_runtime(settings, use_simulator=use_simulator)


__all__ = ["MODES", "build_runtime_for_serve", "choose_mode", "missing_settings", "require_settings", "use_simulator_from"]
