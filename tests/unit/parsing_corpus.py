"""The parsing corpus: each row is a message, the context it was sent in, and what it means.

Rows read `(text, expected, extras)`. `expected` is either `"! reason"` (a ParseError) or
`"intent kind start end"`, where start/end are `MM-DD HH:MM` in the context's year (or
`YYYY-MM-DD HH:MM`, or `-` for none); a full `YYYY-MM-DDTHH:MM±HH:MM` also checks the offset.
`extras` holds other fields (duration_minutes, group, capacity, labels, rooms, args, settings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.parsing import ParseSettings


@dataclass(frozen=True)
class Context:
    name: str
    now: datetime
    tz: str
    rows: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def _ctx(name: str, tz: str, *args: int) -> Context:
    year, month, day, hour, minute = (*args, 0, 0)[:5]
    return Context(name, datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)), tz)


# Tuesday 2 December 2025, 10:17 in Shanghai; working hours 9-18, default meeting 30 min.
SHANGHAI = _ctx("shanghai-tue", "Asia/Shanghai", 2025, 12, 2, 10, 17)
# Saturday 8 March 2025, 16:00 in New York: clocks go forward at 2:00 on Sunday.
NEW_YORK_DST = _ctx("new-york-dst", "America/New_York", 2025, 3, 8, 16, 0)
# Wednesday 31 December 2025, 16:40 in Berlin: the year ends tonight.
BERLIN_NYE = _ctx("berlin-year-end", "Europe/Berlin", 2025, 12, 31, 16, 40)
# Friday 30 January 2026, 19:30 in Shanghai: after working hours, near the month end.
SHANGHAI_MONTH_END = _ctx("shanghai-month-end", "Asia/Shanghai", 2026, 1, 30, 19, 30)

N: dict[str, Any] = {}


def table(text: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Rows one a line: `text | expected`, or `text | expected | ["arg", ...]` for a command's
    args, with an optional `  # comment` after it.

    Blank lines and lines starting with `#` are skipped; a text may hold `|` itself (Slack's
    `<@U1|name>`), never ` | `."""
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for line in text.splitlines():
        line = line.split("  #", 1)[0].strip()
        if line and not line.startswith("#"):
            message, expected, *args = [cell.strip() for cell in line.split(" | ")]
            rows.append((message, expected, {"args": json.loads(args[0])} if args else {}))
    return rows


