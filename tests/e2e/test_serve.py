"""`roombot serve` refuses to start with an incomplete configuration, naming what is missing."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import build_parser
from bot.config import Settings
from bot.slack.boot import choose_mode
from bot.slack.server import run

DINGTALK = {"DINGTALK_APP_KEY": "k", "DINGTALK_APP_SECRET": "s", "DINGTALK_OPERATOR_UNION_ID": "u"}


def serve(environ: dict[str, str], *argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


@pytest.mark.parametrize(
    ("environ", "argv", "named"),
    [
        ({**DINGTALK}, (), "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"),  # HTTP mode by default
        ({**DINGTALK, "SLACK_BOT_TOKEN": "xoxb-1"}, (), "SLACK_SIGNING_SECRET"),
        ({**DINGTALK, "SLACK_APP_TOKEN": "xapp-1"}, (), "SLACK_BOT_TOKEN"),  # an app token means Socket Mode
        ({**DINGTALK, "SLACK_BOT_TOKEN": "xoxb-1"}, ("--mode", "socket"), "SLACK_APP_TOKEN"),
    ],
)
def test_missing_slack_settings_are_named_and_exit_2(
    environ: dict[str, str], argv: tuple[str, ...], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(serve(environ, *argv), environ=environ) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err
    assert "Traceback" not in err
    assert "xoxb-1" not in err and "xapp-1" not in err


def test_missing_dingtalk_credentials_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-secret-value"}
    assert run(serve(environ), environ=environ) == 2
    err = capsys.readouterr().err
    assert "DINGTALK_APP_KEY" in err and "ROOMBOT_USE_SIMULATOR" in err
    assert "xapp-secret-value" not in err


def test_an_invalid_setting_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"PORT": "http", "SLACK_BOT_TOKEN": "xoxb-1"}
    assert run(serve(environ), environ=environ) == 2
    err = capsys.readouterr().err
    assert err.startswith("roombot serve: PORT") and err.count("\n") == 1


def test_the_mode_follows_the_app_token_unless_forced() -> None:
    assert choose_mode(Settings(slack_app_token="xapp-1")) == "socket"
    assert choose_mode(Settings()) == "http"
    assert choose_mode(Settings(slack_app_token="xapp-1"), "http") == "http"
