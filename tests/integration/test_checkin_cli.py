"""The command-line contract of check-in: `roombot ask` books, checks in, extends; `roombot jobs run
--once --now ISO` sends what is due then: printed without a Slack bot token, posted to
`SLACK_API_URL` with one. Each command is its own process, as a person or a cron would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.sim import Simulator
from tests.e2e.fake_slack import running_fake_slack
from tests.runtimes import simulator_environ

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parents[2]


class Terminal:
    def __init__(self, sim: Simulator, database_url: str, tmp_path: Path) -> None:
        self.sim = sim
        self.day = sim.today + timedelta(days=1)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL"))
        }
        self.env.update(simulator_environ(sim, database_url), PYTHONPATH=str(REPO), ROOMBOT_DEADLINE_S="3")
        self.cwd = tmp_path

    def at(self, hour: int, minute: int) -> str:
        return datetime.combine(self.day, time(hour, minute), SHANGHAI).isoformat()

    def roombot(self, *argv: str, **env: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", *argv],
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        return proc.stdout

    def ask(self, text: str, *, at: str) -> str:
        return self.roombot("ask", "--user", "U1", "--team", "T1", "--tz", "Asia/Shanghai", "--now", at, text)

    def jobs(self, *, at: str, **env: str) -> str:
        return self.roombot("jobs", "run", "--once", "--now", at, **env)


@pytest.fixture
def terminal(sim: Simulator, database_url: str, tmp_path: Path) -> Iterator[Terminal]:
    terminal = Terminal(sim, database_url, tmp_path)
    terminal.ask("group import", at=terminal.at(19, 0))
    booked = terminal.ask(f"book 3F-Everest {terminal.day:%Y-%m-%d} 20:00-21:00", at=terminal.at(19, 0))
    assert "Booked" in booked, booked
    yield terminal


def test_jobs_print_the_reminder_and_ask_checks_in_so_nothing_is_released(terminal: Terminal) -> None:
    assert "DM to" not in terminal.jobs(at=terminal.at(19, 45))
    printed = terminal.jobs(at=terminal.at(19, 50))
    assert "DM to U1: :alarm_clock: Your booking of “3F-Everest”" in printed
    assert "[Check in]" in printed and "[Release room]" in printed
    assert "<!date^" not in printed  # the terminal shows the tokens' fallback times
    assert "send-reminders: done" in printed and "1 reminder sent" in printed

    assert "Checked in" in terminal.ask("check in", at=terminal.at(20, 5))
    released = terminal.jobs(at=terminal.at(20, 20))
    assert "0 rooms released" in released
    room = next(str(r["roomId"]) for r in terminal.sim.rooms if r["roomName"] == "3F-Everest")
    start = datetime.combine(terminal.day, time(20, 0), SHANGHAI)
    assert len(terminal.sim.schedule(room, start, start + timedelta(hours=1))) == 1


def test_with_a_bot_token_the_jobs_post_the_dms_to_slack(terminal: Terminal) -> None:
    with running_fake_slack() as fake:
        printed = terminal.jobs(at=terminal.at(19, 55), SLACK_BOT_TOKEN=fake.token, SLACK_API_URL=fake.base_url)
        released = terminal.jobs(at=terminal.at(20, 16), SLACK_BOT_TOKEN=fake.token, SLACK_API_URL=fake.base_url)
        dms = fake.calls("chat.postMessage")
    assert "DM to" not in printed + released
    assert [dm.body["channel"] for dm in dms] == ["U1", "U1"]
    assert "3F-Everest" in dms[0].all_text() and "checkin_booking" in dms[0].all_text()
    assert "gave the room back" in dms[1].all_text()
    assert "1 room released; 1 DingTalk call" in released


def test_ask_extends_and_releases(terminal: Terminal) -> None:
    assert "Extended" in terminal.ask("extend 30 min", at=terminal.at(20, 30))
    assert "Ended your meeting" in terminal.ask("release 3F-Everest", at=terminal.at(20, 40))
    assert "ended early" in terminal.ask("my bookings", at=terminal.at(20, 41))