# --- Shanghai, Tuesday 10:17: windows that change nothing else, decorated below ------------
FIND_CORE: list[tuple[str, str, dict[str, Any]]] = [
    *table(
        """
        tomorrow 2-3pm        | find interval 12-03 14:00 12-03 15:00
        tomorrow 2–3pm        | find interval 12-03 14:00 12-03 15:00
        2-3pm                 | find interval 12-02 14:00 12-02 15:00
        14:00-15:30           | find interval 12-02 14:00 12-02 15:30
        from 10 to 11:30      | find interval 12-02 10:17 12-02 11:30
        10:30 to noon         | find interval 12-02 10:30 12-02 12:00
        between 2 and 5pm     | find interval 12-02 14:00 12-02 17:00
        10am for an hour      | find interval 12-03 10:00 12-03 11:00
        at 4                  | find point 12-02 16:00 12-02 16:30
        now                   | find point 12-02 10:17 12-02 10:47
        in 2 hours for 45 min | find interval 12-02 12:17 12-02 13:02
        until 6               | find interval 12-02 10:17 12-02 18:00
        next monday 10am      | find point 12-08 10:00 12-08 10:30
        Dec 3 2–4pm           | find interval 12-03 14:00 12-03 16:00
        3/12                  | find day 2026-03-12 09:00 2026-03-12 18:00
        friday afternoon      | find part_of_day 12-05 13:00 12-05 18:00
        this afternoon        | find part_of_day 12-02 13:00 12-02 18:00
        tonight               | find part_of_day 12-02 18:00 12-02 22:00
        EOD                   | find interval 12-02 10:17 12-02 18:00
        tomorrow              | find day 12-03 09:00 12-03 18:00
        11-1pm                | find interval 12-02 11:00 12-02 13:00
        10-2                  | find interval 12-02 10:17 12-02 14:00
        at 9                  | find point 12-03 09:00 12-03 09:30
        today                 | find day 12-02 10:17 12-02 18:00
        this week             | find interval 12-02 10:17 12-05 18:00
        next week             | find interval 12-08 09:00 12-12 18:00
        at noon               | find point 12-02 12:00 12-02 12:30
        tomorrow at noon      | find point 12-03 12:00 12-03 12:30
        friday 10am           | find point 12-05 10:00 12-05 10:30
        tomorrow morning      | find part_of_day 12-03 09:00 12-03 12:00
        monday                | find day 12-08 09:00 12-08 18:00
        tuesday 3pm           | find point 12-02 15:00 12-02 15:30
        tuesday 9am           | find point 12-09 09:00 12-09 09:30
        after 3pm             | find open_end 12-02 15:00 12-02 18:00
        after 7pm             | find open_end 12-02 19:00 12-02 19:30
        """
    ),
    ("a 30 min slot between 2 and 5pm", "find interval 12-02 14:00 12-02 17:00", {"duration_minutes": 30}),
    *table(
        """
        for 45 minutes              | find interval 12-02 10:17 12-02 11:02
        1.5h                        | find interval 12-02 10:17 12-02 11:47
        in 30 min                   | find point 12-02 10:47 12-02 11:17
        next 2 hours                | find interval 12-02 10:17 12-02 12:17
        half an hour                | find interval 12-02 10:17 12-02 10:47
        tomorrow 2pm for 90 minutes | find interval 12-03 14:00 12-03 15:30
        """
    ),
    ("between 2 and 5pm for an hour", "find interval 12-02 14:00 12-02 17:00", {"duration_minutes": 60}),
    *table(
        """
        9-5 tomorrow             | find interval 12-03 09:00 12-03 17:00
        5-7                      | find interval 12-02 17:00 12-02 19:00
        12-1pm                   | find interval 12-02 12:00 12-02 13:00
        noon-2                   | find interval 12-02 12:00 12-02 14:00
        by 4pm                   | find interval 12-02 10:17 12-02 16:00
        before noon              | find interval 12-02 10:17 12-02 12:00
        tomorrow until 11        | find interval 12-03 09:00 12-03 11:00
        day after tomorrow 10-11 | find interval 12-04 10:00 12-04 11:00
        in 3 days                | find day 12-05 09:00 12-05 18:00
        Dec 10                   | find day 12-10 09:00 12-10 18:00
        December 3rd at 3pm      | find point 12-03 15:00 12-03 15:30
        3 Dec 2025 2pm           | find point 12-03 14:00 12-03 14:30
        2025-12-05 10:00-11:00   | find interval 12-05 10:00 12-05 11:00
        the 15th                 | find day 12-15 09:00 12-15 18:00
        Jan 5                    | find day 2026-01-05 09:00 2026-01-05 18:00
        Dec 1 2-3pm              | find interval 2026-12-01 14:00 2026-12-01 15:00
        from monday to wednesday | find interval 12-08 09:00 12-10 18:00
        3 o'clock                | find point 12-02 15:00 12-02 15:30
        at 4:30                  | find point 12-02 16:30 12-02 17:00
        tomorrow 3               | find point 12-03 15:00 12-03 15:30
        tonight at 8             | find point 12-02 20:00 12-02 20:30
        friday morning 10-11     | find interval 12-05 10:00 12-05 11:00
        this evening             | find part_of_day 12-02 18:00 12-02 21:00
        lunch tomorrow           | find part_of_day 12-03 12:00 12-03 13:00
        free rooms               | find none 12-02 10:17 12-02 10:47
        any room right now       | find point 12-02 10:17 12-02 10:47
        all day tomorrow         | find day 12-03 09:00 12-03 18:00
        """
    ),
    ("for 3 hours tomorrow afternoon", "find part_of_day 12-03 13:00 12-03 18:00", {"duration_minutes": 180}),
    *table(
        """
        from 3pm                     | find open_end 12-02 15:00 12-02 18:00
        until 8                      | find interval 12-02 10:17 12-02 20:00
        from 9:30 to 10:30 on friday | find interval 12-05 09:30 12-05 10:30
        next tuesday 2-3pm           | find interval 12-09 14:00 12-09 15:00
        wed 1pm                      | find point 12-03 13:00 12-03 13:30
        sat 10am                     | find point 12-06 10:00 12-06 10:30
        is anything free at 4?       | find point 12-02 16:00 12-02 16:30
        two to three pm tomorrow     | find interval 12-03 14:00 12-03 15:00
        tomorrow from 2 for an hour  | find interval 12-03 14:00 12-03 15:00
        thursday 9:30-11             | find interval 12-04 09:30 12-04 11:00
        10:00 - 10:45                | find interval 12-02 10:17 12-02 10:45
        at 2 p.m. tomorrow           | find point 12-03 14:00 12-03 14:30
        tomorrow 1h30 at 10am        | find interval 12-03 10:00 12-03 11:30
        an hour and a half from 1pm  | find interval 12-02 13:00 12-02 14:30
        dec 5 all day                | find day 12-05 09:00 12-05 18:00
        12/24 3-4pm                  | find interval 12-24 15:00 12-24 16:00
        next friday afternoon        | find part_of_day 12-05 13:00 12-05 18:00
        in an hour                   | find point 12-02 11:17 12-02 11:47
        1 hour from now              | find point 12-02 11:17 12-02 11:47
        around 3ish tomorrow         | find point 12-03 15:00 12-03 15:30
        quarter to 4 tomorrow        | find point 12-03 15:45 12-03 16:15
        half past two                | find point 12-02 14:30 12-02 15:00
        tomorrow after lunch         | find open_end 12-03 13:00 12-03 18:00
        before lunch                 | find interval 12-02 10:17 12-02 12:00
        """
    ),
]

