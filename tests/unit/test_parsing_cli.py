"""`roombot parse` in a subprocess: one TEXT, stdin lines, JSON lines, and bad options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOW = "2025-12-02T10:17:00+08:00"


def _run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMBOT_", "SLACK_", "DINGTALK_"))}
    clean_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "parse", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean_env,
        timeout=60,
    )


def test_one_text_prints_the_json_fields() -> None:
    result = _run("--json", "--tz", "Asia/Shanghai", "--now", NOW, "book", "3F-Everest", "tomorrow", "2-3pm", "in", "HQ")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["intent"] == "book"
    assert got["start"] == "2025-12-03T14:00:00+08:00"
    assert got["end"] == "2025-12-03T15:00:00+08:00"
    assert got["time_kind"] == "interval"
    assert got["rooms"] == ["3F-Everest"]
    assert got["group"] == "HQ"
    assert got["error"] is None
    for key in ("duration_minutes", "capacity", "labels", "args"):
        assert key in got


def test_default_zone_comes_from_the_environment() -> None:
    result = _run("--json", "--now", "2025-12-02T10:17:00", "tomorrow 9am", env={"ROOMBOT_DEFAULT_TZ": "Europe/Berlin"})
    assert json.loads(result.stdout)["start"] == "2025-12-03T09:00:00+01:00"


def test_a_single_text_that_fails_exits_1_with_the_error_in_json() -> None:
    result = _run("--json", "--tz", "Asia/Shanghai", "--now", NOW, "3pm-2pm")
    assert result.returncode == 1
    got = json.loads(result.stdout)
    assert got["error"] == "end_before_start"
    assert "15:00" in got["error_message"] and "Try:" in got["error_message"]


def test_plain_output_is_readable_text() -> None:
    result = _run("--tz", "Asia/Shanghai", "--now", NOW, "friday afternoon for 8 people")
    assert result.returncode == 0
    assert "intent: find" in result.stdout
    assert "time_kind: part_of_day" in result.stdout
    assert "capacity: 8" in result.stdout


def test_stdin_lines_give_one_json_object_each_and_json_lines_override_now_and_tz() -> None:
    lines = "\n".join(
        [
            "tomorrow 2-3pm",
            "3pm-2pm",
            json.dumps({"text": "tomorrow 9am", "now": "2025-03-08T16:00:00", "tz": "America/New_York"}),
            "{not json",
            "",
            "明天下午2点到3点",
        ]
    )
    result = _run("--tz", "Asia/Shanghai", "--now", NOW, stdin=lines + "\n")
    assert result.returncode == 0
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["error"] for o in objects] == [None, "end_before_start", None, "bad_input", None]
    assert objects[0]["start"] == "2025-12-03T14:00:00+08:00"
    assert objects[2]["start"] == "2025-03-09T09:00:00-04:00"
    assert objects[4]["end"] == "2025-12-03T15:00:00+08:00"


def test_bad_zone_and_bad_now_exit_2_with_one_line_and_no_traceback() -> None:
    for args in (["--tz", "Mars/Olympus", "now"], ["--now", "yesterday-ish", "now"]):
        result = _run(*args)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
