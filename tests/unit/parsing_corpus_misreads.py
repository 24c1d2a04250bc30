"""Corpus rows for the classes of misreading, each expected value worked out by hand.

Rows read `(text, expected, extras)` as in `parsing_corpus`: `expected` is `"! reason"` or
`"intent kind start end"` with `MM-DD HH:MM` in the context's year (or `YYYY-MM-DD HH:MM`).
`extras` may also hold `suggestion` (the start offered by an `in_past` error) and `ignored`.

The calendar used below: December 2025 starts on a Monday (Mon 1, Tue 2, Wed 3, ... Mon 8, Wed 10,
Fri 12, Fri 26); 28 November 2025 is a Friday; January 2026 starts on a Thursday (Mon 5, Tue 13,
Tue 20); 1 March 2026 is a Sunday; the next Tuesday the 8th is 8 September 2026 and the next
Monday the 24th is 24 August 2026.
"""

from __future__ import annotations

from typing import Any

from tests.unit.parsing_corpus import SHANGHAI, Context, _ctx, table

N: dict[str, Any] = {}
Rows = list[tuple[str, str, dict[str, Any]]]

# Wednesday 3 December 2025, 10:00 in Shanghai: "wednesday next week" asked on a Wednesday.
SHANGHAI_WED = _ctx("shanghai-wed", "Asia/Shanghai", 2025, 12, 3, 10, 0)
# Tuesday 2 December 2025, 23:50 in Shanghai: ten minutes before midnight.
SHANGHAI_LATE = _ctx("shanghai-late", "Asia/Shanghai", 2025, 12, 2, 23, 50)

# --- asked on Tuesday 2 December 2025, 10:17 in Shanghai -----------------------------------------
PAST: Rows = [
    # a past day is refused with the nearest future window of the same clock times
    ("free rooms yesterday 3pm", "! in_past", {"suggestion": "12-02 15:00"}),
    ("yesterday 2-3pm", "! in_past", {"suggestion": "12-02 14:00"}),
    ("any room last friday at 3pm", "! in_past", {"suggestion": "12-05 15:00"}),
    ("last monday 10am", "! in_past", {"suggestion": "12-08 10:00"}),
    ("last tuesday 2pm", "! in_past", {"suggestion": "12-02 14:00"}),
    ("previous friday 9-10am", "! in_past", {"suggestion": "12-05 09:00"}),
    ("last friday", "! in_past", {"suggestion": "12-05 09:00"}),
    ("yesterday", "! in_past", {"suggestion": "12-02 10:17"}),
    ("yesterday 9am", "! in_past", {"suggestion": "12-03 09:00"}),
    ("the day before yesterday at 4pm", "! in_past", {"suggestion": "12-02 16:00"}),
    ("yesterday afternoon", "! in_past", {"suggestion": "12-02 13:00"}),
    ("yesterday after 3pm", "! in_past", {"suggestion": "12-02 15:00"}),
    ("book 3F-Everest yesterday 2-3pm", "! in_past", {"suggestion": "12-02 14:00"}),
    ("昨天下午3点", "! in_past", {"suggestion": "12-02 15:00"}),
    ("昨天下午2点到3点", "! in_past", {"suggestion": "12-02 14:00"}),
    ("前天上午11点", "! in_past", {"suggestion": "12-02 11:00"}),
    ("上周五下午3点", "! in_past", {"suggestion": "12-05 15:00"}),
    ("上周一", "! in_past", {"suggestion": "12-08 09:00"}),
    ("昨天", "! in_past", {"suggestion": "12-02 10:17"}),
    ("last week", "! in_past", {"suggestion": "12-02 10:17"}),  # the rest of this week
    ("上周", "! in_past", {"suggestion": "12-02 10:17"}),
    ("last week friday", "! in_past", {"suggestion": "12-05 09:00"}),
    ("昨晚8点", "! in_past", {"suggestion": "12-02 20:00"}),
    ("last night", "! in_past", {"suggestion": "12-02 18:00"}),
    ("yesterday morning", "! in_past", {"suggestion": "12-02 10:17"}),
    ("this past monday", "! in_past", {"suggestion": "12-08 09:00"}),
    ("2 days ago", "! in_past", {"suggestion": "12-02 10:17"}),
    ("a week ago", "! in_past", {"suggestion": "12-02 10:17"}),
    ("3 hours ago", "! in_past", {"suggestion": "12-03 07:17"}),
    ("两天前", "! in_past", {"suggestion": "12-02 10:17"}),
    ("3小时前", "! in_past", {"suggestion": "12-03 07:17"}),
]

