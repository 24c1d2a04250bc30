"""Group buttons: import the channel's groups, and App Home's Create and Edit (which open the modal)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import RoomBotError
from bot.present import messages
from bot.present.actions import parse_group_value
from bot.slack.answers import Answers
from bot.slack.delivery import api_error_code
from bot.slack.listeners.actions.click import ButtonListeners, Click
from bot.slack.modals import build_group_modal
from bot.slack.payload import from_home, team_of, user_of
from bot.usecases.context import Caller

logger = logging.getLogger(__name__)

MAX_DIRECTORY = 10_000


class GroupButtons(ButtonListeners):
    def import_groups(self, click: Click) -> None:
        answers = self._answers
        message = answers.compute(
            lambda: answers.service.import_groups(team_id=click.team_id, user_id=click.user_id, actor=click.actor)
        )
        self._reply(click, message)
        if from_home(click.body):
            answers.publish_home(click.client, team_id=click.team_id, user_id=click.user_id)

    def on_home_create_group(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        self._answers.work.start(
            lambda: self._open_modal(client, body=body, view=build_group_modal(group_id=None)), ack=ack, busy=ack
        )

    def on_home_edit_group(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        self._answers.work.start(lambda: self._edit_group(body, action, client, context), ack=ack, busy=ack)

    def _edit_group(self, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        answers = self._answers
        team_id, user_id = team_of(context), user_of(body)
        try:
            group_id = parse_group_value(str(action.get("value") or ""))
            actor = answers.actor(client, context=context, body=body, user_id=user_id)
            group = answers.service.group_for_edit(Caller(team_id=team_id, user_id=user_id, actor=actor), group_id)
            labels = _room_labels(answers, team_id, group.room_ids) if group else {}
        except RoomBotError as exc:  # not theirs, or gone: an expected answer, not a failure
            logger.info("group %s not editable by %s: %s", action.get("value"), user_id, exc)
            group, labels = None, {}
        except Exception:
            logger.exception("could not load a group for editing")
            group, labels = None, {}
        if group is None:
            self._open_modal(client, body=body, view=_notice_modal(messages.WORDS.slack_modal_group_gone))
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
        "title": {"type": "plain_text", "text": messages.WORDS.slack_modal_title_edit[:24]},
        "close": {"type": "plain_text", "text": messages.WORDS.slack_modal_close[:24]},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


__all__ = ["GroupButtons"]