FIND_CORE_ZH: list[tuple[str, str, dict[str, Any]]] = [
    *table(
        """
        明天下午2点到3点             | find interval 12-03 14:00 12-03 15:00
        下周一上午10点到11点半       | find interval 12-08 10:00 12-08 11:30
        今天下午                     | find part_of_day 12-02 13:00 12-02 18:00
        后天9点-10点                 | find interval 12-04 09:00 12-04 10:00
        周五下午三点                 | find point 12-05 15:00 12-05 15:30
        明天下午两点到四点           | find interval 12-03 14:00 12-03 16:00
        明天上午十点                 | find point 12-03 10:00 12-03 10:30
        明天10:00-11:00              | find interval 12-03 10:00 12-03 11:00
        今晚                         | find part_of_day 12-02 18:00 12-02 22:00
        明早9点                      | find point 12-03 09:00 12-03 09:30
        下午3点                      | find point 12-02 15:00 12-02 15:30
        现在                         | find point 12-02 10:17 12-02 10:47
        2小时后                      | find point 12-02 12:17 12-02 12:47
        半小时后                     | find point 12-02 10:47 12-02 11:17
        明天下午2点开会1个小时       | find interval 12-03 14:00 12-03 15:00
        明天                         | find day 12-03 09:00 12-03 18:00
        后天                         | find day 12-04 09:00 12-04 18:00
        大后天                       | find day 12-05 09:00 12-05 18:00
        本周                         | find interval 12-02 10:17 12-05 18:00
        下周                         | find interval 12-08 09:00 12-12 18:00
        下周三                       | find day 12-10 09:00 12-10 18:00
        周三                         | find day 12-03 09:00 12-03 18:00
        星期五上午                   | find part_of_day 12-05 09:00 12-05 12:00
        12月5日下午2点到4点          | find interval 12-05 14:00 12-05 16:00
        12月5号                      | find day 12-05 09:00 12-05 18:00
        15号                         | find day 12-15 09:00 12-15 18:00
        明天晚上7点                  | find point 12-03 19:00 12-03 19:30
        中午12点                     | find point 12-02 12:00 12-02 12:30
        明天下午2点半                | find point 12-03 14:30 12-03 15:00
        明天下午2点一刻              | find point 12-03 14:15 12-03 14:45
        到6点                        | find interval 12-02 10:17 12-02 18:00
        3点以后                      | find open_end 12-02 15:00 12-02 18:00
        明天9点到10点半              | find interval 12-03 09:00 12-03 10:30
        十点到十一点                 | find interval 12-02 10:17 12-02 11:00
        明天下午有空的会议室         | find part_of_day 12-03 13:00 12-03 18:00
        星期天上午十点               | find point 12-07 10:00 12-07 10:30
        下周二下午                   | find part_of_day 12-09 13:00 12-09 18:00
        明天下午两点开一个半小时的会 | find interval 12-03 14:00 12-03 15:30
        礼拜四上午9点到12点          | find interval 12-04 09:00 12-04 12:00
        明天全天                     | find day 12-03 09:00 12-03 18:00
        接下来2小时                  | find interval 12-02 10:17 12-02 12:17
        明天14:00到15:00             | find interval 12-03 14:00 12-03 15:00
        """
    ),
]

