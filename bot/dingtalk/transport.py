"""Sending one DingTalk API call: token, rate limit, retries, error mapping, logging.

The endpoint modules describe a call as a `Call` and hand it to `Transport.send`, which
- takes a slot from the per-API rate limiter,
- sends the app token from the token provider (in a header on the new-style host, in the
  query string on the old-style oapi host),
- turns error replies into the exceptions of `bot.errors` (the table is in `bot.dingtalk.wire`),
- asks the `RetryPolicy` after each failed attempt whether and when to try again, within the
  call's deadline,
- logs method, path, status, code, requestid and duration at DEBUG, never a token or secret.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import quote

import httpx

from bot.dingtalk import wire
from bot.dingtalk.ratelimit import RateLimiter
from bot.dingtalk.retry import Failure, RetryPolicy, RetryState
from bot.errors import DingTalkError, MalformedReply, Throttled, UpstreamUnavailable

TOKEN_HEADER = "x-acs-dingtalk-access-token"

AuthMode = Literal["header", "query", "none"]
_E = TypeVar("_E", bound=DingTalkError)


class TokenProvider(Protocol):
    """Where the transport gets the app's access token (`bot.dingtalk.auth.TokenCache`)."""

    def get(self, deadline: float) -> str:
        """A valid token, fetched before `deadline` (monotonic seconds) if none is cached."""
        ...

    def invalidate(self, token: str) -> None:
        """DingTalk refused `token`: do not hand it out again."""
        ...


@dataclass(frozen=True)
class Call:
    """One DingTalk API call, as an endpoint method describes it.

    Attributes:
        api: the API's name: its rate-limit bucket (DingTalk limits calls per API).
        method, url: the HTTP method and the full URL.
        params: query parameters.
        json_body: the JSON body, if any.
        headers: extra headers (such as `x-client-token`).
        auth: how the token is sent: a header (new-style host), the `access_token` query
            parameter (old-style oapi host), or not at all (the token endpoints themselves).
        oapi: the reply is an old-style `{errcode, errmsg, ...}` body, answered with HTTP 200
            even for errors.
        idempotent: whether the call may be sent again after a failure that leaves it unknown
            whether DingTalk acted (a timeout after sending, a 5xx); None means "only for GET".
    """

    api: str
    method: str
    url: str
    params: Mapping[str, str | int] | None = None
    json_body: object = None
    headers: Mapping[str, str] | None = None
    auth: AuthMode = "header"
    oapi: bool = False
    idempotent: bool | None = None

    @property
    def quota_counted(self) -> bool:
        """Whether DingTalk counts the call toward the organisation's monthly quota.

        The calendar and rooms APIs (the new-style host, token in a header) count; the token
        endpoints and the old-style contact look-ups are exempt.
        """
        return self.auth == "header"

    @property
    def repeatable(self) -> bool:
        """Whether repeating the call after an ambiguous failure is safe."""
        return self.method == "GET" if self.idempotent is None else self.idempotent


class _AuthRejected(Exception):
    """DingTalk refused the token we sent (400 InvalidAuthentication, 401, oapi errcode 40014/88)."""

    def __init__(self, error: DingTalkError) -> None:
        super().__init__(str(error))
        self.error = error


class Cancelled(UpstreamUnavailable):
    """Another part of the same question already failed; this part stops early."""


def path_segment(value: str) -> str:
    """One URL path segment: event ids are base64 and may hold '/', '+' or '='."""
    if not value:
        raise ValueError("an empty id cannot be used in a DingTalk path")
    return quote(value, safe="")


_QUERY_TOKEN = re.compile(r"(access_token=)[^&\s\"']+")


