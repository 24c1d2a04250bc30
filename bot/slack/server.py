"""`roombot serve`: run the Slack app in Socket Mode or as an HTTP (WSGI) server under gunicorn.

Socket Mode when `SLACK_APP_TOKEN` is set (no public URL; the Procfile's `worker:`), HTTP on
`$PORT` otherwise (the Procfile's `web:` runs gunicorn on `bot.slack.wsgi:create_wsgi_app()`
directly). The configuration is read once at start; when it is incomplete the command prints one
line naming what is missing and exits with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any

from bot import messages
from bot.config import Settings
from bot.errors import ConfigError, StoreUnavailable

if TYPE_CHECKING:
    from bot.wiring import Runtime

logger = logging.getLogger(__name__)

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
        raise ConfigError(messages.serve_no_dingtalk(), variable="DINGTALK_APP_KEY")


def use_simulator_from(environ: Mapping[str, str]) -> bool:
    return environ.get("ROOMBOT_USE_SIMULATOR", "").strip().lower() in {"1", "true", "yes", "on"}


def build_runtime_for_serve(settings: Settings, *, use_simulator: bool) -> Runtime:
    """The shared composition root (bot.wiring); migrations are the release phase's job in production."""
    from bot.wiring import build_runtime

    return build_runtime(settings, use_simulator=use_simulator)


def run(args: argparse.Namespace, *, environ: Mapping[str, str] | None = None) -> int:
    """Entry point of `roombot serve`; returns the exit code."""
    env = os.environ if environ is None else environ
    try:
        settings = Settings.from_env(env)
        mode = choose_mode(settings, getattr(args, "mode", None) or "auto")
        use_simulator = use_simulator_from(env)
        require_settings(settings, mode=mode, use_simulator=use_simulator)
    except ConfigError as exc:
        text = str(exc)
        print(text if text.startswith("roombot serve") else f"roombot serve: {text}", file=sys.stderr)
        return 2
    if mode == "socket":
        return _run_socket_mode(settings, use_simulator=use_simulator)
    return _run_http(settings, environ=env)


def _run_socket_mode(settings: Settings, *, use_simulator: bool) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.jobs.host import start_background
    from bot.slack.app import create_app

    try:
        runtime = build_runtime_for_serve(settings, use_simulator=use_simulator)
    except (ConfigError, StoreUnavailable) as exc:
        print(f"roombot serve: {exc}", file=sys.stderr)
        return 2
    # The worker is long-lived, so it also runs the background jobs unless ROOMBOT_RUN_JOBS_IN_WORKER is off.
    jobs = start_background(runtime) if settings.run_jobs_in_worker else None
    try:
        try:
            app = create_app(settings=runtime.settings, service=runtime.service)
        except ConfigError as exc:
            print(f"roombot serve: {exc}", file=sys.stderr)
            return 2
        handler = SocketModeHandler(app, app_token=settings.slack_app_token)
        _exit_on_sigterm()
        logger.info("roombot: Socket Mode connecting")
        print(f"roombot serve: {messages.serve_socket_connecting()}", file=sys.stderr)
        handler.start()  # type: ignore[no-untyped-call]  # blocks until the process is told to stop
    finally:
        if jobs is not None:
            jobs.stop()
        runtime.close()
    return 0


def _run_http(settings: Settings, *, environ: Mapping[str, str]) -> int:
    from gunicorn.app.base import BaseApplication

    from bot.slack.wsgi import create_wsgi_app

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        """gunicorn in-process: one worker (processes hold no shared state, but one scheduler), threads for Bolt."""

        def __init__(self, options: dict[str, Any], factory: Callable[[], Any]) -> None:
            self._options = options
            self._factory = factory
            super().__init__()

        def load_config(self) -> None:
            for key, value in self._options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # Built in the worker, after the fork: database pools and HTTP clients are not shared across a fork.
            return self._factory()

    options = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": 8,
        "timeout": 0,
        "accesslog": "-",
    }
    print(f"roombot serve: {messages.serve_http_listening(settings.port)}", file=sys.stderr)
    _Gunicorn(options, lambda: create_wsgi_app(settings, environ=dict(environ))).run()
    return 0


def _exit_on_sigterm() -> None:
    """Platforms stop a worker with SIGTERM: turn it into a normal exit so the runtime closes."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


__all__ = ["MODES", "choose_mode", "missing_settings", "require_settings", "run"]