NEXT_WEEK: Rows = [
    *table(
        """
        wednesday next week            | find day 12-10 09:00 12-10 18:00
        friday next week               | find day 12-12 09:00 12-12 18:00
        tuesday of next week           | find day 12-09 09:00 12-09 18:00
        next week wednesday 2-3pm      | find interval 12-10 14:00 12-10 15:00
        monday next week at 10am       | find point 12-08 10:00 12-08 10:30
        thursday next week afternoon   | find part_of_day 12-11 13:00 12-11 18:00
        on friday of next week 9:30-10 | find interval 12-12 09:30 12-12 10:00
        this week friday               | find day 12-05 09:00 12-05 18:00
        下周 周三                      | find day 12-10 09:00 12-10 18:00
        下周三下午2点到3点             | find interval 12-10 14:00 12-10 15:00
        """
    ),
]

RANGES: Rows = [
    *table(
        """
        tomorrow 3-2pm                | ! end_before_start
        tomorrow 4-3                  | ! end_before_start
        5-4pm                         | ! end_before_start
        8-5pm tomorrow                | find interval 12-03 08:00 12-03 17:00
        tomorrow 0930 - 1045          | find interval 12-03 09:30 12-03 10:45
        19 dec 0930-1045              | find interval 12-19 09:30 12-19 10:45
        Jun 7 1440-1825               | find interval 2026-06-07 14:40 2026-06-07 18:25
        tomorrow 1400-1530            | find interval 12-03 14:00 12-03 15:30
        0800-0900 tomorrow            | find interval 12-03 08:00 12-03 09:00
        at 0930 tomorrow              | find point 12-03 09:30 12-03 10:00
        10pm-2am                      | find interval 12-02 22:00 12-03 02:00
        tomorrow 11pm-1am             | find interval 12-03 23:00 12-04 01:00
        22:00-01:30                   | find interval 12-02 22:00 12-03 01:30
        晚上11点 ~ 凌晨2点            | find interval 12-02 23:00 12-03 02:00
        晚上10点到凌晨1点             | find interval 12-02 22:00 12-03 01:00
        明天晚上11点到凌晨2点         | find interval 12-03 23:00 12-04 02:00
        今晚11点到明早1点             | find interval 12-02 23:00 12-03 01:00
        今晚11点到明早8点             | find interval 12-02 23:00 12-03 08:00
        晚上10点到次日凌晨2点         | find interval 12-02 22:00 12-03 02:00
        tonight 11 to 1               | find interval 12-02 23:00 12-03 01:00
        between now and 5             | find interval 12-02 10:17 12-02 17:00
        from now until 3pm            | find interval 12-02 10:17 12-02 15:00
        now till 4                    | find interval 12-02 10:17 12-02 16:00
        现在到下午5点                 | find interval 12-02 10:17 12-02 17:00
        now through 4                 | find interval 12-02 10:17 12-02 16:00
        between now and eod           | find interval 12-02 10:17 12-02 18:00
        between now and friday        | find interval 12-02 10:17 12-05 18:00
        now until tomorrow            | find interval 12-02 10:17 12-03 18:00
        between now and tomorrow noon | find interval 12-02 10:17 12-03 12:00
        现在到明天中午                | find interval 12-02 10:17 12-03 12:00
        从现在到周五                  | find interval 12-02 10:17 12-05 18:00
        """
    ),
    ("between now and yesterday", "! in_past", {"suggestion": "12-02 10:17"}),
    *table(
        """
        later than 3:30pm but before 6pm    | find interval 12-02 15:30 12-02 18:00
        after 2 but before 4                | find interval 12-02 14:00 12-02 16:00
        tomorrow after 10am and before noon | find interval 12-03 10:00 12-03 12:00
        下午3点以后5点以前                  | find interval 12-02 15:00 12-02 17:00
        from 10 to 3                        | find interval 12-02 10:17 12-02 15:00
        """
    ),
]

