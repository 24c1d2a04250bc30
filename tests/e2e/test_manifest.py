"""manifest.yml agrees with the app: every declared surface has a listener, and only used scopes are asked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt import App

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import FORM, JSON, event_body, payload_body, signed, slash_body
from tests.e2e.workspace import TEAM

ROOT = Path(__file__).resolve().parents[2]

# Scope each Slack surface or Web API method needs (docs.slack.dev reference pages).
EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.im": "im:history", "app_home_opened": None}
METHOD_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_delete": "chat:write",
    "users_info": ("users:read", "users:read.email"),  # the e-mail: the one-click DingTalk link
    "views_publish": None,
    "views_open": None,
    "views_update": None,
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def minimal_event(name: str) -> dict[str, Any]:
    """The smallest event of a manifest event name (`message.im` is a `message` in an IM)."""
    if name == "message.im":
        return {
            "type": "message",
            "channel_type": "im",
            "channel": "D1",
            "user": "U1",
            "text": "",
            "ts": "1.1",
            "subtype": "x",
        }
    if name == "app_home_opened":
        return {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages"}
    return {"type": name, "user": "U1", "channel": "C1", "text": "", "ts": "1.1", "subtype": "x"}


def test_every_declared_event_has_a_listener(app: App, manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == set(EVENT_SCOPES)
    for name in events:
        response = app.dispatch(signed(event_body(minimal_event(name)), content_type=JSON))
        assert response.status == 200, f"no listener for {name}"


def test_an_undeclared_event_has_no_listener(app: App) -> None:
    # The check above can fail: an event nobody listens to is answered 404 by Bolt.
    response = app.dispatch(signed(event_body(minimal_event("reaction_added")), content_type=JSON))
    assert response.status == 404


def test_every_declared_slash_command_has_a_listener(app: App, manifest: dict[str, Any], fake_slack: FakeSlack) -> None:
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/rooms"]
    for command in commands:
        body = slash_body("help", response_url=fake_slack.response_url()).replace("%2Frooms", command.replace("/", "%2F"))
        assert app.dispatch(signed(body, content_type=FORM)).status == 200
    other = slash_body("help", response_url=fake_slack.response_url()).replace("%2Frooms", "%2Fnot-ours")
    assert app.dispatch(signed(other, content_type=FORM)).status == 404


def test_interactivity_and_options_load_are_on_because_the_app_uses_them(app: App, manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    suggestion = {
        "type": "block_suggestion",
        "team": {"id": TEAM},
        "user": {"id": "U1", "team_id": TEAM},
        "action_id": "rooms",
        "block_id": "group_rooms",
        "value": "zz-no-such-room",
        "view": {"id": "V1", "type": "modal", "callback_id": "group_edit"},
    }
    response = app.dispatch(signed(payload_body(suggestion), content_type=FORM))
    assert response.status == 200
    assert response.body == '{"options": []}'


def test_the_bot_asks_only_for_the_scopes_its_code_uses(manifest: dict[str, Any]) -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "slack").rglob("*.py"))
    used_methods = set(re.findall(r"client\.(\w+)\(", source))
    assert used_methods <= set(METHOD_SCOPES), f"add the scopes of {used_methods - set(METHOD_SCOPES)}"
    needed = {"commands"}
    for method in used_methods:
        scopes = METHOD_SCOPES[method]
        needed |= set(scopes) if isinstance(scopes, tuple) else ({scopes} if scopes else set())
    needed |= {s for e in manifest["settings"]["event_subscriptions"]["bot_events"] if (s := EVENT_SCOPES[e])}
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(needed)


def test_socket_mode_is_the_default_and_home_and_messages_tabs_are_on(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is False
    assert manifest["features"]["bot_user"]["display_name"] == "roombot"
    # Socket Mode: no request URLs may be set (they are comments showing HTTP mode).
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "request_url" not in manifest["settings"]["interactivity"]


def test_procfile_runs_migrations_then_http_and_socket_mode() -> None:
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert lines["release"].strip() == "alembic upgrade head"
    assert "gunicorn" in lines["web"] and "$PORT" in lines["web"] and "bot.slack.wsgi:create_wsgi_app()" in lines["web"]
    assert lines["worker"].strip() == "roombot serve --mode socket"
