"""Hostile and odd input through the whole message router, rendered for Slack and for a terminal.

Every message goes through `RoomService.handle_text` against a DingTalk simulator and a real
SQLite database, then through `bot.slack.blocks.render` and `bot.present.terminal.render_text`. The
properties: nothing raises and nothing ends in "something went wrong" (no unexpected error is
logged); every block is one Slack accepts (re-validated by slack_sdk, and Slack's limits checked
again here); and what the user typed never comes back as live Slack markup: no `<!channel>`,
`<@U…>` or link survives into mrkdwn, and `*bold*` in a group name cannot format the answer.

The runtime is built once for the module: hypothesis runs hundreds of messages through it.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.config import Settings
from bot.markup import escape_mrkdwn
from bot.present import messages
from bot.present.reply import FindReply, Reply, TextReply
from bot.present.terminal import render_text
from bot.sim import Simulator
from bot.slack.blocks import render
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator

TEAM = "T_HOSTILE"
CHANNEL = "C_HOSTILE"
ZONE = "Asia/Shanghai"
UNEXPECTED = messages.describe_error(Exception())

# The function-scoped autouse `clean_environ` fixture runs once per test, not per example; that is fine here.
HYPOTHESIS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class _Errors(logging.Handler):
    """Collects ERROR records of roombot's loggers: an unexpected error is logged before it is answered."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class World:
    """The module's runtime, simulator and error log (a plain class: hypothesis prints its repr only)."""

    def __init__(self, *, runtime: Runtime, sim: Simulator, errors: _Errors) -> None:
        self.runtime = runtime
        self.sim = sim
        self.errors = errors
        self.users = itertools.count(1)

    def __repr__(self) -> str:
        return "World()"

    def new_user(self) -> str:
        return f"U_HOSTILE_{next(self.users)}"

    def ask(self, text: str, *, user: str = "U_HOSTILE", channel: str | None = CHANNEL) -> Reply:
        self.errors.records.clear()
        reply = self.runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, channel_id=channel, tz=ZONE), text)
        assert not self.errors.records, [record.getMessage() for record in self.errors.records]
        return reply


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sim = Simulator(seed=7, rooms=24).start(port=0)
    database = Path(tmp_path_factory.mktemp("hostile")) / "roombot.db"
    config = point_at_simulator(
        Settings(
            database_url=f"sqlite:///{database}",
            default_tz=ZONE,
            deadline_s=5.0,
        ),
        sim,
    )
    errors = _Errors()
    bot_logger = logging.getLogger("bot")
    bot_logger.addHandler(errors)
    runtime = build_runtime(config)
    try:
        imported = runtime.service.import_groups(team_id=TEAM, user_id="U_ADMIN", actor=CONSOLE_OPERATOR)
        assert isinstance(imported, TextReply) and imported.kind == "success", "premise: DingTalk's groups imported"
        yield World(runtime=runtime, sim=sim, errors=errors)
    finally:
        runtime.close()
        sim.stop()
        bot_logger.removeHandler(errors)


# --- what a valid, safe Slack message is --------------------------------------------------------

# The only `<…>` roombot itself writes: a link to the channel it was asked in, `<room>`-style
# placeholders in examples, and a bare `<@U…>` naming a colleague the asker mentioned in a meeting
# question (rebuilt from the id, never copied from the text: a label such as `<@U1|bob>` is not kept).
# Anything else in angle brackets would be markup the user smuggled in.
_OWN_ANGLES = re.compile(rf"<#{CHANNEL}>|<[a-z][a-zA-Z ]*>|<@[UW][A-Z0-9]+>")
_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """Every text Slack formats as mrkdwn: the fallback (notifications) and the blocks' mrkdwn objects."""
    texts = [message["text"]]
    for block in message["blocks"]:
        candidates = [block.get("text"), *block.get("fields", []), *(block.get("elements") or [])]
        texts.extend(obj["text"] for obj in candidates if isinstance(obj, dict) and obj.get("type") == "mrkdwn")
    return texts


