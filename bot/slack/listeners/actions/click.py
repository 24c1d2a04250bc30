"""What every button listener shares: the click as read from the payload, the private answer,
and the guard that turns a failure into a friendly message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.present import messages
from bot.present.reply import Reply
from bot.slack.answers import Answers, Message, error_message, with_fresh_block_ids
from bot.slack.delivery import api_error_code, post_to_response_url, report_undelivered
from bot.slack.payload import channel_of, team_in_body, team_of, user_of
from bot.usecases.context import NOBODY_SPECIAL, Actor, Caller

logger = logging.getLogger(__name__)

ButtonListener = Callable[[Ack, dict[str, Any], dict[str, Any], Respond, WebClient, BoltContext], None]
"""A Bolt action listener: Bolt passes each argument by its parameter name."""


@dataclass(frozen=True)
class Click:
    """A button click: who clicked, where, and the button's value (a hint, never authority)."""

    body: dict[str, Any]
    value: str
    respond: Respond
    client: WebClient
    team_id: str
    user_id: str
    channel_id: str | None
    actor: Actor = NOBODY_SPECIAL

    @property
    def user_name(self) -> str:
        """Slack's name for the clicking user (it names them in the DingTalk events they book)."""
        user = self.body.get("user") or {}
        return str(user.get("name") or user.get("username") or self.user_id)

    def caller(self, tz: str) -> Caller:
        """The clicking user, as the service takes them, in their zone."""
        return Caller(team_id=self.team_id, user_id=self.user_id, channel_id=self.channel_id, tz=tz, actor=self.actor)


class ButtonListeners:
    """Base of the button listeners: `clicked` wraps a handler of a `Click` into a Bolt listener."""

    def __init__(self, *, answers: Answers) -> None:
        self._answers = answers

    def clicked(self, name: str, handle: Callable[[Click], None]) -> ButtonListener:
        """A Bolt listener that acknowledges, then reads the click and runs `handle` on the answer
        pool; a failure is logged and the user is told privately, as is a full pool."""

        def listener(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
        ) -> None:
            def read() -> Click:
                # After the ack, on the answer pool: the actor's profile may need a Slack call.
                user_id = user_of(body)
                actor = self._answers.actor(client, context=context, body=body, user_id=user_id)
                return Click(
                    body=body,
                    value=str(action.get("value") or ""),
                    respond=respond,
                    client=client,
                    team_id=self._answers.data_team(context, actor, team_of(context)),
                    user_id=user_id,
                    channel_id=channel_of(body),
                    actor=actor,
                )

            def run() -> None:
                try:
                    handle(read())
                except Exception as exc:
                    self._guard(name, body, respond, client, exc)

            def busy() -> None:
                ack()
                self._answers.work.later(lambda: self._reply(read(), self._answers.busy()))

            self._answers.work.start(run, ack=ack, busy=busy, late=lambda: self._reply(read(), self._answers.busy()))

        listener.__name__ = f"on_{name}"
        return listener

    def _tz(self, click: Click) -> str:
        return self._answers.timezone(click.client, team_id=click.team_id, user_id=click.user_id)

    def _ask(self, click: Click, call: Callable[[Caller], Reply], *, shared: bool = False) -> tuple[Message, Reply | None]:
        """Call the service as the clicking user, in their zone; render its reply (None when it failed)."""
        caller = click.caller(self._tz(click))
        return self._answers.answer(lambda: call(caller), shared=shared)

    def _reply(self, click: Click, message: Message, *, replace: bool = False) -> None:
        """Answer the clicking user: privately next to the message, or in the app's DM from App Home."""
        respond, user_id = click.respond, click.user_id
        if respond.response_url:
            message = with_fresh_block_ids(message) if replace else message
            payload = {**message, "response_type": "ephemeral", "replace_original": replace}
            error = post_to_response_url(respond.response_url, payload)
            if error is None:
                return
            report_undelivered(
                click.client,
                team_id=team_in_body(click.body),
                channel_id=click.channel_id,
                user_id=user_id,
                error=error,
                where="a button",
            )
            return
        try:
            # App Home and modals have no response_url: the app's Messages tab is the user's inbox.
            click.client.chat_postMessage(channel=user_id, text=message["text"], blocks=message["blocks"])
        except SlackApiError as exc:
            logger.warning("could not answer %s: %s", user_id, api_error_code(exc))

    def _guard(self, name: str, body: dict[str, Any], respond: Respond, client: WebClient, exc: Exception) -> None:
        logger.error("action %s failed", name, exc_info=exc)
        try:
            click = Click(
                body=body,
                value="",
                respond=respond,
                client=client,
                team_id="",
                user_id=user_of(body),
                channel_id=channel_of(body),
            )
            self._reply(click, error_message(messages.WORDS.slack_unexpected_error))
        except Exception:
            logger.exception("could not tell the user that %s failed", name)


__all__ = ["ButtonListener", "ButtonListeners", "Click"]
