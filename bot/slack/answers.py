"""Shared plumbing of the listeners: time zones, safe calls into the service, rendering.

Listeners stay thin: they read who is acting from the payload, call the service through
`Answers.compute` (which never raises and never lets a stack trace reach a user), and post the
rendered message where it belongs.
"""

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

from bot import messages
from bot.config import Settings
from bot.slack.ports import SlackService

logger = logging.getLogger(__name__)

Message = dict[str, Any]
"""A Slack message body: {"text": fallback, "blocks": [...]}."""

ACTION_SHARE = "share"
MAX_BLOCKS = 50
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_VALUE = 2000


def error_message(text: str) -> Message:
    """A plain message for failures no other sentence covers."""
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def render_reply(reply: object) -> Message:
    """Render a service reply with the Block Kit presenter (imported lazily: it is someone else's module)."""
    from bot.slack.blocks import render

    message: Message = dict(render(reply))  # type: ignore[arg-type]
    return message


def is_shareable(reply: object) -> bool:
    """Answers worth showing a channel: availability answers (not errors, help or group chores)."""
    from bot.reply import FindReply

    return isinstance(reply, FindReply)


def with_share_button(message: Message, question: str) -> Message:
    """Append a "Share in channel" button; the value is only the question, re-asked by whoever clicks."""
    if not question or len(question) > MAX_BUTTON_VALUE:
        return message
    button = {
        "type": "button",
        "action_id": ACTION_SHARE,
        "text": {"type": "plain_text", "text": messages.slack_share_button()},
        "value": question,
    }
    blocks = list(message.get("blocks") or [])
    last = blocks[-1] if blocks else None
    if last is not None and last.get("type") == "actions" and len(last.get("elements", [])) < MAX_ACTIONS_ELEMENTS:
        blocks[-1] = {**last, "elements": [*last["elements"], button]}
    elif len(blocks) < MAX_BLOCKS:
        blocks.append({"type": "actions", "block_id": "roombot_share", "elements": [button]})
    else:
        return message
    return {**message, "blocks": blocks}


def without_share_button(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same blocks with the share button removed (for the copy posted in the channel)."""
    cleaned: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements", []) if e.get("action_id") != ACTION_SHARE]
            if not elements:
                continue
            block = {**block, "elements": elements}
        cleaned.append(block)
    return cleaned


class Answers:
    """The service, the settings and the notice delay, as the listeners use them."""

    def __init__(self, *, service: SlackService, settings: Settings, notice_after_s: float) -> None:
        self.service = service
        self.settings = settings
        self.notice_after_s = notice_after_s

    def timezone(self, client: WebClient, *, team_id: str, user_id: str) -> str:
        """The user's IANA zone: cached by the service, fetched with users.info when stale."""

        def fetch() -> str | None:
            try:
                response = client.users_info(user=user_id)
            except SlackApiError as exc:
                logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
                return None
            user = response.get("user") or {}
            tz = user.get("tz")
            return tz if isinstance(tz, str) and tz else None

        try:
            return self.service.resolve_timezone(team_id=team_id, user_id=user_id, fetch=fetch)
        except Exception:
            logger.exception("could not resolve the time zone of %s", user_id)
            return self.settings.default_tz

    def compute(self, call: Callable[[], object], *, share_question: str | None = None) -> Message:
        """Call the service and render its reply; any failure becomes a friendly message."""
        message, shareable = self.run(call)
        if share_question is not None and shareable:
            message = with_share_button(message, share_question)
        return message

    def run(self, call: Callable[[], object]) -> tuple[Message, bool]:
        """Like `compute`, also saying whether the answer is worth sharing in a channel."""
        try:
            reply = call()
            message = render_reply(reply)
        except Exception:
            logger.exception("the service failed to answer")
            return error_message(messages.slack_unexpected_error()), False
        return message, is_shareable(reply)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.settings.admin_user_ids


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


def send_to_response_url(response_url: str, message: Message, *, max_retries: int = 2) -> WebhookResponse:
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


def api_error_code(exc: SlackApiError) -> str:
    """Slack's error string (e.g. `channel_not_found`), for logs and for the user."""
    try:
        return str(exc.response.get("error") or "unknown_error")
    except Exception:  # pragma: no cover - a malformed response object
        return "unknown_error"


__all__ = [
    "ACTION_SHARE",
    "Answers",
    "Message",
    "api_error_code",
    "error_message",
    "is_shareable",
    "render_reply",
    "report_undelivered",
    "post_to_response_url",
    "send_to_response_url",
    "webhook_error_code",
    "with_share_button",
    "without_share_button",
]
