"""HTTP mode: a WSGI application with `POST /slack/events`, `GET /healthz` and `POST /dingtalk/callback`.

gunicorn target (the Procfile's `web:`): `gunicorn 'bot.slack.wsgi:create_wsgi_app()'`.
`/slack/events` goes to Bolt's WSGI handler, which verifies Slack's signature and timestamp
(requests older than five minutes are refused) before any listener runs. `/healthz` answers 200
when the database and a DingTalk token are reachable, else 503, with a JSON body naming each
check (never a secret). The checks get `ROOMBOT_HEALTH_TIMEOUT_S`: a hung database makes
`/healthz` say 503 at once, not after the database's own timeouts (`bot.slack.health`).
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NoReturn, Protocol
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings
from bot.errors import CallbackRejected, ConfigError, StoreUnavailable
from bot.slack.app import create_app
from bot.slack.boot import build_runtime_for_serve, require_settings, use_simulator_from
from bot.slack.health import BoundedHealth
from bot.slack.work import BoundedWork, Held

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
DINGTALK_CALLBACK_PATH = "/dingtalk/callback"
MAX_CALLBACK_BYTES = 64 * 1024


class DingTalkCallback(Protocol):
    def __call__(self, *, signature: str, timestamp: str, nonce: str, body: bytes) -> dict[str, str] | None: ...


class RoombotWSGI:
    """Routes `/healthz` itself and everything else to Bolt's handler (which owns `/slack/events`)."""

    def __init__(
        self,
        *,
        app: App,
        health: Callable[[], dict[str, bool]],
        on_close: Callable[[], None] | None = None,
        dingtalk_callback: DingTalkCallback | None = None,
        work: BoundedWork | None = None,
    ) -> None:
        """`work`: the app's answer pool; given, a request's answers start once its ack is written."""
        self.app = app
        self._work = work
        self._dingtalk_callback = dingtalk_callback
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self._health = health
        self._on_close = on_close

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            return self._healthz(start_response)
        if environ.get("PATH_INFO") == DINGTALK_CALLBACK_PATH and environ.get("REQUEST_METHOD") == "POST":
            return self._dingtalk(environ, start_response)
        if not _plausible_timestamp(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")):
            # slack_sdk's verifier calls int() on the header: "soon" would be a 500 with a traceback.
            return self._refuse(start_response)
        if environ.get("REQUEST_METHOD") == "POST":
            body = _read_body(environ)
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                # Bolt decodes the body before checking the signature: bad bytes would be a 500 and a
                # traceback. Slack always sends UTF-8, so this is no request of Slack's.
                logger.warning(
                    "refused a %d-byte request to %s: its body is not UTF-8",
                    len(body),
                    str(environ.get("PATH_INFO", ""))[:64],
                )
                return self._bad_request(start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        if self._work is None:
            return self._slack(environ, start_response)
        with self._work.holding() as held:
            try:
                response = self._slack(environ, start_response)
            except BaseException:
                held.release()
                raise
        return _ThenRelease(response, held)

    @staticmethod
    def _bad_request(start_response: StartResponse) -> Iterable[bytes]:
        body = json.dumps({"error": "the body is not UTF-8"}).encode()
        start_response("400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def _refuse(start_response: StartResponse) -> Iterable[bytes]:
        """The answer Bolt gives a request it cannot verify."""
        body = json.dumps({"error": "invalid request"}).encode()
        start_response("401 Unauthorized", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _dingtalk(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """DingTalk's HTTP event callback (the suite ticket push): signed and encrypted both ways."""
        query = {key: values[0] for key, values in parse_qs(str(environ.get("QUERY_STRING") or "")).items()}
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(max(length, 0), MAX_CALLBACK_BYTES)) if length else b""
        status, payload = "404 Not Found", {"error": "no DingTalk callback is configured"}
        if self._dingtalk_callback is not None:
            try:
                reply = self._dingtalk_callback(
                    signature=query.get("signature") or query.get("msg_signature") or "",
                    timestamp=query.get("timestamp") or "",
                    nonce=query.get("nonce") or "",
                    body=body,
                )
            except CallbackRejected as exc:
                logger.warning("DingTalk callback refused (%s)", exc.what)
                status, payload = "403 Forbidden", {"error": "invalid request"}
            except Exception:
                logger.exception("DingTalk callback failed")
                status, payload = "500 Internal Server Error", {"error": "internal error"}
            else:
                if reply is not None:
                    status, payload = "200 OK", reply
        data = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def _healthz(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            checks = {name: bool(ok) for name, ok in self._health().items()}
        except Exception:
            logger.exception("health check failed")
            checks = {"database": False, "dingtalk": False}
        ok = all(checks.values())
        body = json.dumps({"ok": ok, **checks}).encode()
        status = "200 OK" if ok else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()


class _ThenRelease:
    """A response body that starts the request's held answers once the server has sent it.

    WSGI servers call `close()` after writing the body, and also when writing it failed.
    """

    def __init__(self, body: Iterable[bytes], held: Held) -> None:
        self._body = body
        self._held = held

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        self._held.release()


def _read_body(environ: WSGIEnvironment) -> bytes:
    """The request body, as much as `Content-Length` says (nothing when it is missing or not a number)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    data: bytes = environ["wsgi.input"].read(length)
    return data


def _plausible_timestamp(value: object) -> bool:
    """A missing header is Bolt's to refuse; a present one must be plain digits (Unix seconds)."""
    if value is None:
        return True
    text = str(value)
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


def create_wsgi_app(settings: Settings | None = None, *, environ: dict[str, str] | None = None) -> RoombotWSGI:
    """Build the whole runtime for HTTP mode and return its WSGI callable.

    Args:
        settings: defaults to `Settings.from_env(os.environ)`.
        environ: where `ROOMBOT_USE_SIMULATOR` is read (defaults to `os.environ`).

    Raises:
        ConfigError: naming what is missing (`SLACK_BOT_TOKEN`, `SLACK_SIGNING_SECRET`, DingTalk).
    """
    env: dict[str, str] = dict(os.environ if environ is None else environ)
    settings = settings or Settings.from_env(env)
    use_simulator = use_simulator_from(env)
    require_settings(settings, mode="http", use_simulator=use_simulator)
    try:
        runtime = build_runtime_for_serve(settings, use_simulator=use_simulator)
    except (ConfigError, StoreUnavailable) as exc:
        _cannot_boot(exc)
    work = BoundedWork.for_settings(runtime.settings)
    try:
        app = create_app(settings=runtime.settings, service=runtime.service, work=work)
    except ConfigError as exc:
        work.close()
        runtime.close()
        _cannot_boot(exc)
    except BaseException:
        work.close()
        runtime.close()
        raise
    health = BoundedHealth(runtime.service.health, timeout_s=settings.health_timeout_s)

    def close() -> None:
        health.close()
        work.close()
        runtime.close()

    return RoombotWSGI(
        app=app, health=health, on_close=close, dingtalk_callback=runtime.service.dingtalk_callback, work=work
    )


def _cannot_boot(exc: Exception) -> NoReturn:
    """One line instead of a traceback; exit code 3 tells gunicorn's arbiter the worker cannot boot,
    so it stops instead of restarting the worker in a loop."""
    print(f"roombot: {exc}", file=sys.stderr)
    raise SystemExit(3) from exc


__all__ = ["DINGTALK_CALLBACK_PATH", "EVENTS_PATH", "HEALTH_PATH", "RoombotWSGI", "create_wsgi_app"]
