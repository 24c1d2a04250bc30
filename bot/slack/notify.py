"""Telling one user something privately, from background work: a direct message from the bot."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.config import Settings
from bot.present.reply import Reply
from bot.slack.blocks import render


class SlackNotifier:
    """Posts a reply as a DM (`chat.postMessage` to the user's id opens the bot's DM with them).

    One bot token serves the workspace, so `team_id` only names where the user is.
    """

    def __init__(self, *, client: WebClient) -> None:
        self._client = client

    def tell(self, team_id: str, user_id: str, reply: Reply) -> None:
        payload = render(reply)
        self._client.chat_postMessage(channel=user_id, text=payload["text"], blocks=payload["blocks"])


def notifier_for(settings: Settings) -> SlackNotifier | None:
    """A notifier for the configured bot token, or None when Slack is not configured."""
    if not settings.slack_bot_token:
        return None
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return SlackNotifier(client=WebClient(token=settings.slack_bot_token, base_url=base_url, timeout=10))


__all__ = ["SlackNotifier", "notifier_for"]
