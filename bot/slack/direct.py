"""Direct messages a reply asks for: "please link your account", "you are invited".

Each person reads the time in their own Slack zone. A DM that cannot be sent is logged and
skipped: the answer to the person who asked never depends on it.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.present import messages
from bot.present.reply import DirectMessage, MeetReply, Reply
from bot.slack.answers import Answers
from bot.slack.delivery import api_error_code

logger = logging.getLogger(__name__)


def send_direct_messages(answers: Answers, client: WebClient, *, team_id: str, reply: Reply | None) -> int:
    """Send the DMs of `reply` (if any); how many went out. Never raises."""
    if not isinstance(reply, MeetReply):
        return 0
    sent = 0
    for dm in reply.direct_messages:
        try:
            text = _text(answers, client, team_id=team_id, dm=dm)
            client.chat_postMessage(channel=dm.user_id, text=text, blocks=[_section(text)])
            sent += 1
        except SlackApiError as exc:
            logger.warning("could not DM %s: %s", dm.user_id, api_error_code(exc))
        except Exception:
            logger.exception("could not DM %s", dm.user_id)
    return sent


def _text(answers: Answers, client: WebClient, *, team_id: str, dm: DirectMessage) -> str:
    if dm.kind == "link" or dm.start is None or dm.end is None:
        return messages.meet_link_dm(dm.organizer_id)
    tz = answers.timezone(client, team_id=team_id, user_id=dm.user_id)
    zone = ZoneInfo(tz)
    return messages.meet_invited_dm(
        dm.organizer_id,
        dm.room_name,
        dm.start.astimezone(zone),
        dm.end.astimezone(zone),
        tz=tz,
        video_url=dm.video_url,
        in_dingtalk=dm.in_dingtalk,
    )


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


__all__ = ["send_direct_messages"]
