"""Migrations: empty → head gives exactly the models' schema; down to base and up again; on SQLite and Postgres."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.cli import main
from bot.store.db import current_revision, downgrade, head_revision, make_engine, upgrade
from bot.store.models import Base

REPO = Path(__file__).resolve().parents[2]
TABLES = {
    "api_call_counts",
    "bookings",
    "channel_settings",
    "directory_syncs",
    "group_checkin_grace",
    "group_shares",
    "jobs",
    "link_codes",
    "processed_events",
    "reminder_preferences",
    "quota_notices",
    "room_group_members",
    "room_groups",
    "rooms",
    "schedule_cache",
    "schedule_refresh_requests",
    "suite_tickets",
    "user_fetch_counts",
    "users",
}


def schema_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_matches_the_models_then_downgrade_and_upgrade_again(database_url: str) -> None:
    assert current_revision(database_url) is None

    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert tables(database_url) == TABLES
    assert schema_diff(database_url) == []

    downgrade(database_url, "base")
    assert current_revision(database_url) is None
    assert tables(database_url) == set()

    upgrade(database_url)
    assert tables(database_url) == TABLES
    assert schema_diff(database_url) == []


def test_the_constraints_are_named(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        assert inspector.get_pk_constraint("rooms")["name"] in ("pk_rooms", None)  # SQLite does not keep PK names
        uniques = {c["name"] for c in inspector.get_unique_constraints("room_groups")}
        assert "uq_room_groups_team_id_scope_key_name_key" in uniques
        foreign = {c["name"] for c in inspector.get_foreign_keys("room_group_members")}
        assert foreign == {
            "fk_room_group_members_team_id_group_id_room_groups",
            "fk_room_group_members_team_id_room_id_rooms",
        }
    finally:
        engine.dispose()


def test_alembic_command_line_upgrades_from_the_repo_root_with_a_heroku_url(database_url: str, tmp_path: Path) -> None:
    # Heroku hands out postgres:// URLs; env.py must accept them (and plain SQLite URLs).
    url = database_url.replace("postgresql+psycopg://", "postgres://", 1)
    env = {**os.environ, "DATABASE_URL": url}
    alembic = [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini")]

    done = subprocess.run([*alembic, "upgrade", "head"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert current_revision(database_url) == head_revision()

    done = subprocess.run([*alembic, "downgrade", "base"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert tables(database_url) == set()


def test_alembic_x_url_wins_over_database_url(database_url: str, tmp_path: Path) -> None:
    decoy = tmp_path / "decoy.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{decoy}"}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini"), "-x", f"url={database_url}", "upgrade", "head"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert current_revision(database_url) == head_revision()
    assert not decoy.exists()


def test_roombot_db_upgrade_current_and_downgrade(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)

    assert main(["db", "upgrade"]) == 0
    assert f"at revision {head_revision()} (up to date)" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert "(up to date)" in capsys.readouterr().out

    assert main(["db", "downgrade", "base"]) == 0
    assert "at revision base (empty)" in capsys.readouterr().out
    assert tables(database_url) == set()


def test_roombot_db_hides_the_password_and_fails_cleanly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://roombot:s3cret-pw@127.0.0.1:1/roombot?connect_timeout=2")

    assert main(["db", "upgrade"]) == 1

    captured = capsys.readouterr()
    assert "cannot upgrade" in captured.err
    assert "s3cret" not in captured.err + captured.out
    assert "Traceback" not in captured.err
