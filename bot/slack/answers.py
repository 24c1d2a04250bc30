"""Shared plumbing of the listeners: time zones, safe calls into the service, rendering.

Listeners stay thin: they read who is acting from the payload, call the service through
`Answers.compute` (which never raises and never lets a stack trace reach a user), and post the
rendered message where it belongs.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.present import messages
from bot.present.actions import SHARE, share_value
from bot.present.reply import FindReply, Reply
from bot.slack.blocks import render
from bot.slack.delivery import api_error_code
from bot.slack.home import build_home_error_view, build_home_view
from bot.slack.notice import answer_with_notice
from bot.slack.payload import acting_team, installing_team
from bot.slack.ports import SlackService
from bot.slack.work import InlineWork, Work
from bot.usecases.context import Actor, Profile

logger = logging.getLogger(__name__)

R = TypeVar("R")
H = TypeVar("H")

Message = dict[str, Any]
"""A Slack message body: {"text": fallback, "blocks": [...]}."""

MAX_BLOCKS = 50
MAX_ACTIONS_ELEMENTS = 25


def error_message(text: str) -> Message:
    """A plain message for failures no other sentence covers."""
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def render_reply(reply: Reply, *, shared: bool = False) -> Message:
    """A service reply as a Slack message body; `shared` for a message a whole channel sees."""
    return dict(render(reply, shared=shared))


def with_fresh_block_ids(message: Message) -> Message:
    """The same message with new block ids, for one that replaces another.

    Slack keeps a block's state (a picked option, a pressed button) by block id across a
    replacement; new ids make the replacement start clean.
    """
    salt = secrets.token_hex(3)
    blocks = [
        {**block, "block_id": f"{block['block_id']}.{salt}"[:255]} if block.get("block_id") else block
        for block in message.get("blocks") or []
    ]
    return {**message, "blocks": blocks}


def is_shareable(reply: Reply) -> bool:
    """Answers worth showing a channel: availability answers (not errors, help, group chores, or the
    answer to a booking, which a re-asked question would turn into a second booking)."""
    return isinstance(reply, FindReply) and reply.intro_kind != "success" and not reply.acted


def with_share_button(message: Message, question: str) -> Message:
    """Append a "Share in channel" button; the value is only the question, re-asked by whoever clicks."""
    value = share_value(question)
    if value is None:
        return message
    button = {
        "type": "button",
        "action_id": SHARE.id(),
        "text": {"type": "plain_text", "text": messages.WORDS.slack_share_button},
        "accessibility_label": messages.WORDS.slack_share_button,
        "value": value,
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
            elements = [e for e in block.get("elements", []) if not SHARE.matches(str(e.get("action_id", "")))]
            if not elements:
                continue
            block = {**block, "elements": elements}
        cleaned.append(block)
    return cleaned


class Answers:
    """The service, the settings and the notice delay, as the listeners use them."""

    def __init__(
        self, *, service: SlackService, settings: Settings, notice_after_s: float, work: Work | None = None
    ) -> None:
        self.service = service
        self.settings = settings
        self.notice_after_s = notice_after_s
        self.work: Work = work if work is not None else InlineWork()

    @property
    def deadline_s(self) -> float:
        """How long an answer may take before the user is told it took too long."""
        return self.settings.answer_deadline_s

    def within_deadline(
        self,
        work: Callable[[], R],
        *,
        notice: Callable[[], H],
        deliver: Callable[[R, H | None], None],
        too_slow: Callable[[], R],
    ) -> None:
        """Compute an answer and deliver it: a "Looking…" notice first when it is slow, and
        `too_slow()`'s answer instead when it takes longer than the deadline."""
        answer_with_notice(
            work,
            after_s=self.notice_after_s,
            post_notice=notice,
            deliver=deliver,
            deadline_s=self.deadline_s,
            on_deadline=too_slow,
        )

    @staticmethod
    def too_slow() -> Message:
        return error_message(messages.slack_too_slow())

    @staticmethod
    def busy() -> Message:
        return error_message(messages.slack_busy())

    def timezone(self, client: WebClient, *, team_id: str, user_id: str) -> str:
        """The user's IANA zone: cached by the service, fetched with users.info when stale."""

        def fetch() -> str | None:
            tz = (_user_info(client, user_id) or {}).get("tz")
            return tz if isinstance(tz, str) and tz else None

        try:
            return self.service.resolve_timezone(team_id=team_id, user_id=user_id, fetch=fetch)
        except Exception:
            logger.exception("could not resolve the time zone of %s", user_id)
            return self.settings.default_tz

    def compute(self, call: Callable[[], Reply], *, share_question: str | None = None) -> Message:
        """Call the service and render its reply; any failure becomes a friendly message."""
        message, reply = self.answer(call)
        if share_question is not None and reply is not None and is_shareable(reply):
            message = with_share_button(message, share_question)
        return message

    def answer(self, call: Callable[[], Reply], *, shared: bool = False) -> tuple[Message, Reply | None]:
        """Like `compute`, also returning the reply (None when the service failed)."""
        try:
            reply = call()
            message = render_reply(reply, shared=shared and is_shareable(reply))
        except Exception:
            logger.exception("the service failed to answer")
            return error_message(messages.WORDS.slack_unexpected_error), None
        return message, reply

    def actor(self, client: WebClient, *, context: BoltContext, body: dict[str, Any], user_id: str) -> Actor:
        """Who acts: a guest when the payload's team for them is not the installing team; their
        Slack profile (admin or owner, home team, e-mail) fetched once, and only if a decision needs it."""
        home = installing_team(context)
        theirs = acting_team(body)
        fetched: list[Profile | None] = []

        def profile() -> Profile | None:
            if not fetched:
                fetched.append(self._profile(client, user_id))
            return fetched[0]

        return Actor(external=bool(home and theirs and theirs != home), profile=profile)

    @staticmethod
    def data_team(context: BoltContext, actor: Actor, team_id: str) -> str:
        """Whose rooms and groups a request reads: a guest from another organisation asks in the
        installing workspace's channel, so they see (at most) that workspace's data, never their own."""
        return installing_team(context) if actor.external else team_id

    @staticmethod
    def _profile(client: WebClient, user_id: str) -> Profile | None:
        user = _user_info(client, user_id)
        if user is None:
            # Unknown means "no special rights": nobody becomes an admin because Slack failed.
            return None
        team = user.get("team_id")
        email = (user.get("profile") or {}).get("email")
        return Profile(
            is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            team_id=team if isinstance(team, str) and team else None,
            email=email if isinstance(email, str) and email else None,
        )

    def is_admin(self, user_id: str, actor: Actor | None = None) -> bool:
        """An admin: named in `ROOMBOT_ADMIN_USER_IDS`, or a Slack workspace admin or owner."""
        if user_id in self.settings.admin_user_ids:
            return True
        profile = actor.lookup() if actor is not None else None
        return profile is not None and profile.is_admin

    def publish_home(self, client: WebClient, *, team_id: str, user_id: str) -> None:
        """Build and publish the user's Home tab; a failure still publishes a friendly view."""
        try:
            tz = self.timezone(client, team_id=team_id, user_id=user_id)
            model = self.service.home(team_id=team_id, user_id=user_id, tz=tz)
            view = build_home_view(model)
        except Exception:
            logger.exception("building the Home tab failed")
            view = build_home_error_view(messages.WORDS.slack_unexpected_error)
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            logger.warning("views.publish failed for %s: %s", user_id, api_error_code(exc))


def _user_info(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """Slack's `users.info` user object; None when Slack refuses (the refusal is logged)."""
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as exc:
        logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return None
    return response.get("user") or {}


__all__ = [
    "Answers",
    "Message",
    "error_message",
    "is_shareable",
    "render_reply",
    "with_fresh_block_ids",
    "with_share_button",
    "without_share_button",
]
