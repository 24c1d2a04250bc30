"""Book and Cancel buttons: the answer replaces the clicked message when the reply allows, and the
Home tab is refreshed when the button was there."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from bot.present import messages
from bot.present.actions import BookValue, InviteValue, parse_book_value, parse_cancel_value, parse_invite_value
from bot.present.reply import BookingsReply, FindReply, MeetReply, Reply
from bot.slack.answers import MAX_BLOCKS, error_message
from bot.slack.delivery import api_error_code
from bot.slack.direct import send_direct_messages
from bot.slack.listeners.actions.click import ButtonListeners, Click
from bot.slack.payload import from_home, is_ephemeral
from bot.usecases.bookings.rules import booking_key
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import Caller
from bot.usecases.people import Invitees

logger = logging.getLogger(__name__)

Wanted = TypeVar("Wanted", BookValue, InviteValue)


def replaces_original(body: dict[str, Any], reply: Reply | None) -> bool:
    """Whether a Book/Cancel answer takes the place of the message that held the button.

    Only a private message is ever replaced: the answer (a confirmation with a Cancel button, or
    "someone just took it") is the clicker's own, so under a public message it comes privately
    and the channel keeps what it was shown. Errors never replace: the user keeps the rooms to
    pick from.
    """
    if from_home(body) or not is_ephemeral(body) or not isinstance(reply, (FindReply, BookingsReply, MeetReply)):
        return False
    return reply.intro_kind == "success" or isinstance(reply, FindReply)


class BookingButtons(ButtonListeners):
    def book(self, click: Click) -> None:
        wanted = self._read(click, parse_book_value, "a Book button")
        if wanted is None:
            return
        ask = _ask_of(click, wanted)
        service = self._answers.service
        self._answer_in_place(click, private_only=False, call=lambda caller: service.book(_named(click, caller), ask))

    def book_invite(self, click: Click) -> None:
        """Book and invite: the room, and an event in the clicker's own name inviting the people;
        the answer replaces the question, and each invited person gets a DM in their own zone."""
        wanted = self._read(click, parse_invite_value, "a Book and invite button")
        if wanted is None:
            return
        ask = _ask_of(click, wanted)
        invitees = Invitees(people=wanted.people, optional_people=wanted.optional_people, video=wanted.video)
        service = self._answers.service
        message, reply = self._ask(click, lambda caller: service.book_and_invite(_named(click, caller), ask, invitees))
        self._reply(click, message, replace=replaces_original(click.body, reply))
        send_direct_messages(self._answers, click.client, team_id=click.team_id, reply=reply)

    def _read(self, click: Click, parse: Callable[[str], Wanted], what: str) -> Wanted | None:
        """What the button asks for; None (and the user told the button is stale) when it cannot be read."""
        try:
            return parse(click.value)
        except (ValueError, TypeError):
            logger.warning("%s with an unreadable value from %s", what, click.user_id)
            self._reply(click, error_message(messages.WORDS.slack_stale_button))
            return None

    def cancel(self, click: Click) -> None:
        try:
            booking_id = parse_cancel_value(click.value)
        except ValueError:
            self._reply(click, error_message(messages.WORDS.slack_stale_button))
            return
        answers = self._answers
        is_admin = answers.is_admin(click.user_id, click.actor)
        # A cancel lists the user's own bookings: it may replace only a private message.
        self._answer_in_place(
            click, private_only=True, call=lambda caller: answers.service.cancel(caller, booking_id, is_admin=is_admin)
        )

    def _answer_in_place(self, click: Click, *, private_only: bool, call: Callable[[Caller], Reply]) -> None:
        """Run a Book/Cancel action, answer it (replacing the clicked message when the reply allows),
        and refresh App Home when the button was there."""
        message, reply = self._ask(click, call)
        replace = replaces_original(click.body, reply)
        self._reply(click, message, replace=replace)
        if not private_only and not is_ephemeral(click.body) and _booked(reply):
            self._note_on_public(click)
        if from_home(click.body):
            self._answers.publish_home(click.client, team_id=click.team_id, user_id=click.user_id)

    def _note_on_public(self, click: Click) -> None:
        """The public message keeps its rooms and gains one neutral line: who booked from it."""
        message = click.body.get("message") or {}
        ts = message.get("ts") or (click.body.get("container") or {}).get("message_ts")
        if not click.channel_id or not ts or not isinstance(message.get("blocks"), list):
            return
        line = {
            "type": "context",
            "block_id": f"roombot_booked_{click.user_id}_{ts}"[:255],
            "elements": [{"type": "mrkdwn", "text": messages.slack_booked_by(click.user_id)}],
        }
        blocks = [b for b in message["blocks"] if b.get("block_id") != line["block_id"]]
        if len(blocks) >= MAX_BLOCKS:
            return
        try:
            click.client.chat_update(
                channel=click.channel_id, ts=str(ts), text=str(message.get("text") or ""), blocks=[*blocks, line]
            )
        except SlackApiError as exc:
            logger.info("could not note the booking on the public message: %s", api_error_code(exc))


def _ask_of(click: Click, wanted: BookValue | InviteValue) -> BookingAsk:
    """The booking a button asks for, with the message it was on."""
    # One key per logical booking, whichever message the button is on: a double click, a
    # retried delivery or a click on an older answer all meet on the same booking.
    key = booking_key(click.team_id, click.user_id, wanted.room_id, wanted.start, wanted.end)
    message_ts = (click.body.get("container") or {}).get("message_ts")
    return BookingAsk(room_id=wanted.room_id, start=wanted.start, end=wanted.end, idempotency_key=key, message_ts=message_ts)


def _named(click: Click, caller: Caller) -> Caller:
    """The booker with Slack's name for them, which names them in the DingTalk event."""
    return replace(caller, user_name=click.user_name)


def _booked(reply: Reply | None) -> bool:
    return isinstance(reply, (FindReply, BookingsReply)) and reply.intro_kind == "success"


__all__ = ["BookingButtons", "replaces_original"]