CLOCK_WORDS: Rows = [
    *table(
        """
        at 2.30 tomorrow             | find point 12-03 14:30 12-03 15:00
        tomorrow at 9.45             | find point 12-03 09:45 12-03 10:15
        a quarter to noon            | find point 12-02 11:45 12-02 12:15
        quarter past noon tomorrow   | find point 12-03 12:15 12-03 12:45
        20 minutes to 2pm            | find point 12-02 13:40 12-02 14:10
        10 minutes past 3pm tomorrow | find point 12-03 15:10 12-03 15:40
        10 past 3 tomorrow           | find point 12-03 15:10 12-03 15:40
        quarter to midnight          | find point 12-02 23:45 12-03 00:15
        8 tonight                    | find point 12-02 20:00 12-02 20:30
        9 tonight for an hour        | find interval 12-02 21:00 12-02 22:00
        7 tomorrow morning           | find point 12-03 07:00 12-03 07:30
        five-thirty tomorrow evening | find point 12-03 17:30 12-03 18:00
        two thirty tomorrow          | find point 12-03 14:30 12-03 15:00
        four forty-five on friday    | find point 12-05 16:45 12-05 17:15
        at half 3                    | find point 12-02 15:30 12-02 16:00
        twenty to four tomorrow      | find point 12-03 15:40 12-03 16:10
        twenty-five to four          | find point 12-02 15:35 12-02 16:05
        ten to three                 | find interval 12-02 10:17 12-02 15:00  # words that may be a range stay one
        noonish tomorrow             | find point 12-03 12:00 12-03 12:30
        this coming friday at 9.15   | find point 12-05 09:15 12-05 09:45
        差一刻三点                   | find point 12-02 14:45 12-02 15:15
        三点差一刻                   | find point 12-02 14:45 12-02 15:15
        明天三点差5分                | find point 12-03 14:55 12-03 15:25
        """
    ),
]

DURATIONS: Rows = [
    *table(
        """
        in a couple of hours       | find point 12-02 12:17 12-02 12:47
        a couple of hours from now | find point 12-02 12:17 12-02 12:47
        now + 40minutes            | find point 12-02 10:57 12-02 11:27
        now+1h                     | find point 12-02 11:17 12-02 11:47
        3 days from today          | find day 12-05 09:00 12-05 18:00
        2 days from now at 3pm     | find point 12-04 15:00 12-04 15:30
        next 3 days                | find interval 12-02 10:17 12-04 18:00
        in the next 2 days         | find interval 12-02 10:17 12-03 18:00
        接下来3天                  | find interval 12-02 10:17 12-04 18:00
        for the next 30 minutes    | find interval 12-02 10:17 12-02 10:47
        for the next hour          | find interval 12-02 10:17 12-02 11:17
        within 2 hours             | find interval 12-02 10:17 12-02 12:17
        a week from today          | find day 12-09 09:00 12-09 18:00
        3 weeks from today         | find day 12-23 09:00 12-23 18:00
        in a week                  | find day 12-09 09:00 12-09 18:00
        in 2 weeks at 3pm          | find point 12-16 15:00 12-16 15:30
        2周后                      | find day 12-16 09:00 12-16 18:00
        3天后下午2点               | find point 12-05 14:00 12-05 14:30
        2周后 in the next 2 days   | find day 12-16 09:00 12-16 18:00  # the first day named wins
        """
    ),
]

DATES: Rows = [
    *table(
        """
        march first                    | find day 2026-03-01 09:00 2026-03-01 18:00
        march first 2-3pm              | find interval 2026-03-01 14:00 2026-03-01 15:00
        the first of march             | find day 2026-03-01 09:00 2026-03-01 18:00
        december twentieth             | find day 12-20 09:00 12-20 18:00
        20 of next month               | find day 2026-01-20 09:00 2026-01-20 18:00
        the 20th of next month at 10am | find point 2026-01-20 10:00 2026-01-20 10:30
        the 5th of this month          | find day 12-05 09:00 12-05 18:00
        下个月20号                     | find day 2026-01-20 09:00 2026-01-20 18:00
        Tuesday 8th                    | find day 2026-09-08 09:00 2026-09-08 18:00
        Monday 24th                    | find day 2026-08-24 09:00 2026-08-24 18:00
        Thursday the 4th               | find day 12-04 09:00 12-04 18:00
        friday 5th 2pm                 | find point 12-05 14:00 12-05 14:30
        the first Monday of next month | find day 2026-01-05 09:00 2026-01-05 18:00
        the last friday of this month  | find day 12-26 09:00 12-26 18:00
        second tuesday in january      | find day 2026-01-13 09:00 2026-01-13 18:00
        下个月第一个周一               | find day 2026-01-05 09:00 2026-01-05 18:00
        下个月的第一个星期五           | find day 2026-01-02 09:00 2026-01-02 18:00
        本月最后一个周五               | find day 12-26 09:00 12-26 18:00
        # a weekday next to a date confirms it; a wrong one is pointed out, never silently dropped
        Sat 7 Dec                      | ! weekday_mismatch  # 7 December 2025 is a Sunday
        Sun 7 Dec                      | find day 12-07 09:00 12-07 18:00
        12月25日周五                   | ! weekday_mismatch  # a Thursday
        12月25日周四下午               | find part_of_day 12-25 13:00 12-25 18:00
        """
    ),
    ("the first monday of this month", "! in_past", {"suggestion": "12-02 10:17"}),
]

