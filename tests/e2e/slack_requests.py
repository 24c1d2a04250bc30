"""Signed Slack requests, built the way Slack sends them (form bodies, JSON events, `payload=` forms)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

# Tests may import the workspace names from here too (ALICE, TEAM).
from tests.e2e.workspace import ALICE as ALICE
from tests.e2e.workspace import CHANNEL, DM
from tests.e2e.workspace import TEAM as TEAM

SIGNING_SECRET = "e2e-signing-secret"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_event_ids = iter(range(1, 1_000_000))


def signed_headers(
    body: str, *, content_type: str | None = None, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers as Slack signs them; the content type is the one Slack sends such a body as unless given."""
    content_type = content_type or (JSON if body.startswith("{") else FORM)
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": signature}


def slash_body(text: str, *, response_url: str, user: str = ALICE, channel: str = CHANNEL, team: str = TEAM) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "e2e",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/rooms",
            "text": text,
            "api_app_id": "A_ROOMBOT",
            "response_url": response_url,
            "trigger_id": "1.2.trigger",
        }
    )


def event_body(event: dict[str, Any], *, event_id: str | None = None, team: str = TEAM) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A_ROOMBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_event_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "UBOT0001", "is_bot": True}],
        }
    )


def mention_event(text: str, *, user: str = ALICE, channel: str = CHANNEL, ts: str = "1700000100.000100") -> dict[str, Any]:
    return {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts, "team": TEAM}


def dm_event(
    text: str, *, user: str = ALICE, channel: str = DM, ts: str = "1700000200.000200", **extra: Any
) -> dict[str, Any]:
    event = {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel, "team": TEAM}
    event.update(extra)
    return event


def payload_body(payload: dict[str, Any]) -> str:
    return "payload=" + quote(json.dumps(payload))


def _sent_by(user: str, team: str, kind: str) -> dict[str, Any]:
    """The fields every interactive payload carries: its type, and who sent it from which workspace."""
    return {
        "type": kind,
        "team": {"id": team, "domain": "e2e"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A_ROOMBOT",
        "token": "legacy-verification-token",
    }


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    response_url: str | None,
    user: str = ALICE,
    channel: str | None = CHANNEL,
    ephemeral: bool = True,
    team: str = TEAM,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        **_sent_by(user, team, "block_actions"),
        "trigger_id": "1.2.trigger",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "x"},
                "value": value,
                "action_ts": "1700000300.000300",
            }
        ],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": "V1"}
        payload["view"] = view
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": "1700000050.000050",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        payload["channel"] = {"id": channel, "name": "general"}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    view: dict[str, Any], values: dict[str, Any], *, user: str = ALICE, team: str = TEAM
) -> dict[str, Any]:
    return {
        **_sent_by(user, team, "view_submission"),
        "trigger_id": "1.2.trigger",
        "view": {**view, "id": "V_MODAL", "team_id": team, "state": {"values": values}},
    }


def block_suggestion_payload(action_id: str, value: str, *, user: str = ALICE, team: str = TEAM) -> dict[str, Any]:
    return {
        **_sent_by(user, team, "block_suggestion"),
        "action_id": action_id,
        "block_id": "group_rooms",
        "value": value,
        "container": {"type": "view", "view_id": "V_MODAL"},
        "view": {"id": "V_MODAL", "type": "modal", "callback_id": "group_edit"},
    }


def signed(
    body: str, *, content_type: str | None = None, timestamp: int | None = None, secret: str = SIGNING_SECRET, **headers: str
) -> BoltRequest:
    all_headers: dict[str, str | Sequence[str]] = dict(
        signed_headers(body, content_type=content_type, timestamp=timestamp, secret=secret)
    )
    all_headers.update({k.replace("_", "-"): v for k, v in headers.items()})
    return BoltRequest(body=body, headers=all_headers)