# Decorations that add details without changing the window.
DECORATIONS_EN: list[tuple[str, str, dict[str, Any]]] = [
    ("{}", "", {}),
    ("free rooms {} in HQ", "", {"group": "HQ"}),
    ("{} for 8 people", "", {"capacity": 8}),
    ("any room {} with a projector and a whiteboard", "", {"labels": [3, 4]}),
]
DECORATIONS_ZH: list[tuple[str, str, dict[str, Any]]] = [
    ("{}", "", {}),
    ("{} 8人", "", {"capacity": 8}),
    ("{}有投影仪的会议室", "", {"labels": [3]}),
]

SHANGHAI_OTHER: list[tuple[str, str, dict[str, Any]]] = [
    # errors
    *table(
        """
        this tuesday 9am  | ! in_past
        today 9am         | ! in_past
        3pm-2pm           | ! end_before_start
        at 25:00          | ! unreadable
        2-3pm for 2 hours | ! duration_exceeds_window
        14:00-9:00        | ! end_before_start
        Dec 1 2025 2-3pm  | ! in_past
        今天上午9点       | ! in_past
        下午3点到2点      | ! end_before_start
        tomorrow 13:75    | ! unreadable
        feb 30            | ! unreadable
        """
    ),
    ("this week", "! too_long", {"settings": {"max_span_days": 3}}),
    *table(
        """
        free rooms for 0 people | ! bad_capacity
        book 3F-Everest         | ! no_time
        预订 3F-Everest         | ! no_time
        group rename HQ         | ! missing_argument
        group remove HQ         | ! missing_argument
        group delete            | ! missing_argument
        group delete A B        | ! too_many_arguments
        """
    ),
    ("link", "link none - -", {"args": []}),  # is my account linked, and proved?
    ("this morning", "find part_of_day 12-02 10:17 12-02 12:00", N),
    # labels, capacity, groups
    ("room with a TV tomorrow", "find day 12-03 09:00 12-03 18:00", {"labels": [1]}),
    ("video conference room for 6 at 3pm", "find point 12-02 15:00 12-02 15:30", {"labels": [5], "capacity": 6}),
    ("a room with a phone and a screen now", "find point 12-02 10:17 12-02 10:47", {"labels": [1, 2]}),
    ("明天下午 10人 投影仪", "find part_of_day 12-03 13:00 12-03 18:00", {"capacity": 10, "labels": [3]}),
    ("有白板和电视的会议室", "find none 12-02 10:17 12-02 10:47", {"labels": [1, 4]}),
    ("视频会议室 明天上午", "find part_of_day 12-03 09:00 12-03 12:00", {"labels": [5]}),
    ("at Tower B tomorrow", "find day 12-03 09:00 12-03 18:00", {"group": "Tower B"}),
    ("@3F now", "find point 12-02 10:17 12-02 10:47", {"group": "3F"}),
    ('free rooms in "Big Office" at 3pm', "find point 12-02 15:00 12-02 15:30", {"group": "Big Office"}),
    ("next monday 10:30 to noon in HQ", "find interval 12-08 10:30 12-08 12:00", {"group": "HQ"}),
    ("free rooms in building 7 tomorrow", "find day 12-03 09:00 12-03 18:00", {"group": "building 7"}),
    ("rooms for 12 people in HQ at 2pm", "find point 12-02 14:00 12-02 14:30", {"group": "HQ", "capacity": 12}),
    ("room for 4", "find none 12-02 10:17 12-02 10:47", {"capacity": 4}),
    ("明天下午在HQ", "find part_of_day 12-03 13:00 12-03 18:00", {"group": "HQ"}),
    ("8个人 明天上午10点", "find point 12-03 10:00 12-03 10:30", {"capacity": 8}),
    ("十二人 后天下午", "find part_of_day 12-04 13:00 12-04 18:00", {"capacity": 12}),
    ("for eight people tomorrow", "find day 12-03 09:00 12-03 18:00", {"capacity": 8}),
    # Slack markup
    *table(
        """
        <@UBOT> free rooms tomorrow 2-3pm         | find interval 12-03 14:00 12-03 15:00
        <@UBOT|roombot> any room now              | find point 12-02 10:17 12-02 10:47
        free rooms <#C123|general> at 4           | find point 12-02 16:00 12-02 16:30
        see <https://example.com/x|this> tomorrow | find day 12-03 09:00 12-03 18:00
        <@UBOT> help                              | help none - -
        <!here> rooms at 4 <@U999>                | find point 12-02 16:00 12-02 16:30
        """
    ),
    # book
    ("book 3F-Everest tomorrow 2-3pm", "book interval 12-03 14:00 12-03 15:00", {"rooms": ["3F-Everest"]}),
    ('book "Big Room" tomorrow 2pm', "book point 12-03 14:00 12-03 14:30", {"rooms": ["Big Room"]}),
    ("book 3F-Everest and 3F-K2 friday 10-11", "book interval 12-05 10:00 12-05 11:00", {"rooms": ["3F-Everest", "3F-K2"]}),
    ("please book Everest at 3pm for 8 people", "book point 12-02 15:00 12-02 15:30", {"rooms": ["Everest"], "capacity": 8}),
    ("book a room tomorrow 10-11 in HQ", "book interval 12-03 10:00 12-03 11:00", {"rooms": [], "group": "HQ"}),
    ("reserve K2 next monday 9am for 2 hours", "book interval 12-08 09:00 12-08 11:00", {"rooms": ["K2"]}),
    ("预订 3F-Everest 明天下午2点到3点", "book interval 12-03 14:00 12-03 15:00", {"rooms": ["3F-Everest"]}),
    ("预定 长城厅 明天下午2点", "book point 12-03 14:00 12-03 14:30", {"rooms": ["长城厅"]}),
    ("book 3F-Everest now for 45 min", "book interval 12-02 10:17 12-02 11:02", {"rooms": ["3F-Everest"]}),
    # cancel
    ("cancel my 2pm booking", "cancel point 12-02 14:00 12-02 14:30", {"rooms": [], "args": []}),
    ("cancel my 9am booking", "cancel point 12-03 09:00 12-03 09:30", N),
    ("cancel #42", "cancel none - -", {"args": ["#42"]}),
    ("cancel 3F-Everest tomorrow", "cancel day 12-03 09:00 12-03 18:00", {"rooms": ["3F-Everest"]}),
    ("cancel", "cancel none - -", N),
    ("取消 明天下午2点的预订", "cancel point 12-03 14:00 12-03 14:30", {"rooms": []}),
    # my bookings
    *table(
        """
        my bookings          | my_bookings none - -
        show my bookings     | my_bookings none - -
        my bookings tomorrow | my_bookings day 12-03 09:00 12-03 18:00
        bookings             | my_bookings none - -
        我的预订             | my_bookings none - -
        我的预定 明天        | my_bookings day 12-03 09:00 12-03 18:00
        # help
        help                 | help none - -
        """
    ),
    ("help groups", "help none - -", {"args": ["groups"]}),
    *table(
        """
        ?    | help none - -
        帮助 | help none - -
        HELP | help none - -
        """
    ),
    # groups
    ("groups", "groups none - -", {"args": []}),
    *table(
        """
        group list | groups none - -
        my groups  | groups none - -
        分组       | groups none - -
        我的分组   | groups none - -
        """
    ),
    *table(
        """
        group show HQ                               | groups none - -        | ["HQ"]
        group add HQ 3F-Everest 3F-K2               | group_add none - -     | ["HQ", "3F-Everest", "3F-K2"]
        group add "Big Room" 3F-K2                  | group_add none - -     | ["Big Room", "3F-K2"]
        group create HQ                             | group_add none - -     | ["HQ"]
        分组 添加 HQ 3F-Everest                     | group_add none - -     | ["HQ", "3F-Everest"]
        添加分组 HQ 3F-Everest 3F-K2                | group_add none - -     | ["HQ", "3F-Everest", "3F-K2"]
        group remove HQ 3F-K2                       | group_remove none - -  | ["HQ", "3F-K2"]
        分组 移除 HQ 3F-K2                          | group_remove none - -  | ["HQ", "3F-K2"]
        group rename A B                            | group_rename none - -  | ["A", "B"]
        group rename HQ "Head Office"               | group_rename none - -  | ["HQ", "Head Office"]
        group rename HQ “Head Office”               | group_rename none - -  | ["HQ", "Head Office"]
        分组 重命名 A B                             | group_rename none - -  | ["A", "B"]
        group delete HQ                             | group_delete none - -  | ["HQ"]
        删除分组 HQ                                 | group_delete none - -  | ["HQ"]
        group share HQ                              | group_share none - -   | ["HQ"]
        共享分组 HQ                                 | group_share none - -   | ["HQ"]
        group default HQ                            | group_default none - - | ["HQ"]
        分组 默认 HQ                                | group_default none - - | ["HQ"]
        group import                                | group_import none - -  | []
        导入分组                                    | group_import none - -
        Group Add hq Room-1                         | group_add none - -     | ["hq", "Room-1"]
        # link
        link 0123456789abcdef                       | link none - -          | ["0123456789abcdef"]
        link +86 138 0000 0000                      | link none - -          | ["+8613800000000"]
        link <tel:+8613800000000|+86 138-0000-0000> | link none - -          | ["+8613800000000"]
        link my dingtalk account to 13800000000     | link none - -          | ["13800000000"]
        绑定 13800000000                            | link none - -          | ["13800000000"]
        link 042137                                 | link none - -          | ["042137"]  # a one-time code
        unlink                                      | unlink none - -        | []
        unlink my dingtalk account                  | unlink none - -        | []
        unlink <@U0123ABCD|ana>                     | unlink none - -        | ["U0123ABCD"]
        unlink U0123ABCD                            | unlink none - -        | ["U0123ABCD"]
        解绑                                        | unlink none - -        | []
        """
    ),
    # settings
    ("at 4", "find point 12-02 16:00 12-02 17:00", {"settings": {"default_meeting_minutes": 60}}),
    ("tomorrow", "find day 12-03 08:00 12-03 17:00", {"settings": {"work_start": time(8), "work_end": time(17)}}),
    ("at 7", "find point 12-03 07:00 12-03 07:30", {"settings": {"work_start": time(8), "work_end": time(17)}}),
    ("3/12", "find day 12-03 09:00 12-03 18:00", {"settings": {"date_order": "DMY"}}),
    ("2026/3/12", "find day 2026-03-12 09:00 2026-03-12 18:00", {"settings": {"date_order": "YMD"}}),
    ("EOD", "find interval 12-02 10:17 12-02 17:00", {"settings": {"work_end": time(17)}}),
    ("this afternoon", "find part_of_day 12-02 14:00 12-02 17:00", {"settings": {"afternoon": (time(14), time(17))}}),
]