def check_button(button: dict[str, Any]) -> None:
    assert button["type"] == "button"
    assert 1 <= len(button["text"]["text"]) <= 75
    assert len(button.get("value", "")) <= 2000
    assert 1 <= len(button["action_id"]) <= 255


def check_message(message: dict[str, Any]) -> None:
    """Slack's limits, checked by slack_sdk's own validation and once more by hand."""
    blocks = message["blocks"]
    assert 1 <= len(blocks) <= 50
    assert 1 <= len(message["text"]) <= 3000
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)), "block ids must be unique in a message"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        kind = raw["type"]
        if kind == "header":
            assert 1 <= len(raw["text"]["text"]) <= 150
        elif kind == "section":
            assert 1 <= len(raw["text"]["text"]) <= 3000
            if "accessory" in raw:
                check_button(raw["accessory"])
        elif kind == "context":
            assert 1 <= len(raw["elements"]) <= 10
            assert all(1 <= len(element["text"]) <= 3000 for element in raw["elements"])
        elif kind == "actions":
            assert 1 <= len(raw["elements"]) <= 25
            action_ids = [element["action_id"] for element in raw["elements"]]
            assert len(action_ids) == len(set(action_ids)), "action ids must be unique in a block"
            for element in raw["elements"]:
                check_button(element)
        else:
            assert kind == "divider", raw
    for text in mrkdwn_texts(message):
        rest = _OWN_ANGLES.sub("", text)
        assert "<" not in rest and ">" not in rest, f"live Slack markup in {text!r}"
        assert not _BARE_AMPERSAND.search(text), f"unescaped & in {text!r}"


def answered(world: World, text: str, **kwargs: Any) -> tuple[Reply, dict[str, Any]]:
    """Ask, and check the answer: a kind reply, a valid Slack message, a terminal rendering."""
    reply = world.ask(text, **kwargs)
    assert not (isinstance(reply, TextReply) and reply.text == UNEXPECTED), f"unexpected error for {text!r}"
    message = render(reply)
    check_message(message)
    assert isinstance(render_text(reply), str)
    if isinstance(reply, FindReply):
        assert isinstance(render_text(reply, max_rooms=1, color=True), str)
        check_message(render(reply, max_rooms=1))
    return reply, message


# --- strategies ---------------------------------------------------------------------------------

SLACK_MARKUP = st.sampled_from(
    [
        "<@U1>",
        "<@U0123ABC|bob>",
        "<#C1|x>",
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!subteam^S1|@team>",
        "<!date^1392734382^{date}|Feb 18>",
        "<https://x|y>",
        "<https://evil.example/?a=1&b=2>",
        "<mailto:a@b.c|mail me>",
        "<tel:+8613800000000|call>",
        # What Slack sends when a user types the markup literally: entities.
        "&lt;!channel&gt;",
        "&lt;@U1&gt;",
        "&lt;https://x|y&gt;",
        "&amp;lt;!here&amp;gt;",
    ]
)
MRKDWN = st.sampled_from(
    ["*bold*", "_it_", "~s~", "`code`", "```block```", "> quote", ">>> all", "\n> q", "*", "_", "~", "`", "&", "<", ">"]
)
CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.just("\x7f")
INVISIBLE = st.sampled_from(["\u200f", "\u202e", "\u200e", "\u202a", "\u202c", "\u2066", "\u2069", "\u200b", "\ufeff"])
EMOJI = st.sampled_from(
    ["😀", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "👍🏽", ":smile:", ":red_circle:", "🇨🇳", "\u2764\ufe0f"]
) | st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
WORDS = st.sampled_from(
    [
        "free rooms",
        "rooms",
        "tomorrow",
        "2-3pm",
        "10am",
        "now",
        "in",
        "group",
        "add",
        "groups",
        "remove",
        "rename",
        "delete",
        "share",
        "default",
        "import",
        "my bookings",
        "cancel",
        "help",
        "show all",
        "3F-Everest",
        "3F-K2",
        "for 8",
        "with tv",
        "for 30 minutes",
        "next monday",
        "明天下午2点到3点",
        "空闲会议室",
        '"',
        "'",
    ]
)
FRAGMENT = st.one_of(WORDS, SLACK_MARKUP, MRKDWN, CONTROL, INVISIBLE, EMOJI, st.text(max_size=6))
HOSTILE = st.lists(FRAGMENT, max_size=12).flatmap(lambda parts: st.sampled_from([" ", ""]).map(lambda sep: sep.join(parts)))
# Every Unicode category, surrogates excepted: Slack's JSON is UTF-8 and cannot carry a lone surrogate.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200)


