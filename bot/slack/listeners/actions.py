"""Buttons: Share in channel, Book, Cancel, Show all, Import groups, and the App Home group buttons.

Button values are hints, never authority: the acting team and user always come from the payload
Bolt verified, and the service re-checks what that user may do (a forged value can at most ask
for something the user could have typed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import messages
from bot.errors import RoomBotError
from bot.slack.answers import (
    ACTION_SHARE,
    MAX_BLOCKS,
    Answers,
    Message,
    api_error_code,
    error_message,
    post_to_response_url,
    report_undelivered,
    without_share_button,
)
from bot.slack.home import ACTION_CREATE_GROUP, ACTION_EDIT_GROUP
from bot.slack.listeners.commands import team_of
from bot.slack.listeners.events import publish_home
from bot.slack.modals import build_group_modal
from bot.slack.notice import answer_with_notice

logger = logging.getLogger(__name__)

# Action ids of buttons rendered elsewhere (bot/slack/blocks.py, the service's ButtonSpecs).
# A suffix (`book:3`, `book-R12`) is accepted so that a message may carry several of them.
ACTION_BOOK = re.compile(r"^book([:._-].*)?$")
ACTION_CANCEL = re.compile(r"^cancel(_booking)?([:._-].*)?$")
ACTION_SHOW_ALL = re.compile(r"^show_all([:._-].*)?$")
ACTION_IMPORT_GROUPS = "import_groups"
MAX_DIRECTORY = 10_000
ACTION_HOME_CREATE_GROUP = ACTION_CREATE_GROUP
ACTION_HOME_EDIT_GROUP = re.compile(rf"^{ACTION_EDIT_GROUP}([:._-].*)?$")


def parse_book_value(value: str) -> tuple[str, datetime, datetime]:
    """(room id, start, end) from a Book button's compact JSON; ValueError when it is not one."""
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("book value is not an object")
    room_id = data.get("room_id") or data.get("room") or data.get("r")
    start_raw = data.get("start") or data.get("s")
    end_raw = data.get("end") or data.get("e")
    if not isinstance(room_id, str) or not isinstance(start_raw, str) or not isinstance(end_raw, str):
        raise ValueError("book value lacks room_id/start/end")
    start = datetime.fromisoformat(start_raw)
    end = datetime.fromisoformat(end_raw)
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValueError("book value has a bad window")
    return room_id, start, end