class _RedactQueryToken(logging.Filter):
    """httpx logs each request URL at INFO; the oapi host takes the token in the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _QUERY_TOKEN.sub(r"\1***", str(arg)) if "access_token=" in str(arg) else arg for arg in record.args
            )
        elif isinstance(record.msg, str) and "access_token=" in record.msg:
            record.msg = _QUERY_TOKEN.sub(r"\1***", record.msg)
        return True


_redaction_lock = threading.Lock()


def _install_httpx_redaction() -> None:
    with _redaction_lock:
        httpx_logger = logging.getLogger("httpx")
        if not any(isinstance(f, _RedactQueryToken) for f in httpx_logger.filters):
            httpx_logger.addFilter(_RedactQueryToken())


class Transport:
    """Sends `Call`s to DingTalk for one app and returns the decoded JSON replies.

    Args:
        tokens: the token provider.
        secrets: the texts to scrub from errors (app secrets, suite tickets, recent tokens).
        limiter: the per-API rate limiter.
        retry: the retry policy.
        http_client: an httpx.Client to use; the transport makes (and closes) its own when None,
            sized for `connections` calls in flight.
        deadline_s: total time for one call, retries included, when the caller gives no deadline.
        timeout_s: time for one HTTP request.
        clock: a monotonic clock in seconds; sleep: how to wait. Both injectable for tests.
        logger: where request lines go (DEBUG).
        counter: called with the API's name before every attempt of a quota-counted call
            (retries count too: DingTalk counts every request it receives).
    """

    def __init__(
        self,
        *,
        tokens: TokenProvider,
        secrets: Callable[[], Iterable[str]],
        limiter: RateLimiter,
        retry: RetryPolicy,
        http_client: httpx.Client | None = None,
        connections: int = 20,
        deadline_s: float = 20.0,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        logger: logging.Logger | None = None,
        counter: Callable[[str], None] | None = None,
    ) -> None:
        self._tokens = tokens
        self._counter = counter
        self._secrets = secrets
        self._limiter = limiter
        self._retry = retry
        self._own_http = http_client is None
        self._http = http_client or httpx.Client(
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=max(100, connections * 2), max_keepalive_connections=max(20, connections)),
        )
        self._deadline_s = deadline_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._sleep = sleep
        self._log = logger or logging.getLogger("bot.dingtalk")
        _install_httpx_redaction()

    def close(self) -> None:
        """Close the HTTP client if this transport made it."""
        if self._own_http:
            self._http.close()

    def new_deadline(self) -> float:
        """The deadline of a call (or of a question made of several calls) that starts now."""
        return self._clock() + self._deadline_s

    def send(
        self,
        call: Call,
        *,
        deadline: float | None = None,
        abort: threading.Event | None = None,
        state: RetryState | None = None,
    ) -> Any:
        """Send `call`, retrying as the policy says until `deadline`; return the decoded JSON.

        Args:
            deadline: when the call must be over (monotonic seconds); `deadline_s` from now by default.
            abort: set by another part of the same question that failed; the call stops at its
                next attempt with `Cancelled`.
            state: the caller's record of the attempts, to read afterwards (for example whether
                an earlier attempt may have been carried out).
        """
        if deadline is None:
            deadline = self.new_deadline()
        if state is None:
            state = RetryState()
        path = httpx.URL(call.url).path
        while True:
            if abort is not None and abort.is_set():
                raise Cancelled("cancelled: another part of the question failed")
            if self._clock() >= deadline:
                raise state.last_error or UpstreamUnavailable(f"deadline reached before calling {path}")
            token = self._tokens.get(deadline) if call.auth != "none" else None
            self._limiter.acquire(call.api)
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise state.last_error or Throttled(f"deadline reached waiting for the rate limit of {call.api}")
            if self._counter is not None and call.quota_counted:
                self._counter(call.api)
                # Counting is a database write: another part of the question may have failed meanwhile.
                if abort is not None and abort.is_set():
                    raise Cancelled("cancelled: another part of the question failed")
            began = time.perf_counter()
            try:
                response = self._http.request(
                    call.method,
                    call.url,
                    params=self._query(call, token) or None,
                    json=call.json_body,
                    headers=self._headers(call, token),
                    timeout=min(self._timeout_s, remaining),
                )
            except httpx.TransportError as exc:
                self._log.debug("DingTalk %s %s -> %s after %.0f ms", call.method, path, type(exc).__name__, _ms(began))
                # A request that never connected was not acted on; anything later is ambiguous.
                delivered = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                failure = Failure(self._transport_error(exc), delivered=delivered)
            else:
                try:
                    return self._interpret(response, call, path, began)
                except _AuthRejected as rejected:
                    failure = Failure(self.clean(rejected.error), auth_rejected=True, token_sent=token is not None)
                except DingTalkError as exc:
                    failure = Failure(self.clean(exc))
            state.record(failure)
            decision = self._retry.decide(state, failure, repeatable=call.repeatable, deadline=deadline)
            if decision.refresh_token and token is not None:
                state.token_refreshed = True
                self._tokens.invalidate(token)
                continue
            if not decision.retry:
                if decision.out_of_time:
                    self._log.info(
                        "DingTalk %s %s: giving up at the deadline after %d attempts", call.method, path, state.attempt + 1
                    )
                raise failure.error
            self._log.debug(
                "DingTalk %s %s: retry %d in %.2f s (%s)",
                call.method,
                path,
                state.attempt + 1,
                decision.delay_s,
                failure.error.code,
            )
            state.last_error = failure.error
            self._sleep(decision.delay_s)
            state.attempt += 1

    @staticmethod
    def _headers(call: Call, token: str | None) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if call.headers:
            headers.update(call.headers)
        if token is not None and call.auth == "header":
            headers[TOKEN_HEADER] = token
        return headers

    @staticmethod
    def _query(call: Call, token: str | None) -> dict[str, str | int]:
        query: dict[str, str | int] = dict(call.params or {})
        if token is not None and call.auth == "query":
            query["access_token"] = token
        return query

    def _interpret(self, response: httpx.Response, call: Call, path: str, began: float) -> Any:
        status = response.status_code
        header_request_id = response.headers.get("x-acs-request-id", "")
        body: Any = None
        decoded = True
        if response.content:
            try:
                body = response.json()
            except ValueError:
                decoded = False
        if 200 <= status < 300:
            if not decoded:
                self._log_line(call.method, path, status, "malformed", header_request_id, began)
                raise MalformedReply("reply is not JSON", code="malformed", request_id=header_request_id, status=status)
            if wire.is_flood_reply(body):
                # The IP flood limit says so with HTTP 200: throttling, to back off from and retry.
                self._log_line(call.method, path, status, "IpFlowLimit", header_request_id, began)
                raise wire.error_from_body(status, body)
            if call.oapi:
                return self._interpret_oapi(body, call.method, path, status, began)
            self._log_line(call.method, path, status, "", header_request_id, began)
            return body
        error = wire.error_from_body(status, body if decoded else None)
        if not error.request_id and header_request_id:
            error.request_id = header_request_id
        self._log_line(call.method, path, status, error.code, error.request_id, began)
        if status == 401 or error.code in wire.AUTH_CODES:
            raise _AuthRejected(error)
        raise error

    def _interpret_oapi(self, body: Any, method: str, path: str, status: int, began: float) -> Any:
        if (
            not isinstance(body, Mapping)
            or isinstance(body.get("errcode"), bool)
            or not isinstance(body.get("errcode"), int)
        ):
            self._log_line(method, path, status, "malformed", "", began)
            raise MalformedReply(f"{path} reply has no errcode", code="malformed", status=status)
        errcode = int(body["errcode"])
        request_id = str(body.get("request_id") or "")
        self._log_line(method, path, status, str(errcode), request_id, began)
        if errcode == 0:
            return body
        error = wire.oapi_error(errcode, str(body.get("errmsg") or ""), request_id, status)
        if errcode in wire.OAPI_AUTH_ERRCODES:
            raise _AuthRejected(error)
        raise error

    def _log_line(self, method: str, path: str, status: int, code: str, request_id: str, began: float) -> None:
        self._log.debug(
            "DingTalk %s %s -> %d %s requestid=%s %.0f ms", method, path, status, code or "ok", request_id or "-", _ms(began)
        )

    def _transport_error(self, exc: httpx.TransportError) -> UpstreamUnavailable:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
        return self.clean(UpstreamUnavailable(f"DingTalk {kind} ({type(exc).__name__})", code=type(exc).__name__))

    def clean(self, error: _E) -> _E:
        """Make sure no secret or token found its way into the error's text."""
        text = str(error)
        secrets = [s for s in self._secrets() if s and (s in text or s in error.message)]
        if secrets:
            for secret in secrets:
                error.message = error.message.replace(secret, "***")
                text = text.replace(secret, "***")
            error.args = (text,)
        return error


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000


__all__ = ["TOKEN_HEADER", "AuthMode", "Call", "Cancelled", "TokenProvider", "Transport", "path_segment"]