NEW_YORK_ROWS: list[tuple[str, str, dict[str, Any]]] = [
    *table(
        """
        tomorrow 10-11am         | find interval 2025-03-09T10:00-04:00 2025-03-09T11:00-04:00
        in 12 hours              | find point 2025-03-09T05:00-04:00 2025-03-09T05:30-04:00
        tomorrow 2:30am          | find point 2025-03-09T03:30-04:00 2025-03-09T04:00-04:00
        monday 9am               | find point 2025-03-10T09:00-04:00 2025-03-10T09:30-04:00
        tonight                  | find part_of_day 2025-03-08T18:00-05:00 2025-03-08T22:00-05:00
        at 3pm                   | find point 2025-03-09T15:00-04:00 2025-03-09T15:30-04:00
        now                      | find point 2025-03-08T16:00-05:00 2025-03-08T16:30-05:00
        until 6                  | find interval 2025-03-08T16:00-05:00 2025-03-08T18:00-05:00
        tomorrow 1am for 2 hours | find interval 2025-03-09T01:00-05:00 2025-03-09T04:00-04:00
        this week                | ! in_past
        next week                | find interval 2025-03-10T09:00-04:00 2025-03-14T18:00-04:00
        sunday morning           | find part_of_day 2025-03-09T09:00-04:00 2025-03-09T12:00-04:00
        """
    ),
]