def idempotency_key(*parts: str) -> str:
    """A stable key per (team, user, room, window, message): a double click books once."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    return channel.get("id") or (body.get("container") or {}).get("channel_id") or None


def is_ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def replaces_original(body: dict[str, Any], reply: object) -> bool:
    """Whether a Book/Cancel answer takes the place of the message that held the button.

    A booking that went through replaces it (public or private), so the room shows as booked
    where it was offered. The "someone just took it" answer replaces only a private message: a
    channel keeps what it was shown. Errors never replace: the user keeps the rooms to pick from.
    """
    from bot.reply import BookingsReply, FindReply

    if from_home(body) or not isinstance(reply, (FindReply, BookingsReply)):
        return False
    if reply.intro_kind == "success":
        return True
    return isinstance(reply, FindReply) and is_ephemeral(body)


class ActionListeners:
    def __init__(self, *, answers: Answers) -> None:
        self._answers = answers

    # --- answering an action ----------------------------------------------------------------

    def _reply(
        self, *, body: dict[str, Any], respond: Respond, client: WebClient, message: Message, replace: bool = False
    ) -> None:
        """Answer the clicking user: privately next to the message, or in the app's DM from App Home."""
        user_id = str(body["user"]["id"])
        if respond.response_url:
            payload = {**message, "response_type": "ephemeral", "replace_original": replace}
            error = post_to_response_url(respond.response_url, payload)
            if error is None:
                return
            team_id = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
            report_undelivered(
                client, team_id=team_id, channel_id=channel_of(body), user_id=user_id, error=error, where="a button"
            )
            return
        try:
            # App Home and modals have no response_url: the app's Messages tab is the user's inbox.
            client.chat_postMessage(channel=user_id, text=message["text"], blocks=message["blocks"])
        except SlackApiError as exc:
            logger.warning("could not answer %s: %s", user_id, api_error_code(exc))

    def _guard(self, name: str, body: dict[str, Any], respond: Respond, client: WebClient, exc: Exception) -> None:
        logger.error("action %s failed", name, exc_info=exc)
        try:
            self._reply(body=body, respond=respond, client=client, message=error_message(messages.slack_unexpected_error()))
        except Exception:
            logger.exception("could not tell the user that %s failed", name)

    # --- Share in channel -------------------------------------------------------------------

    def on_share(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        """Re-ask the question as the clicking user and post the answer for the whole channel."""
        ack()
        try:
            answers = self._answers
            team_id, user_id, channel_id = team_of(context), str(body["user"]["id"]), channel_of(body)
            question = str(action.get("value") or "")
            tz = answers.timezone(client, team_id=team_id, user_id=user_id)
            message, shareable = answers.run(
                lambda: answers.service.handle_text(
                    team_id=team_id, user_id=user_id, channel_id=channel_id, text=question, tz=tz
                )
            )
            if not shareable:  # e.g. DingTalk is down now: tell the user, don't post an error to everyone
                self._reply(body=body, respond=respond, client=client, message=message)
                return
            blocks = without_share_button(message["blocks"])
            credit = {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": messages.slack_shared_by(user_id, question)}],
            }
            if len(blocks) < MAX_BLOCKS:
                blocks = [*blocks, credit]
            response = respond(text=message["text"], blocks=blocks, response_type="in_channel", replace_original=False)
            if response.status_code == 200:
                if is_ephemeral(body):
                    respond(delete_original=True)
            else:
                logger.warning("sharing in %s failed: %s %s", channel_id, response.status_code, response.body)
                self._reply(
                    body=body, respond=respond, client=client, message=error_message(messages.slack_share_unavailable())
                )
        except Exception as exc:
            self._guard("share", body, respond, client, exc)

    # --- Book / Cancel ----------------------------------------------------------------------

    def _answer_in_place(
        self,
        *,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        team_id: str,
        user_id: str,
        private_only: bool,
        work: Callable[[], object],
    ) -> None:
        """Run a Book/Cancel action, answer it (replacing the clicked message when the reply allows),
        and refresh App Home when the button was there."""
        replies: list[object] = []

        def run() -> object:
            reply = work()
            replies.append(reply)
            return reply

        message = self._answers.compute(run)
        replace = replaces_original(body, replies[0] if replies else None)
        if private_only:
            replace = replace and is_ephemeral(body)
        self._reply(body=body, respond=respond, client=client, message=message, replace=replace)
        if from_home(body):
            publish_home(self._answers, client, team_id=team_id, user_id=user_id)

    def on_book(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        try:
            answers = self._answers
            team_id, user = team_of(context), body["user"]
            user_id = str(user["id"])
            try:
                room_id, start, end = parse_book_value(str(action.get("value") or ""))
            except (ValueError, TypeError):
                logger.warning("a Book button with an unreadable value from %s", user_id)
                self._reply(body=body, respond=respond, client=client, message=error_message(messages.slack_stale_button()))
                return
            message_ts = (body.get("container") or {}).get("message_ts")
            key = idempotency_key(team_id, user_id, room_id, start.isoformat(), end.isoformat(), str(message_ts or ""))
            tz = answers.timezone(client, team_id=team_id, user_id=user_id)
            self._answer_in_place(
                body=body,
                respond=respond,
                client=client,
                team_id=team_id,
                user_id=user_id,
                private_only=False,
                work=lambda: answers.service.book(
                    team_id=team_id,
                    user_id=user_id,
                    user_name=str(user.get("name") or user.get("username") or user_id),
                    room_id=room_id,
                    start=start,
                    end=end,
                    idempotency_key=key,
                    channel_id=channel_of(body),
                    message_ts=message_ts,
                    tz=tz,
                ),
            )
        except Exception as exc:
            self._guard("book", body, respond, client, exc)

    def on_cancel(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        try:
            answers = self._answers
            team_id, user_id = team_of(context), str(body["user"]["id"])
            try:
                booking_id = int(str(action.get("value") or "").strip())
            except ValueError:
                self._reply(body=body, respond=respond, client=client, message=error_message(messages.slack_stale_button()))
                return
            tz = answers.timezone(client, team_id=team_id, user_id=user_id)
            # A cancel lists the user's own bookings: it may replace only a private message.
            self._answer_in_place(
                body=body,
                respond=respond,
                client=client,
                team_id=team_id,
                user_id=user_id,
                private_only=True,
                work=lambda: answers.service.cancel(
                    team_id=team_id, user_id=user_id, booking_id=booking_id, is_admin=answers.is_admin(user_id), tz=tz
                ),
            )
        except Exception as exc:
            self._guard("cancel", body, respond, client, exc)

    # --- Show all ---------------------------------------------------------------------------

    def on_show_all(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        """Every room of the same question: replaces a private answer, or comes privately under a public one."""
        ack()
        try:
            answers = self._answers
            team_id, user_id, channel_id = team_of(context), str(body["user"]["id"]), channel_of(body)
            payload = str(action.get("value") or "")
            replace = is_ephemeral(body) and bool(respond.response_url)

            def work() -> Message:
                tz = answers.timezone(client, team_id=team_id, user_id=user_id)
                return answers.compute(
                    lambda: answers.service.show_all(
                        team_id=team_id, user_id=user_id, channel_id=channel_id, payload=payload, tz=tz
                    ),
                    share_question=payload if replace else None,
                )

            def notice() -> bool:
                # Only a private answer may be swapped for the notice; a public one stays as it is.
                if not replace:
                    raise LookupError("no notice under a public message")
                respond(text=messages.slack_looking(), response_type="ephemeral", replace_original=True)
                return True

            def deliver(message: Message, _noticed: bool | None) -> None:
                self._reply(body=body, respond=respond, client=client, message=message, replace=replace)

            answer_with_notice(work, after_s=answers.notice_after_s, post_notice=notice, deliver=deliver)
        except Exception as exc:
            self._guard("show_all", body, respond, client, exc)

    # --- groups -----------------------------------------------------------------------------

    def on_import_groups(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        try:
            answers = self._answers
            team_id, user_id = team_of(context), str(body["user"]["id"])
            message = answers.compute(lambda: answers.service.import_groups(team_id=team_id, user_id=user_id))
            self._reply(body=body, respond=respond, client=client, message=message)
            if from_home(body):
                publish_home(answers, client, team_id=team_id, user_id=user_id)
        except Exception as exc:
            self._guard("import_groups", body, respond, client, exc)

    def on_home_create_group(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self._open_modal(client, body=body, view=build_group_modal(group_id=None))

    def on_home_edit_group(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        answers = self._answers
        team_id, user_id = team_of(context), str(body["user"]["id"])
        try:
            group_id = int(str(action.get("value") or ""))
            group = answers.service.group_for_edit(team_id=team_id, user_id=user_id, group_id=group_id)
            labels = _room_labels(answers, team_id, group.room_ids) if group else {}
        except RoomBotError as exc:  # not theirs, or gone: an expected answer, not a failure
            logger.info("group %s not editable by %s: %s", action.get("value"), user_id, exc)
            group, labels = None, {}
        except Exception:
            logger.exception("could not load a group for editing")
            group, labels = None, {}
        if group is None:
            self._open_modal(client, body=body, view=_notice_modal(messages.slack_modal_group_gone()))
            return
        rooms = [(room_id, labels.get(room_id, room_id)) for room_id in group.room_ids]
        self._open_modal(client, body=body, view=build_group_modal(group_id=group.id, name=group.name, rooms=rooms))

    @staticmethod
    def _open_modal(client: WebClient, *, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            logger.warning("views.open failed: %s", api_error_code(exc))


def _room_labels(answers: Answers, team_id: str, room_ids: tuple[str, ...]) -> dict[str, str]:
    """Directory labels of the group's rooms (an empty query lists the whole synced directory)."""
    wanted = set(room_ids)
    if not wanted:
        return {}
    return {
        room_id: label
        for room_id, label in answers.service.search_rooms(team_id=team_id, query="", limit=MAX_DIRECTORY)
        if room_id in wanted
    }


def _notice_modal(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": messages.slack_modal_title_edit()[:24]},
        "close": {"type": "plain_text", "text": messages.slack_modal_close()[:24]},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def register(app: App, *, answers: Answers) -> None:
    listeners = ActionListeners(answers=answers)
    app.action(ACTION_SHARE)(listeners.on_share)
    app.action(ACTION_BOOK)(listeners.on_book)
    app.action(ACTION_CANCEL)(listeners.on_cancel)
    app.action(ACTION_SHOW_ALL)(listeners.on_show_all)
    app.action(ACTION_IMPORT_GROUPS)(listeners.on_import_groups)
    app.action(ACTION_HOME_CREATE_GROUP)(listeners.on_home_create_group)
    app.action(ACTION_HOME_EDIT_GROUP)(listeners.on_home_edit_group)
