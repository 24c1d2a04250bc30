"""Starting the Slack app: a refused token is named in one line; an unreachable Slack is not fatal."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.slack.app import create_app
from bot.slack.wsgi import create_wsgi_app
from bot.wiring import Runtime
from tests.e2e.fake_slack import FakeSlack


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_token_slack_refuses_is_named(settings: Settings, runtime: Runtime) -> None:
    wrong = replace(settings, slack_bot_token="xoxb-wrong-token")
    with pytest.raises(ConfigError) as caught:
        create_app(settings=wrong, service=runtime.service)
    assert caught.value.variable == "SLACK_BOT_TOKEN"
    assert "xoxb-wrong-token" not in str(caught.value)


def test_the_app_starts_when_slack_cannot_be_reached_and_says_so(
    settings: Settings, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = replace(settings, slack_api_url=f"http://127.0.0.1:{closed_port()}/api/")
    with caplog.at_level(logging.WARNING, logger="bot.slack.app"):
        app = create_app(settings=unreachable, service=runtime.service)
    assert app is not None
    assert any("cannot reach Slack" in record.getMessage() for record in caplog.records)


def test_the_gunicorn_factory_stops_cleanly_on_a_refused_token(
    settings: Settings, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = replace(settings, slack_bot_token="xoxb-wrong-token")
    with pytest.raises(SystemExit) as caught:
        create_wsgi_app(wrong, environ={})
    # 3 is gunicorn's "worker failed to boot": the arbiter stops instead of restarting in a loop.
    assert caught.value.code == 3
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "Traceback" not in err and "xoxb-wrong-token" not in err


def test_the_gunicorn_factory_stops_cleanly_when_the_database_is_unreachable(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    unreachable = replace(settings, database_url=f"postgresql+psycopg://roombot:pw-123@127.0.0.1:{closed_port()}/x")
    with pytest.raises(SystemExit) as caught:
        create_wsgi_app(unreachable, environ={})
    assert caught.value.code == 3
    err = capsys.readouterr().err
    assert "cannot reach the database" in err and "pw-123" not in err and "Traceback" not in err
