"""`roombot ask` end to end: a real process, real HTTP to the simulator, a real database.

The simulator runs in the test process, so `/_sim/stats` tells how many DingTalk calls each
question cost. Expected verdicts come from the simulator's own calendar (`sim.schedule`), an
oracle independent of roombot's availability code.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.sim import Simulator
from tests.runtimes import simulator_environ

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = "2026-11-24T09:00:00+08:00"  # a Tuesday morning
REPO = Path(__file__).resolve().parents[2]


class Asker:
    """Runs `roombot ask` against one simulator and one database, like a user at a terminal."""

    def __init__(self, sim: Simulator, database_url: str, tmp_path: Path) -> None:
        self.sim = sim
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL"))
        }
        self.env.update(simulator_environ(sim, database_url), ROOMBOT_DEADLINE_S="3")
        self.cwd = tmp_path

    def run(self, text: str, *, now: str = NOW, json_output: bool = True, **env: str) -> tuple[int, str, str]:
        args = [sys.executable, "-m", "bot.cli", "ask", "--tz", "Asia/Shanghai", "--now", now]
        args += ["--user", "U1", "--team", "T1"]
        if json_output:
            args.append("--json")
        proc = subprocess.run(
            [*args, text], cwd=self.cwd, env={**self.env, **env}, capture_output=True, text=True, timeout=120
        )
        return proc.returncode, proc.stdout, proc.stderr

    def ask(self, text: str, **kwargs: Any) -> dict[str, Any]:
        code, out, err = self.run(text, **kwargs)
        assert "Traceback" not in out + err
        message: dict[str, Any] = json.loads(out)
        message["exit_code"] = code
        return message

    def schedule_calls(self) -> int:
        return self.sim.stats().get("schedules", 0)


@pytest.fixture
def asker(sim: Simulator, database_url: str, tmp_path: Path) -> Iterator[Asker]:
    yield Asker(sim, database_url, tmp_path)


def all_text(message: dict[str, Any]) -> str:
    """Every piece of text in a Slack message: the fallback and all blocks."""
    return message["text"] + "\n" + json.dumps(message["blocks"], ensure_ascii=False)


def room_block(message: dict[str, Any], room_name: str) -> str:
    for block in message["blocks"]:
        text = json.dumps(block, ensure_ascii=False)
        if block.get("type") == "section" and f"*{room_name}*" in text:
            return text
    raise AssertionError(f"no block shows {room_name}")


def test_a_fresh_database_is_set_up_from_the_command_line(asker: Asker) -> None:
    first = asker.ask("free rooms tomorrow 2-3pm")
    assert "no room groups yet" in first["text"]
    assert "Import DingTalk groups" in all_text(first)

    imported = asker.ask("group import")
    assert "Imported" in imported["text"]

    answer = asker.ask("free rooms tomorrow 2-3pm")
    assert answer["exit_code"] == 0
    assert answer["blocks"][0]["type"] == "header"
    assert "25 Nov" in answer["blocks"][0]["text"]["text"]
    assert "14:00" in answer["blocks"][0]["text"]["text"]


def test_a_cold_question_costs_one_call_per_five_rooms_and_a_repeat_costs_none(asker: Asker) -> None:
    asker.ask("group import")
    asker.sim.reset_stats()

    asker.ask("free rooms tomorrow 2-3pm")
    cold = asker.schedule_calls()
    assert cold == math.ceil(len(asker.sim.rooms) / 5)

    # A new process, the same question inside the cache time: answered from the shared cache.
    asker.ask("free rooms tomorrow 2-3pm")
    assert asker.schedule_calls() == cold

    # Another window on the same day is free too: whole days are cached.
    asker.ask("tomorrow 4-5pm")
    assert asker.schedule_calls() == cold


def test_a_question_about_forty_rooms_costs_at_most_eight_calls(database_url: str, tmp_path: Path) -> None:
    with Simulator(seed=11, rooms=40).start(port=0) as sim:
        asker = Asker(sim, database_url, tmp_path)
        room_ids = [room["roomId"] for room in sim.rooms]
        assert len(room_ids) == 40
        saved = asker.ask("group add Everything " + " ".join(room_ids))
        assert "Created" in saved["text"]
        sim.reset_stats()

        answer = asker.ask("free rooms in Everything tomorrow 10-11am")

        assert answer["exit_code"] == 0
        assert sim.stats()["schedules"] <= 8
        assert "40" in answer["text"]


def expected_verdicts(sim: Simulator, start: datetime, end: datetime) -> dict[str, str]:
    """What each room is in [start, end), from the simulator's own calendar."""
    verdicts = {}
    for room in sim.rooms:
        items = sim.schedule(room["roomId"], start, end)
        overlapping = [
            item
            for item in items
            if datetime.fromisoformat(item["start"]["dateTime"]) < end
            and datetime.fromisoformat(item["end"]["dateTime"]) > start
        ]
        if not overlapping:
            verdicts[room["roomName"]] = "Free"
        elif all(item["status"] == "TENTATIVE" for item in overlapping):
            verdicts[room["roomName"]] = "pending-or-partly"
        else:
            verdicts[room["roomName"]] = "taken"
    return verdicts