BERLIN_ROWS: list[tuple[str, str, dict[str, Any]]] = [
    *table(
        """
        tomorrow               | find day 2026-01-01 09:00 2026-01-01 18:00
        next monday 10am       | find point 2026-01-05 10:00 2026-01-05 10:30
        Jan 2 2-3pm            | find interval 2026-01-02 14:00 2026-01-02 15:00
        Dec 31 9am             | ! in_past
        at 5                   | find point 12-31 17:00 12-31 17:30
        at 4                   | find point 2026-01-01 16:00 2026-01-01 16:30
        until 6                | find interval 12-31 16:40 12-31 18:00
        this week              | find interval 12-31 16:40 2026-01-02 18:00
        next week              | find interval 2026-01-05 09:00 2026-01-09 18:00
        1/2                    | find day 2026-01-02 09:00 2026-01-02 18:00
        12/31                  | find day 12-31 16:40 12-31 18:00
        明天上午10点           | find point 2026-01-01 10:00 2026-01-01 10:30
        下周一                 | find day 2026-01-05 09:00 2026-01-05 18:00
        the 2nd                | find day 2026-01-02 09:00 2026-01-02 18:00
        tonight                | find part_of_day 12-31 18:00 12-31 22:00
        friday                 | find day 2026-01-02 09:00 2026-01-02 18:00
        2-3pm                  | find interval 2026-01-01 14:00 2026-01-01 15:00
        4-5pm                  | find interval 12-31 16:40 12-31 17:00
        this afternoon         | find part_of_day 12-31 16:40 12-31 18:00
        this morning           | ! in_past
        in 2 hours             | find point 12-31 18:40 12-31 19:10
        2025-12-30             | ! in_past
        Dec 30                 | find day 2026-12-30 09:00 2026-12-30 18:00
        in 8 hours for an hour | find interval 2026-01-01 00:40 2026-01-01 01:40
        """
    ),
]

