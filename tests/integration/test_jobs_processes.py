"""Where the job loop runs: `roombot jobs run` as its own process (the Procfile's `clock:`), and
inside the Socket Mode worker unless ROOMBOT_RUN_JOBS_IN_WORKER turns it off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.config import Settings
from bot.jobs.registry import RELEASE_NO_SHOWS, SEND_REMINDERS, default_jobs
from bot.slack import server
from bot.store import Store
from bot.store.db import make_engine, make_session_factory
from bot.store.jobs import JOB_OK, JobRepository

REPO = Path(__file__).resolve().parents[2]
# The clock process also sends reminders and releases no-shows (it has somewhere to send DMs).
JOB_NAMES = [spec.name for spec in default_jobs(store=cast(Store, None), directory=None, settings=Settings())]
JOB_NAMES += [SEND_REMINDERS, RELEASE_NO_SHOWS]


def test_the_clock_process_runs_due_jobs_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clock.db'}"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(PYTHONPATH=str(REPO), DATABASE_URL=url)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "jobs", "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        assert "job runner" in process.stderr.readline()  # printed once the loop is about to start
        engine = make_engine(url)
        jobs = JobRepository(session_factory=make_session_factory(engine))
        done: list[str] = []
        try:
            deadline = time.monotonic() + 30
            while len(done) < len(JOB_NAMES) and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
                done = [job.name for job in jobs.all() if job.last_status == JOB_OK]
        finally:
            engine.dispose()
        assert sorted(done) == sorted(JOB_NAMES)
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
        assert process.returncode == 0, rest
        assert "Traceback" not in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


class _FakeHandler:
    def __init__(self, app: object, app_token: str | None = None) -> None:
        self.app = app

    def start(self) -> None:
        return None


def _serve_until_stopped(app: object, handler: _FakeHandler) -> None:
    """The worker's blocking wait for Slack, which returns at once here."""


@pytest.mark.parametrize(("setting", "runs_jobs"), [(None, True), ("false", False)])
def test_the_socket_mode_worker_runs_the_jobs_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, runs_jobs: bool
) -> None:
    events: list[str] = []
    runtime = SimpleNamespace(settings=None, service=None, close=lambda: events.append("runtime closed"))

    class _Background:
        def stop(self) -> None:
            events.append("jobs stopped")

    def start_background(host: Any, *, notifier: Any, notify_admin: Any) -> _Background:
        assert host is runtime and notifier is not None  # the reminder and release DMs go to Slack
        events.append("jobs started")
        return _Background()

    monkeypatch.setattr(server, "SocketModeHandler", _FakeHandler)
    monkeypatch.setattr(server, "create_app", lambda **kwargs: object())
    monkeypatch.setattr(server, "start_background", start_background)
    monkeypatch.setattr(server, "_serve_socket_mode", _serve_until_stopped)
    monkeypatch.setattr(server, "build_runtime_for_serve", lambda settings, use_simulator: runtime)
    monkeypatch.setattr(server, "_exit_on_sigterm", lambda: None)
    environ = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "ROOMBOT_USE_SIMULATOR": "1"}
    if setting is not None:
        environ["ROOMBOT_RUN_JOBS_IN_WORKER"] = setting

    assert server.run(SimpleNamespace(mode="socket"), environ=environ) == 0  # type: ignore[arg-type]

    expected = ["jobs started", "jobs stopped", "runtime closed"] if runs_jobs else ["runtime closed"]
    assert events == expected
