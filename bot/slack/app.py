"""The Bolt app factory: settings + service in, a fully wired `slack_bolt.App` out.

Nothing here runs at import time. `create_app` builds the `WebClient` (base URL from
`SLACK_API_URL`, so tests point it at a local fake Web API) with retry handlers for rate limits,
server errors and dropped connections, installs the event de-duplication middleware and
registers every listener.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.errors import ConfigError
from bot.slack.listeners import register_listeners
from bot.slack.middleware import EventDeduplication
from bot.slack.ports import SlackService
from bot.slack.work import BoundedWork, InlineWork, Work

logger = logging.getLogger(__name__)

DEFAULT_NOTICE_AFTER_S = 1.0
"""How long an answer may take before the user sees "Looking…" (the issue: "about one second")."""


def make_web_client(settings: Settings, *, timeout_s: float = 10.0, max_retries: int = 2) -> WebClient:
    """A WebClient for the bot token that retries 429 (honouring Retry-After), 5xx and connection errors.

    Args:
        settings: `slack_bot_token` and `slack_api_url` are used.
        timeout_s: per-request timeout.
        max_retries: retries per failure kind; each rate-limit retry sleeps as long as Slack asks.
    """
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return WebClient(
        token=settings.slack_bot_token,
        base_url=base_url,
        timeout=int(timeout_s),
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


def create_app(
    *,
    settings: Settings,
    service: SlackService,
    client: WebClient | None = None,
    process_before_response: bool = False,
    token_verification_enabled: bool = True,
    notice_after_s: float = DEFAULT_NOTICE_AFTER_S,
    work: Work | None = None,
) -> App:
    """Build the Bolt app over `service`.

    Args:
        settings: bot token, signing secret (HTTP mode; Socket Mode needs none), API base URL.
        service: the use cases (`bot.service.RoomService` or anything with the same methods).
        client: a prepared WebClient; by default one from `make_web_client(settings)`.
        process_before_response: True runs listeners before the HTTP answer (FaaS, and tests
            that want `dispatch()` to return only after the work is done).
        token_verification_enabled: False skips the `auth.test` call at construction.
        notice_after_s: answers slower than this show "Looking…" first.
        work: where answers are computed after the ack. By default a `BoundedWork` sized by
            `ROOMBOT_SLACK_WORKERS` and `ROOMBOT_SLACK_QUEUE`, or, with `process_before_response`,
            the request's own thread.
    """
    web_client = client if client is not None else make_web_client(settings)
    if work is None:
        work = InlineWork() if process_before_response else BoundedWork.for_settings(settings)

    def build(verify: bool) -> App:
        return App(
            client=web_client,
            # Bolt wants a non-empty secret only when it verifies a request; Socket Mode never does.
            signing_secret=settings.slack_signing_secret or "",
            # Listeners only acknowledge and hand the answer to `work`, so Bolt runs them in the
            # request's thread; Bolt's own small listener pool would otherwise queue acks behind answers.
            process_before_response=True,
            token_verification_enabled=verify,
            # Bolt's default also logs a full traceback for unhandled requests; one warning is enough.
            raise_error_for_unhandled_request=False,
            logger=logging.getLogger("bot.slack.bolt"),
        )

    try:
        app = build(token_verification_enabled)
    except BoltError as exc:
        # auth.test answered, with an error: the token itself is wrong. Say which setting to fix.
        raise ConfigError(
            "Slack refused SLACK_BOT_TOKEN (auth.test failed); check the Bot User OAuth Token", variable="SLACK_BOT_TOKEN"
        ) from exc
    except OSError as exc:
        # Slack unreachable at start: keep serving; Bolt checks the token again on the first request.
        logger.warning(
            "cannot reach Slack at %s to check SLACK_BOT_TOKEN (%s); will check on the first request",
            web_client.base_url,
            type(exc).__name__,
        )
        app = build(False)
    app.use(EventDeduplication(service=service, timeout_s=settings.event_dedup_timeout_s))
    register_listeners(app, service=service, settings=settings, notice_after_s=notice_after_s, work=work)
    return app


__all__ = ["DEFAULT_NOTICE_AFTER_S", "create_app", "make_web_client"]
