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
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.util.utils import get_boot_message

from bot.config import Settings
from bot.errors import ConfigError, StoreUnavailable
from bot.jobs.host import start_background
from bot.present import messages
from bot.slack.app import create_app, make_web_client
from bot.slack.boot import build_runtime_for_serve, choose_mode, require_settings, use_simulator_from
from bot.slack.delivery import SlackDirectMessages, dm_sender
from bot.slack.httpserver import gunicorn_options, settle_long_lived_objects
from bot.slack.wsgi import create_wsgi_app

logger = logging.getLogger(__name__)


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
    try:
        runtime = build_runtime_for_serve(settings, use_simulator=use_simulator)
    except (ConfigError, StoreUnavailable) as exc:
        print(f"roombot serve: {exc}", file=sys.stderr)
        return 2
    # The worker is long-lived, so it also runs the background jobs unless ROOMBOT_RUN_JOBS_IN_WORKER is off.
    jobs = None
    if settings.run_jobs_in_worker:
        notifier = SlackDirectMessages(client=make_web_client(settings))
        # The quota watch tells the admins through the bot's own Slack client.
        notify = dm_sender(make_web_client(settings)) if settings.slack_bot_token else None
        jobs = start_background(runtime, notifier=notifier, notify_admin=notify)
    try:
        try:
            app = create_app(settings=runtime.settings, service=runtime.service)
        except ConfigError as exc:
            print(f"roombot serve: {exc}", file=sys.stderr)
            return 2
        handler = SocketModeHandler(app, app_token=settings.slack_app_token)
        settle_long_lived_objects()
        _exit_on_sigterm()
        logger.info("roombot: Socket Mode connecting")
        print(f"roombot serve: {messages.WORDS.serve_socket_connecting}", file=sys.stderr)
        _serve_socket_mode(app, handler)
    finally:
        if jobs is not None:
            jobs.stop()
        runtime.close()
    return 0


def _serve_socket_mode(app: App, handler: SocketModeHandler) -> None:
    """What `SocketModeHandler.start` does, through its typed client: connect, say so, block until stopped."""
    socket = handler.client  # the Socket Mode connection, not the Web API client
    socket.connect()
    boot = get_boot_message()
    if app.logger.level > logging.INFO:
        print(boot)
    else:
        app.logger.info(boot)
    if sys.platform == "win32":
        # Ctrl+C does not interrupt a wait on Windows unless SIGINT has its default handler.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    threading.Event().wait()


def _run_http(settings: Settings, *, environ: Mapping[str, str]) -> int:
    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        """gunicorn in-process, configured as the Procfile's `web:` (`bot.slack.httpserver.gunicorn_options`)."""

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

    options = gunicorn_options(settings)
    print(f"roombot serve: {messages.serve_http_listening(settings.port)}", file=sys.stderr)
    _Gunicorn(options, lambda: create_wsgi_app(settings, environ=dict(environ))).run()
    return 0


def _exit_on_sigterm() -> None:
    """Platforms stop a worker with SIGTERM: turn it into a normal exit so the runtime closes."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


__all__ = ["run"]
