"""Runtimes on the DingTalk simulator and the test's database, for the integration and e2e tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config import Settings, utc_now
from bot.present.reply import Reply
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator

if TYPE_CHECKING:
    from bot.sim import Simulator
    from tests.e2e.fake_slack import FakeSlack

MakeRuntime = Callable[..., Runtime]


def simulator_settings(sim: Simulator, database_url: str, *, slack: FakeSlack | None = None, **changes: Any) -> Settings:
    """Settings whose DingTalk is the simulator; Slack Web API calls go to the fake Slack when one is given."""
    if slack is not None:
        changes = {"slack_bot_token": slack.token, "slack_api_url": slack.base_url, **changes}
    return point_at_simulator(Settings(database_url=database_url, **changes), sim)


def as_third_party_app(settings: Settings, sim: Simulator) -> Settings:
    """The settings of roombot as a third-party (suite) app of the simulated organisation: no app key
    of its own; the suite secret and ticket buy a corp token."""
    return point_at_simulator(settings, sim).with_overrides(
        dingtalk_app_key=None,
        dingtalk_app_secret=None,
        dingtalk_suite_key=sim.suite_key,
        dingtalk_suite_secret=sim.suite_secret,
        dingtalk_auth_corp_id=sim.corp_id,
        dingtalk_suite_ticket=sim.suite_ticket,
    )


def simulator_environ(sim: Simulator, database_url: str) -> dict[str, str]:
    """The environment that points a `roombot` process at the simulator and the test's database."""
    return {
        "DINGTALK_API_URL": sim.url,
        "DINGTALK_APP_KEY": sim.app_key,
        "DINGTALK_APP_SECRET": sim.app_secret,
        "DINGTALK_OPERATOR_UNION_ID": sim.operator_union_id,
        "DATABASE_URL": database_url,
    }


@contextmanager
def runtime_factory(base: Settings) -> Iterator[MakeRuntime]:
    """`make(clock=None, **changes)` builds a runtime on `base` with some settings changed; all are closed at the end."""
    with ExitStack() as opened:

        def make(clock: Callable[[], datetime] = utc_now, **changes: Any) -> Runtime:
            return opened.enter_context(build_runtime(base.with_overrides(**changes), clock=clock))

        yield make


def press_book(
    runtime: Runtime,
    room_id: str,
    start: datetime,
    end: datetime,
    *,
    team: str,
    user: str,
    key: str,
    user_name: str = "alice",
    tz: str = "Asia/Shanghai",
    channel_id: str | None = None,
    message_ts: str | None = None,
) -> Reply:
    """The Book button, as the Slack listener calls the service (clicked in `channel_id`, on `message_ts`)."""
    return runtime.service.book(
        Caller(team_id=team, user_id=user, channel_id=channel_id, tz=tz, user_name=user_name),
        BookingAsk(room_id=room_id, start=start, end=end, idempotency_key=key, message_ts=message_ts),
    )