def test_each_room_shows_the_verdict_the_calendar_implies(asker: Asker) -> None:
    asker.ask("group import")
    start = datetime(2026, 11, 25, 14, tzinfo=SHANGHAI)
    expected = expected_verdicts(asker.sim, start, start + timedelta(hours=1))
    assert "Free" in expected.values() and "taken" in expected.values()

    answer = asker.ask("free rooms tomorrow 2-3pm")
    shown = {name: verdict for name, verdict in expected.items() if f"*{name}*" in all_text(answer)}
    assert shown, "the answer lists the best rooms"
    for name, verdict in shown.items():
        block = room_block(answer, name)
        if verdict == "Free":
            assert "Free" in block and '"action_id": "book"' in block
        elif verdict == "taken":
            assert "Busy" in block or "Partly free" in block
            assert '"action_id": "book"' not in block
        else:
            assert "Awaiting approval" in block or "Partly free" in block


def test_a_room_booked_pending_approval_shows_as_pending(asker: Asker) -> None:
    from bot.dingtalk import DingTalkClient

    asker.ask("group import")
    sim = asker.sim
    approval_rooms = [room for room in sim.rooms if sim.room_rules(room["roomId"]).approval]
    assert approval_rooms, "the demo data has rooms that need approval"
    # Saturday evening: the demo calendar is empty then, so only our booking is in the way.
    start = datetime(2026, 11, 28, 19, tzinfo=SHANGHAI)
    room = next(r for r in approval_rooms if not sim.schedule(r["roomId"], start, start + timedelta(hours=1)))
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret) as client:
        event = client.create_event(
            sim.operator_union_id, summary="Review", start=start, end=start + timedelta(hours=1), time_zone="Asia/Shanghai"
        )
        client.add_rooms(sim.operator_union_id, event.event_id, [room["roomId"]])
    asker.ask(f"group add Mine {room['roomId']}")

    answer = asker.ask("free rooms in Mine saturday 7-8pm")

    block = room_block(answer, room["roomName"])
    assert "Awaiting approval" in block
    assert '"action_id": "book"' not in block


def test_a_room_deleted_in_dingtalk_gets_a_footnote_and_the_rest_still_shows(asker: Asker) -> None:
    sim = asker.sim
    gone, kept = sim.rooms[0], sim.rooms[1]
    asker.ask(f"group add Pair {gone['roomId']} {kept['roomId']}")
    sim.remove_room(gone["roomId"])

    answer = asker.ask("free rooms in Pair tomorrow 2-3pm")

    text = all_text(answer)
    assert "no longer knows" in text
    assert gone["roomName"] in text
    assert f"*{kept['roomName']}*" in text
    assert "Could not be checked" in room_block(answer, gone["roomName"])


@pytest.mark.parametrize(
    ("knob", "sentence"),
    [
        ("throttle_rate", "asked me to slow down"),
        ("fail_rate", "isn't answering"),
        ("malformed_rate", "couldn't read"),
    ],
)
def test_dingtalk_in_trouble_gets_a_friendly_sentence_not_a_trace(asker: Asker, knob: str, sentence: str) -> None:
    asker.ask("group import")
    asker.sim.configure(**{knob: 1.0})

    code, out, err = asker.run("free rooms tomorrow 2-3pm", ROOMBOT_DEADLINE_S="1")

    assert code == 1
    assert "Traceback" not in out + err
    message = json.loads(out)
    assert sentence in message["text"]

    asker.sim.configure(**{knob: 0.0})
    recovered = asker.ask("free rooms tomorrow 2-3pm")
    assert recovered["exit_code"] == 0
    assert recovered["blocks"][0]["type"] == "header"


def test_plain_text_output_reads_like_the_slack_answer(asker: Asker) -> None:
    asker.ask("group import")
    code, out, _ = asker.run("free rooms tomorrow 2-3pm", json_output=False)
    assert code == 0
    assert "Wed 25 Nov, 14:00–15:00" in out
    assert "Searched" in out


def test_an_unreadable_question_shows_what_was_understood_and_an_example(asker: Asker) -> None:
    code, out, err = asker.run("book")
    assert "Traceback" not in out + err
    message = json.loads(out)
    assert code == 1
    assert message["text"]
    assert "book" in message["text"].lower()


def test_bad_arguments_get_one_line_and_exit_two(asker: Asker) -> None:
    code, out, err = asker.run("free rooms", now="yesterday-ish")
    assert code == 2
    assert "--now" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("database_url_value", "expected"),
    [
        (
            "postgres://nobody:secret-pw@127.0.0.1:1/x",
            "cannot reach the database at postgresql+psycopg://nobody:***@127.0.0.1:1/x",
        ),
        ("mysql://somewhere/db", "DATABASE_URL is not a database roombot can use (mysql://somewhere/db)"),
        ("nonsense", "DATABASE_URL is not a database roombot can use; use sqlite:///"),
    ],
)
def test_a_database_that_cannot_be_used_is_named_in_one_line(asker: Asker, database_url_value: str, expected: str) -> None:
    code, out, err = asker.run("free rooms now", DATABASE_URL=database_url_value)
    assert code == 1
    assert expected in err
    assert "Traceback" not in out + err and "secret-pw" not in out + err
    assert err.count("\n") == 1