MONTH_END_ROWS: list[tuple[str, str, dict[str, Any]]] = [
    *table(
        """
        at 3         | find point 01-31 15:00 01-31 15:30
        tomorrow     | find day 01-31 09:00 01-31 18:00
        today        | ! in_past
        the 2nd      | find day 02-02 09:00 02-02 18:00
        the 31st     | find day 01-31 09:00 01-31 18:00
        the 30th     | ! in_past
        monday 2-3pm | find interval 02-02 14:00 02-02 15:00
        friday       | find day 02-06 09:00 02-06 18:00
        this friday  | ! in_past
        2/3          | find day 02-03 09:00 02-03 18:00
        """
    ),
    ("3/2", "find day 02-03 09:00 02-03 18:00", {"settings": {"date_order": "DMY"}}),
    *table(
        """
        下周五            | find day 02-06 09:00 02-06 18:00
        周六上午          | find part_of_day 01-31 09:00 01-31 12:00
        until 9           | find interval 01-30 19:30 01-30 21:00
        tonight           | find part_of_day 01-30 19:30 01-30 22:00
        this evening      | find part_of_day 01-30 19:30 01-30 21:00
        next 30 min       | find interval 01-30 19:30 01-30 20:00
        feb 29            | ! unreadable
        in 2 days         | find day 02-01 09:00 02-01 18:00
        1月31日下午       | find part_of_day 01-31 13:00 01-31 18:00
        2月1号9点         | find point 02-01 09:00 02-01 09:30
        afternoon         | find part_of_day 01-31 13:00 01-31 18:00
        2-3pm             | find interval 01-31 14:00 01-31 15:00
        the 31st 10pm-2am | find interval 01-31 22:00 02-01 02:00
        """
    ),
]


def _decorate(
    rows: list[tuple[str, str, dict[str, Any]]], decorations: list[tuple[str, str, dict[str, Any]]]
) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for text, expected, extras in rows:
        for template, _, added in decorations:
            out.append((template.format(text), expected, {**extras, **added}))
    return out


SHANGHAI.rows.extend(_decorate(FIND_CORE, DECORATIONS_EN) + _decorate(FIND_CORE_ZH, DECORATIONS_ZH) + SHANGHAI_OTHER)
NEW_YORK_DST.rows.extend(NEW_YORK_ROWS)
BERLIN_NYE.rows.extend(BERLIN_ROWS)
SHANGHAI_MONTH_END.rows.extend(MONTH_END_ROWS)
CONTEXTS = [SHANGHAI, NEW_YORK_DST, BERLIN_NYE, SHANGHAI_MONTH_END]


def cases() -> list[tuple[Context, str, str, dict[str, Any]]]:
    return [(ctx, text, expected, extras) for ctx in CONTEXTS for text, expected, extras in ctx.rows]


def settings_for(extras: dict[str, Any]) -> ParseSettings:
    return ParseSettings(**extras.get("settings", {}))