CONSTRAINTS: Rows = [
    (
        "room for 6 people tomorrow 9-10am with video",
        "find interval 12-03 09:00 12-03 10:00",
        {"capacity": 6, "labels": [5]},
    ),
    ("video call room at 3pm", "find point 12-02 15:00 12-02 15:30", {"labels": [5]}),
    ("tomorrow 10-11:30am for 5", "find interval 12-03 10:00 12-03 11:30", {"capacity": 5}),
    ("for 5 tomorrow 2-3pm", "find interval 12-03 14:00 12-03 15:00", {"capacity": 5}),
    ("a room for 12 at 4pm", "find point 12-02 16:00 12-02 16:30", {"capacity": 12}),
    ("tomorrow 2pm for 1 hour", "find interval 12-03 14:00 12-03 15:00", N),
    ("tomorrow 2-3pm for 40 people", "find interval 12-03 14:00 12-03 15:00", {"capacity": 40}),
    ("下午3点到4点 在HQ 3F", "find interval 12-02 15:00 12-02 16:00", {"group": "HQ 3F"}),
    ("下午3点到4点 在HQ", "find interval 12-02 15:00 12-02 16:00", {"group": "HQ"}),
    ("下午3点到4点 HQ 3F", "find interval 12-02 15:00 12-02 16:00", {"ignored": ["HQ", "3F"]}),
    ("tomorrow 2pm bananas", "find point 12-03 14:00 12-03 14:30", {"ignored": ["bananas"]}),
    ("明天下午有没有空的会议室", "find part_of_day 12-03 13:00 12-03 18:00", {"ignored": []}),
    ("is anything free tomorrow at 10?", "find point 12-03 10:00 12-03 10:30", {"ignored": []}),
    ("free rooms in HQ tomorrow 2-3pm", "find interval 12-03 14:00 12-03 15:00", {"group": "HQ"}),
    ("明天上午10点 6人 视频", "find point 12-03 10:00 12-03 10:30", {"capacity": 6, "labels": [5]}),
    ("请帮我找一个明天下午3点的会议室", "find point 12-03 15:00 12-03 15:30", {"ignored": []}),
    (
        "明天下午3点到4点 6个人 要投影仪",
        "find interval 12-03 15:00 12-03 16:00",
        {"capacity": 6, "labels": [3], "ignored": []},
    ),
    ("what's free at 3 today", "find point 12-02 15:00 12-02 15:30", {"ignored": []}),
    ("free rooms near the kitchen tomorrow", "find day 12-03 09:00 12-03 18:00", {"ignored": ["near", "kitchen"]}),
    ("明天下午3点 靠窗", "find point 12-03 15:00 12-03 15:30", {"ignored": ["靠窗"]}),
]

WEDNESDAY: Rows = [
    *table(
        """
        wednesday next week | find day 12-10 09:00 12-10 18:00
        wednesday           | find day 12-03 10:00 12-03 18:00
        next wednesday      | find day 12-10 09:00 12-10 18:00
        """
    ),
    ("last wednesday 2pm", "! in_past", {"suggestion": "12-03 14:00"}),
    ("tuesday next week 10-11", "find interval 12-09 10:00 12-09 11:00", N),
    ("下周三", "find day 12-10 09:00 12-10 18:00", N),
]

LATE: Rows = [
    *table(
        """
        for the next hour    | find interval 12-02 23:50 12-03 00:50
        next hour            | find interval 12-02 23:50 12-03 00:50
        in a couple of hours | find point 12-03 01:50 12-03 02:20
        """
    ),
    ("yesterday 3pm", "! in_past", {"suggestion": "12-03 15:00"}),
    ("today 3pm", "! in_past", {"suggestion": "12-03 15:00"}),
    ("11pm-1am", "find interval 12-02 23:50 12-03 01:00", N),  # under way: from now on
    ("10pm-11pm", "find interval 12-03 22:00 12-03 23:00", N),  # over, and no day named: tomorrow's
]

SHANGHAI_ROWS = PAST + NEXT_WEEK + RANGES + CLOCK_WORDS + DURATIONS + DATES + CONSTRAINTS
MISREAD_CONTEXTS: list[tuple[Context, Rows]] = [
    (SHANGHAI, SHANGHAI_ROWS),
    (SHANGHAI_WED, WEDNESDAY),
    (SHANGHAI_LATE, LATE),
]


def misread_cases() -> list[tuple[Context, str, str, dict[str, Any]]]:
    return [(ctx, text, expected, extras) for ctx, rows in MISREAD_CONTEXTS for text, expected, extras in rows]
