"""`roombot demo`: a terminal chat on the embedded simulator, as `make demo` starts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_demo(tmp_path: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL"))}
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
