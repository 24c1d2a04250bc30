"""The group modal's submission: validated in the acknowledgement (Slack shows errors inline)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.present import messages
from bot.present.reply import TextReply
from bot.slack.answers import Answers
from bot.slack.modals import BLOCK_NAME, BLOCK_ROOMS, read_submission
from bot.slack.payload import team_of, user_of
from bot.usecases.context import Caller

logger = logging.getLogger(__name__)


SAVE_TIMEOUT_S = 2.0  # Slack waits 3 s for the acknowledgement that carries field errors


class GroupEditSubmission:
    def __init__(self, *, answers: Answers, timeout_s: float = SAVE_TIMEOUT_S) -> None:
        self._answers = answers
        self._timeout_s = timeout_s
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="roombot-modal")

    def on_group_edit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """Save the group, or keep the modal open with the reason next to the field.

        Saving is one database transaction (well under Slack's 3 s), so it happens before the
        acknowledgement: that is the only moment Slack accepts field errors. It gets
        `SAVE_TIMEOUT_S`: a hung database is told as such, not left to Slack's timeout.
        """
        answers = self._answers
        team_id, user_id = team_of(context), user_of(body)
        group_id, name, room_ids = read_submission(view)
        errors: dict[str, str] = {}
        if not name:
            errors[BLOCK_NAME] = messages.WORDS.slack_modal_name_required
        if not room_ids:
            errors[BLOCK_ROOMS] = messages.WORDS.slack_modal_rooms_required
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            actor = answers.actor(client, context=context, body=body, user_id=user_id)
            saving = self._executor.submit(
                answers.service.save_group,
                Caller(team_id=team_id, user_id=user_id, actor=actor),
                group_id=group_id,
                name=name,
                room_ids=room_ids,
            )
            reply = saving.result(timeout=self._timeout_s)
        except FutureTimeout:
            # A hung database: answer within Slack's 3 s; the save may still finish (one transaction).
            logger.warning("saving a group took over %.1f s; the user is told to check back", self._timeout_s)
            ack(response_action="errors", errors={BLOCK_NAME: messages.WORDS.slack_modal_save_slow})
            return
        except Exception:
            logger.exception("saving a group failed")
            ack(response_action="errors", errors={BLOCK_NAME: messages.WORDS.slack_unexpected_error})
            return
        if isinstance(reply, TextReply) and reply.kind == "error":
            text = reply.text or messages.WORDS.slack_unexpected_error
            # Slack shows field errors as plain text: strip the mrkdwn marks our sentences use.
            plain = text.replace("*", "").replace("`", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            ack(response_action="errors", errors={BLOCK_NAME: plain[:150]})
            return
        ack()
        answers.publish_home(client, team_id=team_id, user_id=user_id)


__all__ = ["GroupEditSubmission"]
