"""Delivering an answer: posting to a `response_url` with retries, and telling the user privately
when Slack refused an answer for good."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.config import Settings
from bot.present import messages
from bot.present.reply import TextReply
from bot.slack.blocks import render

logger = logging.getLogger(__name__)


class _AnyServerError(ServerErrorRetryHandler):
    """Retries every 5xx (the built-in handler only retries 500 and 503)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


def send_to_response_url(response_url: str, message: dict[str, Any], *, max_retries: int = 2) -> WebhookResponse:
    """POST `message` to a `response_url`, retrying 429 (after Retry-After), 5xx and dropped connections.

    Bolt's own `respond` tries once; an answer lost to a passing hiccup is an answer never seen.
    """
    webhook = WebhookClient(
        url=response_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            _AnyServerError(max_retry_count=max_retries),
        ],
    )
    return webhook.send_dict(message)


def webhook_error_code(response: WebhookResponse) -> str:
    """A short code for a refused response_url post: Slack's own word for a 4xx (`expired_url`…), else `http_<status>`."""
    body = (response.body or "").strip()
    if 400 <= response.status_code < 500 and body and len(body) <= 64 and body.replace("_", "").isalnum():
        return body
    return f"http_{response.status_code}"


def post_to_response_url(response_url: str, message: dict[str, Any]) -> str | None:
    """Post to a response_url (with retries): None when Slack took it, else a short error code."""
    try:
        response = send_to_response_url(response_url, message)
    except Exception as exc:  # connection failures that outlasted the retries
        return type(exc).__name__
    return None if response.status_code == 200 else webhook_error_code(response)


def report_undelivered(
    client: WebClient, *, team_id: str, channel_id: str | None, user_id: str, error: str, where: str
) -> None:
    """An answer Slack refused for good: log it with its context, then tell the user privately.

    Private means an ephemeral message in the channel, or a DM from the app when the app cannot
    post there (`not_in_channel`, `channel_not_found`, a closed conversation).
    """
    logger.warning(
        "could not deliver the answer to %s: team=%s channel=%s user=%s error=%s",
        where,
        team_id,
        channel_id or "-",
        user_id,
        error,
    )
    text = messages.slack_post_failed(error)
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
            return
        except SlackApiError as exc:
            logger.info("ephemeral notice to %s in %s failed (%s); sending a DM", user_id, channel_id, api_error_code(exc))
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        logger.error(
            "the user never got the answer: team=%s channel=%s user=%s error=%s, and the DM failed too: %s",
            team_id,
            channel_id or "-",
            user_id,
            error,
            api_error_code(exc),
        )


class SlackDirectMessages:
    """The jobs' direct messages (reminders, releases) through the Web API.

    `chat.postMessage` with the user's id as the channel lands in the app's DM with them. A
    refusal raises, so the reminder sweep can undo its claim and try again next run.
    """

    def __init__(self, *, client: WebClient) -> None:
        self._client = client

    def notify(self, *, team_id: str, user_id: str, reply: TextReply) -> None:
        message = render(reply)
        self._client.chat_postMessage(channel=user_id, text=message["text"], blocks=message["blocks"])


class SlackNotifier:
    """Tells a user something after the fact (the reconciler's final answers).

    In the thread of the message the booking came from when there is one, so the answer sits
    under the question; else, or when Slack refuses the thread (an ephemeral message has none,
    the app left the channel), by DM.
    """

    def __init__(self, *, client: WebClient) -> None:
        self._client = client

    def tell(self, *, team_id: str, user_id: str, channel_id: str | None, thread_ts: str | None, text: str) -> bool:
        if channel_id and thread_ts:
            try:
                self._client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=f"<@{user_id}> {text}")
                return True
            except SlackApiError as exc:
                logger.info(
                    "could not answer %s in the thread in %s (%s); sending a DM", user_id, channel_id, api_error_code(exc)
                )
            except Exception as exc:  # a connection failure outlasting the client's retries
                logger.info(
                    "could not answer %s in the thread in %s (%s); sending a DM", user_id, channel_id, type(exc).__name__
                )
        try:
            self._client.chat_postMessage(channel=user_id, text=text)
            return True
        except SlackApiError as exc:
            logger.warning(
                "could not tell %s of team %s the outcome of a booking: %s", user_id, team_id, api_error_code(exc)
            )
            return False
        except Exception as exc:  # a connection failure outlasting the client's retries
            logger.warning("could not reach Slack to tell %s the outcome of a booking: %s", user_id, type(exc).__name__)
            return False


def slack_notifier(settings: Settings) -> SlackNotifier | None:
    """A notifier on the bot token (None without one: nobody can be told, and answers stay owed)."""
    if not settings.slack_bot_token:
        return None
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            _AnyServerError(max_retry_count=2),
        ],
    )
    return SlackNotifier(client=client)


def dm_sender(client: WebClient) -> Callable[[str, str], None]:
    """Sends a DM (mrkdwn text) to a Slack user through the bot's WebClient: for jobs that tell admins something."""

    def send(user_id: str, text: str) -> None:
        client.chat_postMessage(channel=user_id, text=text)

    return send


def api_error_code(exc: SlackApiError) -> str:
    """Slack's error string (e.g. `channel_not_found`), for logs and for the user."""
    try:
        return str(exc.response.get("error") or "unknown_error")
    except Exception:  # pragma: no cover - a malformed response object
        return "unknown_error"


__all__ = [
    "SlackDirectMessages",
    "SlackNotifier",
    "slack_notifier",
    "dm_sender",
    "api_error_code",
    "post_to_response_url",
    "report_undelivered",
    "send_to_response_url",
    "webhook_error_code",
]