# --- properties ---------------------------------------------------------------------------------


@settings(HYPOTHESIS, max_examples=150)
@given(text=ANY_TEXT)
def test_any_unicode_text_gets_a_valid_answer(world: World, text: str) -> None:
    answered(world, text)


@settings(HYPOTHESIS, max_examples=200)
@given(text=HOSTILE)
def test_commands_mixed_with_markup_control_characters_and_emoji_get_a_valid_safe_answer(world: World, text: str) -> None:
    answered(world, text)


@settings(HYPOTHESIS, max_examples=30)
@given(text=HOSTILE, channel=st.sampled_from([CHANNEL, None]))
def test_hostile_text_in_a_direct_message_or_a_channel(world: World, text: str, channel: str | None) -> None:
    answered(world, text, channel=channel, user=world.new_user())


@settings(HYPOTHESIS, max_examples=8)
@given(fragment=HOSTILE.filter(bool), prefix=st.sampled_from(["", "free rooms tomorrow 2-3pm ", "group add ", "book "]))
def test_forty_kilobytes_of_text_get_a_valid_answer(world: World, fragment: str, prefix: str) -> None:
    text = (prefix + (fragment + " ") * (40_000 // (len(fragment) + 1) + 1))[:40_000]
    assert len(text) == 40_000
    answered(world, text)


def hostile_name(text: str) -> bool:
    """Whether a name would format or ping if echoed raw: angle brackets, or markup characters next to other text.

    (A raw `&` is caught by `check_message`'s bare-ampersand rule: "x&" is a prefix of its own escape "x&amp;".)
    """
    return any(char in text for char in "<>") or bool(re.search(r"[*_~`].", text))


GROUP_NAME = st.lists(
    st.one_of(MRKDWN, SLACK_MARKUP, EMOJI, INVISIBLE, st.text(min_size=1, max_size=4)), min_size=1, max_size=5
).map("".join)


@settings(HYPOTHESIS, max_examples=40)
@given(name=GROUP_NAME)
def test_a_group_name_is_echoed_escaped_by_group_add_and_groups(world: World, name: str) -> None:
    user = world.new_user()
    quoted = name.replace('"', "")
    reply, _ = answered(world, f'group add "{quoted}" 3F-Everest', user=user)
    groups = [group for group in world.runtime.store.groups.visible(TEAM, user_id=user) if group.owner_user_id == user]
    if not groups:  # nothing left of the name once markup and invisible characters are dropped
        assert isinstance(reply, TextReply) and reply.kind == "error"
        return
    (group,) = groups
    assert isinstance(reply, TextReply) and reply.kind == "success", reply
    _, listing = answered(world, "groups", user=user)
    for sentence in (reply.text, "\n".join(mrkdwn_texts(listing))):
        assert escape_mrkdwn(group.name) in sentence
        if hostile_name(group.name):
            assert group.name not in sentence


# --- the examples the issue names ---------------------------------------------------------------


def context_line(message: dict[str, Any]) -> str:
    (context,) = [block for block in message["blocks"] if block.get("block_id") == "context"]
    return str(context["elements"][0]["text"])


def tomorrow_window() -> str:
    return "tomorrow 2-3pm"


def test_a_group_called_channel_is_echoed_without_pinging_anyone(world: World) -> None:
    user = world.new_user()
    # A user typing "<!channel> crew" literally reaches roombot as entities; the name is the literal text.
    created, _ = answered(world, 'group add "&lt;!channel&gt; crew" 3F-Everest 3F-K2', user=user)
    (group,) = [group for group in world.runtime.store.groups.visible(TEAM, user_id=user) if group.owner_user_id == user]
    assert group.name == "<!channel> crew"
    assert isinstance(created, TextReply)
    assert "“&lt;!channel&gt; crew”" in created.text

    _, listing = answered(world, "groups", user=user)
    assert "*&lt;!channel&gt; crew* (yours)" in listing["blocks"][0]["text"]["text"]

    _, found = answered(world, f'free rooms in "&lt;!channel&gt; crew" {tomorrow_window()}', user=user)
    assert context_line(found) == "Searched &lt;!channel&gt; crew"

    _, error = answered(world, 'group delete "&lt;!here&gt; crew"', user=user)
    assert "“&lt;!here&gt; crew”" in error["blocks"][0]["text"]["text"]
    assert all("<!here>" not in text and "<!channel>" not in text for text in mrkdwn_texts(error))


def test_a_bold_group_name_cannot_format_the_answer(world: World) -> None:
    user = world.new_user()
    guarded = "*\u200bbold*\u200b"
    assert escape_mrkdwn("*bold*") == guarded

    created, _ = answered(world, 'group add "*bold*" 3F-Everest', user=user)
    assert isinstance(created, TextReply) and f"“{guarded}”" in created.text and "*bold*" not in created.text

    _, listing = answered(world, "groups", user=user)
    assert f"*{guarded}* (yours)" in listing["blocks"][0]["text"]["text"]

    _, found = answered(world, f'free rooms in "*bold*" {tomorrow_window()}', user=user)
    assert context_line(found) == f"Searched {guarded}"

    # Errors echo the name too: renaming another group onto it, and a group that does not exist.
    answered(world, 'group add "plain" 3F-K2', user=user)
    _, duplicate = answered(world, 'group rename plain "*bold*"', user=user)
    _, unknown = answered(world, 'group delete "_it_ and `code`"', user=user)
    assert guarded in duplicate["blocks"][0]["text"]["text"]
    assert "“_\u200bit_\u200b and `\u200bcode`\u200b”" in unknown["blocks"][0]["text"]["text"]
    for message in (duplicate, unknown):
        assert all("*bold*" not in text and "_it_" not in text and "`code`" not in text for text in mrkdwn_texts(message))


def test_a_name_saved_from_the_modal_is_raw_text_and_still_echoed_escaped(world: World) -> None:
    user = world.new_user()
    everest = next(str(room["roomId"]) for room in world.sim.rooms if room["roomName"] == "3F-Everest")
    saved = world.runtime.service.save_group(
        Caller(team_id=TEAM, user_id=user), group_id=None, name="<!here> *team* <@U1>", room_ids=[everest]
    )
    assert isinstance(saved, TextReply) and saved.kind == "success", saved
    check_message(render(saved))
    _, listing = answered(world, "groups", user=user)
    assert "*&lt;!here&gt; *\u200bteam*\u200b &lt;@U1&gt;* (yours)" in listing["blocks"][0]["text"]["text"]


def test_right_to_left_marks_and_zero_width_spaces_do_not_change_the_meaning(world: World) -> None:
    user = world.new_user()
    answered(world, 'group add "HQ" 3F-Everest', user=user)
    plain, _ = answered(world, "groups", user=user)
    for disguised in ("\u202egroups", "gro\u200bups\u200f", "\ufeffgroups\x00", "\u2066groups\u2069"):
        reply, _ = answered(world, disguised, user=user)
        assert reply == plain, disguised


def test_a_question_with_markup_and_emoji_is_still_answered(world: World) -> None:
    start = datetime.combine(datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1), time(14), ZoneInfo(ZONE))
    reply, message = answered(world, "<!here> 😀 *free* rooms\u200f tomorrow 2-3pm <https://x|y> 🏳️\u200d🌈")
    assert isinstance(reply, FindReply)
    assert reply.start == start and reply.end == start + timedelta(hours=1)
    assert "<!here>" not in reply.query_text and "https://x" not in reply.query_text
