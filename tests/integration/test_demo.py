"""`roombot demo`: a terminal chat on the embedded simulator, as `make demo` starts it."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.console import run_demo as run_demo_in_process
from bot.sim import data


def run_demo(tmp_path: Path, lines: list[str], **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL"))}
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input="\n".join(lines) + "\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_demo_greets_answers_and_says_goodbye(tmp_path: Path) -> None:
    result = run_demo(tmp_path, ["free rooms tomorrow 2-3pm", "show all", "groups", "flibber", "quit"])

    assert result.returncode == 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "simulated DingTalk organisation" in result.stdout
    assert "book <room> tomorrow" in result.stdout and "&lt;" not in result.stdout  # the terminal shows text as is
    assert "Free rooms" in result.stdout
    assert "Searched" in result.stdout
    assert "Your room groups" in result.stdout
    assert "didn't understand" in result.stdout
    assert result.stdout.rstrip().endswith("Bye!")
    # The demo keeps its data in a file of its own, never in the database a deployment would use.
    assert (tmp_path / "roombot-demo.db").exists()
    assert not (tmp_path / "roombot.db").exists()


def test_the_demo_ends_cleanly_at_end_of_input(tmp_path: Path) -> None:
    result = run_demo(tmp_path, ["help"])
    assert result.returncode == 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "Bye!" in result.stdout


def test_the_demo_shows_the_simulated_dingtalk_message_that_carries_a_link_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link needs the code DingTalk delivers; the demo prints what the simulator delivered."""
    for name in [k for k in os.environ if k.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL"))]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    mobile = data.build_users(7)[1].mobile  # a colleague of the demo organisation (seed 7)

    def read(prompt: str) -> str:
        # Type the code back once DingTalk (simulated) has shown it, as a person would.
        codes = re.findall(r"simulated work notification\] .*?(\d{6})", out.getvalue())
        if "Linked!" in out.getvalue():
            raise EOFError
        return f"link {codes[-1]}" if codes else f"link {mobile}"

    args = build_parser().parse_args(["demo"])
    assert run_demo_in_process(args, read=read, out=out, err=io.StringIO()) == 0
    shown = out.getvalue()
    assert "I sent a 6-digit code" in shown
    assert "Linked!" in shown


def test_refresh_in_the_terminal_asks_again_only_when_the_data_is_old_enough(tmp_path: Path) -> None:
    result = run_demo(tmp_path, ["free rooms tomorrow 2-3pm", "refresh", "quit"])

    assert result.returncode == 0, result.stderr
    assert "[Refresh]" in result.stdout  # the terminal's Refresh button: type `refresh`
    assert result.stdout.count("· checked just now") == 2  # the age under each answer
    # Seconds-old data is not worth a DingTalk call: the answer says so and keeps the call.
    assert "recently enough: I saved the DingTalk call" in result.stdout


def test_refresh_in_the_terminal_fetches_again_past_the_minimum_age(tmp_path: Path) -> None:
    result = run_demo(tmp_path, ["free rooms tomorrow 2-3pm", "refresh", "quit"], ROOMBOT_REFRESH_MIN_AGE_S="0")

    assert result.returncode == 0, result.stderr
    assert "recently enough" not in result.stdout
    assert result.stdout.count("· checked just now") == 2  # the age under each answer
