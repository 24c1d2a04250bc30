"""Sentences: service answers (help, groups, accounts, demo)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from bot.markup import escape_mrkdwn
from bot.present.messages.errors import room_invalid
from bot.present.messages.words import minutes, quoted, quoted_list


def help_examples() -> list[str]:
    return ["free rooms tomorrow 2-3pm", "any room now", "group import"]


def narrow_window(start: datetime, end: datetime, zone: tzinfo) -> str:
    first = start.astimezone(zone).strftime("%a %d %b")
    last = (end - timedelta(microseconds=1)).astimezone(zone).strftime("%a %d %b")
    return (
        f"That spans several days ({first} – {last}). Rooms change hour by hour, "
        "so ask about one day or a slot, for example:"
    )


def daily_summary_line(start: datetime, end: datetime, *, with_slot: int, total: int, free_share: float) -> str:
    """`Tue 24 Nov (09:00–18:00): 20 of 24 rooms have a slot · 62% of room time free`."""
    head = f"{start:%a %d %b} ({start:%H:%M}–{end:%H:%M})"
    if with_slot == 0:
        return f"{head}: nothing free"
    return f"{head}: {with_slot} of {total} rooms have a slot · {round(free_share * 100)}% of room time free"


def daily_summary(
    lines: Sequence[str], *, slot_minutes: int, groups: Sequence[str], wanted: str = "", notes: Sequence[str] = ()
) -> str:
    """`wanted` (`messages.wanted(...)`) and `notes` are mrkdwn-safe sentences: what was counted, what was not."""
    searched = ", ".join(escape_mrkdwn(name) for name in groups)
    body = "\n".join([*(f"• {line}" for line in lines), *notes])
    wish = f" · {wanted}" if wanted else ""
    return (
        f"Rooms over those days ({searched}; a slot is {minutes(slot_minutes)}{wish}):\n{body}\n"
        "Pick a day and a time to see the rooms and book one, for example:"
    )


def narrow_window_examples() -> list[str]:
    return ["tomorrow 2-3pm", "friday afternoon", "a 1 hour slot on monday"]


_LABEL_NAMES = {1: "TV", 2: "Phone", 3: "Projector", 4: "Whiteboard", 5: "Video conferencing"}


def label_name(label_id: int, fallback: str = "") -> str:
    """The English name of one of DingTalk's fixed room labels (ids 1–5); others keep their own name."""
    return _LABEL_NAMES.get(label_id, fallback or f"label {label_id}")


_WITH_ARTICLE = {
    "TV": "a TV",
    "Phone": "a phone",
    "Projector": "a projector",
    "Whiteboard": "a whiteboard",
    "Video conferencing": "video conferencing",
}


def rooms_left_out(count: int, *, capacity: int | None, labels: Sequence[str]) -> str:
    """Why some rooms of the groups are not listed: `Not shown: 3 rooms too small for 8 people or without a projector.`"""
    reasons = []
    if capacity:
        reasons.append(f"too small for {capacity} people")
    if labels:
        reasons.append("without " + " or ".join(_WITH_ARTICLE.get(label, label) for label in labels))
    rooms = "room" if count == 1 else "rooms"
    return f"Not shown: {count} {rooms} {' or '.join(reasons)}."


def room_unknown_footnote(room_name: str, error: str) -> str:
    if "invalid" in error.lower():
        return room_invalid(room_name)
    return f"I couldn't check {quoted(room_name)}: DingTalk said “{escape_mrkdwn(error)}”. It is not shown as free."


def group_line(
    name: str, room_names: Sequence[str], *, scope: str, is_default: bool, mine: bool = True, shared_here: bool = False
) -> str:
    # "yours" only on the asker's own groups: someone else's group shared into a channel says so.
    if scope == "personal" and not mine:
        where = "shared with this channel" if shared_here else "someone else's"
    else:
        where = {"personal": "yours", "channel": "this channel", "workspace": "everyone"}.get(scope, scope)
    default = " · default" if is_default else ""
    rooms = quoted_list(room_names, limit=10) if room_names else "no rooms yet"
    return f"*{escape_mrkdwn(name)}* ({where}{default}): {rooms}"


def groups_list(lines: Sequence[str]) -> str:
    return "Your room groups:\n" + "\n".join(f"• {line}" for line in lines)


def group_saved(name: str, room_names: Sequence[str], *, created: bool) -> str:
    verb = "Created" if created else "Updated"
    rooms = quoted_list(room_names, limit=10) if room_names else "no rooms"
    return f"{verb} the group {quoted(name)}: {rooms}. Ask `free rooms in {escape_mrkdwn(name)} tomorrow 10-11am` to use it."


def group_renamed(old: str, new: str) -> str:
    return f"Renamed {quoted(old)} to {quoted(new)}."


def group_deleted(name: str) -> str:
    return f"Deleted the group {quoted(name)}. Its rooms are still in the directory."


def group_shared(name: str, channel_id: str) -> str:
    return f"Shared {quoted(name)} with <#{escape_mrkdwn(channel_id)}>. Everyone there can now ask about its rooms."


def group_default_set(name: str) -> str:
    return f"{quoted(name)} is now your default group: questions without a group check its rooms."


def groups_imported(names: Sequence[str]) -> str:
    if not names:
        return (
            "DingTalk has no room groups to import. Make your own with `group add &lt;name&gt; &lt;room&gt; &lt;room&gt;`."
        )
    return f"Imported {len(names)} DingTalk group(s) for everyone: {quoted_list(names)}. Try `free rooms now`."


def demo_greeting(tz: str, *, simulated: bool) -> str:
    source = "a simulated DingTalk organisation" if simulated else "your DingTalk organisation"
    return (
        f"roombot demo: talking to {source}; times are read in {tz}.\n"
        "Try: `free rooms tomorrow 2-3pm` · `any room now for 6 people` · `friday afternoon with a projector` · "
        "`groups` · `book &lt;room&gt; tomorrow 10-11am` · `help`.  "
        "Type `show all` or `refresh` after an answer, `quit` to leave."
    )
