"""End-to-end fixtures: the real Bolt app over the real service, store and DingTalk simulator,
with a real `slack_sdk.WebClient` pointed at a fake Slack Web API on a loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from slack_bolt import App

from bot.config import Settings
from bot.wiring import point_at_simulator
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import SIGNING_SECRET

if TYPE_CHECKING:
    from bot.sim import Simulator
    from bot.wiring import Runtime


@pytest.fixture
def settings(database_url: str, sim: Simulator, fake_slack: FakeSlack) -> Settings:
    return point_at_simulator(
        Settings(
            slack_bot_token=fake_slack.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake_slack.base_url,
            database_url=database_url,
            default_tz="Asia/Shanghai",
            # A DingTalk outage should end in a friendly answer quickly, not after the production deadline.
            deadline_s=2.0,
            request_timeout_s=2.0,
        ),
        sim,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    from bot.wiring import build_runtime

    rt = build_runtime(settings)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def make_app(settings: Settings, runtime: Runtime) -> Iterator[Callable[..., App]]:
    """Build the real app; synchronous by default so `dispatch()` returns after the listener ran."""
    from bot.slack.app import create_app

    def build(
        *, process_before_response: bool = True, notice_after_s: float = 60.0, app_settings: Settings | None = None
    ) -> App:
        return create_app(
            settings=app_settings or settings,
            service=runtime.service,
            process_before_response=process_before_response,
            token_verification_enabled=False,
            notice_after_s=notice_after_s,
        )

    yield build


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()
