"""Regular expressions of the request language (English and Chinese), kept apart from the logic.

All patterns run on lower-cased text in which Chinese numerals are already digits. Consumed
spans are blanked with NUL so that later patterns never match across them.
"""

from __future__ import annotations

import re

B = r"(?<![a-z0-9_])"  # a word starts (works next to Chinese characters, unlike \b)
E = r"(?![a-z0-9_])"  # a word ends
SP = r"[ \t]*"  # spaces, never a blanked span

WEEKDAY = r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday|s)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
CN_PART = r"上午|早上|早晨|清晨|中午|下午|晚上|傍晚|夜里|凌晨|明早|明天早上|明天凌晨|次日凌晨|次日早上|次日"
_EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "forty five": 45,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
EN_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_-])(" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + r")(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)


# "half past 2", "a quarter to noon", "20 minutes to 2pm", "10 past 3": rewritten as clock times.
PAST_TO = re.compile(
    r"(?<![a-z0-9])(?:a[ \t]+)?(?P<what>half|quarter|\d{1,2}(?P<mins>[ \t]*(?:minutes?|mins?))?)[ \t]+"
    r"(?P<rel>past|to|after|before)[ \t]+(?P<h>\d{1,2}|noon|midday|midnight)(?![\d:])"
    r"(?:[ \t]*(?P<m>am|pm|a\.m\.?|p\.m\.?)(?![a-z]))?",
    re.IGNORECASE,
)
# "at half 3" (British): half past the hour
HALF_HOUR = re.compile(
    r"(?<![a-z0-9])half[ \t]+(?P<h>\d{1,2})(?![\d:.])(?![ \t]*(?:hours?|hrs?|h|mins?|minutes?)(?![a-z]))", re.IGNORECASE
)
_HOUR_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
# "five-thirty", "two forty-five": an hour word and a minute word make a clock time.
CLOCK_WORDS = re.compile(
    rf"(?<![A-Za-z0-9_-])(?P<h>{_HOUR_WORDS})(?:[ \t]*-[ \t]*|[ \t]+)"
    r"(?P<m>fifteen|twenty|thirty|forty[ -]five|forty|fifty)(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
# "twenty to four" is 3:40 ("ten to three" and "five to six" stay ranges: they may well be ones)
WORD_MINUTES_TO = re.compile(
    rf"(?<![A-Za-z])(?P<m>twenty[ -]five|twenty)[ \t]+(?=to[ \t]+(?:{_HOUR_WORDS}|noon|midnight)(?![A-Za-z]))",
    re.IGNORECASE,
)
COUPLE = re.compile(r"(?<![A-Za-z])(?:a[ \t]+)?couple(?:[ \t]+of)?(?![A-Za-z])", re.IGNORECASE)
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "twenty-first": 21,
    "twenty-second": 22,
    "twenty-third": 23,
    "twenty-fourth": 24,
    "twenty-fifth": 25,
    "twenty-sixth": 26,
    "twenty-seventh": 27,
    "twenty-eighth": 28,
    "twenty-ninth": 29,
    "thirtieth": 30,
    "thirty-first": 31,
}
_ORDINAL = "|".join(sorted((w.replace("-", "[ -]") for w in _ORDINAL_WORDS), key=len, reverse=True))
# "march first", "the first monday of next month": an ordinal word next to a month or weekday is a day number.
ORDINAL_WORD = re.compile(
    rf"(?P<pre>(?<![a-z])(?:{MONTH})\.?[ \t]+(?:the[ \t]+)?)(?P<w>{_ORDINAL})(?![a-z])"
    rf"|(?<![a-z])(?P<w2>{_ORDINAL})(?=[ \t]+(?:of[ \t]+)?(?:(?:{MONTH}|{WEEKDAY})(?![a-z])|(?:next|this)[ \t]+month))",
    re.IGNORECASE,
)


def ordinal_number(word: str) -> int:
    return _ORDINAL_WORDS[re.sub(r"[ \t]+", "-", word.lower())]


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def en_number(word: str) -> int:
    return _EN_NUMBERS[word.lower()]


def clock(n: int) -> str:
    """One time of day; groups are suffixed with `n` so two clocks fit in one pattern."""
    return (
        rf"(?:(?P<cp{n}>{CN_PART}){SP})?"
        rf"(?:(?<![a-z])(?P<sp{n}>noon|midday|midnight)(?:{SP}-?ish)?"
        rf"|(?P<hh{n}>(?<![a-z0-9_:/.,])(?:[01]\d|2[0-3]))(?P<hm{n}>[0-5]\d)"
        rf"|(?P<h{n}>(?<![a-z0-9_:/.,])\d{{1,2}})"
        rf"(?:{SP}:{SP}(?P<mi{n}>\d{{2}})|\.(?P<dm{n}>[0-5]\d)"
        rf"|{SP}(?:点|點|时|時)(?:{SP}(?:(?P<half{n}>半)|(?P<q{n}>[13])刻|(?P<cmi{n}>\d{{1,2}}){SP}分?))?"
        rf"|(?P<oc{n}>{SP}o'?clock))?"
        rf"(?:{SP}(?P<m{n}>a\.m\.?|p\.m\.?|am|pm|a|p)(?![a-z]))?(?:{SP}-?ish)?)"
        rf"(?![\d:/]|[a-z])"
    )


EN_DURATION = (
    r"(?:(?:\d+(?:\.\d+)?|an?)[ \t]*(?:hours?|hrs?|h)(?![a-z])"
    r"(?:[ \t]*(?:and[ \t]+)?(?:a[ \t]+half|\d{1,2}[ \t]*(?:minutes?|mins?|m)(?![a-z]))|\d{1,2})?"
    r"|half[ \t]+an?[ \t]+hour|\d{1,4}[ \t]*(?:minutes?|mins?|m)(?![a-z]))"
)
ZH_DURATION = (
    r"(?:\d+(?:\.\d+)?[ \t]*个?[ \t]*半?[ \t]*(?:小时|小時|钟头|鐘頭)(?:[ \t]*\d{1,2}[ \t]*分钟?)?"
    r"|半[ \t]*个?[ \t]*(?:小时|小時|钟头)|\d{1,4}[ \t]*(?:分钟|分鐘)|[13][ \t]*刻钟)"
)
DURATION = rf"(?:{EN_DURATION}|{ZH_DURATION})"

# --- commands --------------------------------------------------------------------------------
POLITE = r"^(?:(?:please|pls|plz|can you|could you|would you|hey|hi|ok|okay)[ ,]+)*(?:帮我|请|麻烦|帮忙)?"
HELP = re.compile(
    POLITE + r"(?:help|usage|commands|\?|帮助|怎么用|使用说明|说明|how does this work)(?:[ ]+(?P<topic>[\w-]+))?[ ?!.]*$"
)
MY_BOOKINGS = re.compile(
    POLITE + r"(?:(?:show|list|see|view|what are|what's|check)[ ]+)?(?:(?:all[ ]+)?my[ ]+)?(?:upcoming[ ]+)?"
    r"(?:bookings|reservations|meetings|my booking)(?![a-z])|^(?:查看|查询)?我的(?:预订|预定|预约|会议)"
)
MY_BOOKINGS_SINGULAR = re.compile(POLITE + r"(?:my[ ]+(?:booking|reservation)s?(?![a-z])|(?:my|mine)[ ?!.]*$)")
CANCEL = re.compile(POLITE + r"(?:cancel|取消)(?![a-z])")
BOOK = re.compile(POLITE + r"(?:book|reserve|预订|预定|预约|订)(?![a-z])")
UNLINK = re.compile(
    POLITE + r"(?:unlink|解绑|解除绑定|取消绑定)(?![a-z])(?:[ ]+(?:my[ ]+)?(?:dingtalk|钉钉)(?:[ ]+account)?)?"
)
LINK = re.compile(
    POLITE
    + r"(?:link|绑定|关联)(?![a-z])(?:[ ]+(?:my[ ]+)?(?:dingtalk|钉钉)(?:[ ]+(?:account|id))?)?"
    + r"(?:[ ]*(?:to|with|:)(?![a-z]))?"
)
GROUP_WORD = re.compile(
    r"^(?:(?:my|list|show|all)[ ]+)?(?:room[ ]+)?groups?(?![a-z])|^(?:我的|查看)?(?:会议室)?分组(?:列表)?"
)
ZH_GROUP_VERB_FIRST = re.compile(
    r"^(?P<verb>添加|加入|新建|创建|移除|重命名|改名|删除|共享|分享|导入|设为默认|设置默认)(?:会议室)?分组"
)

# --- request details ---------------------------------------------------------------------------
CAPACITY = [
    re.compile(
        rf"{B}(?:(?:for|with|seats?|seating|fits?|capacity(?:{SP}of)?){SP})?(?:at{SP}least{SP})?(?P<n>\d{{1,4}})"
        rf"(?:{SP}(?:-|to){SP}(?P<n2>\d{{1,4}}))?{SP}\+?{SP}"
        rf"(?:people|persons?|ppl|pax|attendees|participants|guests|seats|heads|folks|of us){E}"
    ),
    re.compile(rf"{B}(?:seats|seating|capacity|room{SP}for|fits){SP}:?{SP}(?P<n>\d{{1,4}}){E}(?![ \t]*(?:h|min|am|pm))"),
    # "for 5" with no unit is a headcount unless a time or a length follows.
    re.compile(
        rf"{B}for{SP}(?P<n>\d{{1,4}})"
        rf"(?![\d:.]|{SP}(?:[ap]\.?m|h|hrs?|hours?|mins?|minutes?|m|o'?clock|days?|weeks?|点|點|小时|分钟|:|-|to){E})"
        rf"(?![a-z0-9])"
    ),
    re.compile(
        rf"(?:(?:容纳|可容纳|能坐|坐|供){SP})?(?P<n>\d{{1,4}})(?:{SP}(?:-|到|至){SP}(?P<n2>\d{{1,4}}))?{SP}(?:个人|人|位|名)"
        r"(?!民)"
    ),
]
LABELS = [
    (
        5,
        re.compile(
            rf"{B}(?:video(?:{SP}(?:conf(?:erence|erencing)?|call|meeting|chat)s?)?|vc|zoom|webex){E}|视频会议|视频|视讯"
        ),
    ),
    (1, re.compile(rf"{B}(?:tvs?|television|(?:big{SP})?screens?|displays?|monitors?){E}|电视|屏幕|大屏|显示器|投屏")),
    (2, re.compile(rf"{B}(?:(?:conference{SP}|speaker{SP})?phones?|telephones?|polycom|speakerphone){E}|电话")),
    (3, re.compile(rf"{B}(?:projectors?|beamer){E}|投影仪|投影")),
    (4, re.compile(rf"{B}(?:white{SP}?boards?){E}|白板")),
]
RELATIVE_DAYS = re.compile(
    rf"{B}in{SP}(?P<n>\d{{1,3}}|an?){SP}(?P<unit>days?|weeks?){E}|(?P<zn>\d{{1,3}}){SP}(?P<zunit>天|周|週|个星期)(?:后|以后|之后)"
    rf"|{B}(?P<n2>\d{{1,3}}|an?){SP}(?P<unit2>days?|weeks?){SP}(?:from{SP}(?:today|now)|later|after{SP}today|hence){E}"
)
RELATIVE = re.compile(
    rf"{B}in{SP}(?:(?:about|around|roughly){SP})?(?P<d>{DURATION}){E}"
    rf"|{B}(?P<d2>{EN_DURATION}){SP}(?:from{SP}now|later){E}"
    rf"|(?P<d3>{DURATION}){SP}(?:后|以后|之后)"
    rf"|{B}(?:right{SP})?now{SP}\+{SP}(?P<d4>{DURATION}){E}"
)
# "3 hours ago", "2 days ago", "a week ago", "两天前", "3小时前": always in the past
AGO = re.compile(
    rf"{B}(?P<n>\d{{1,3}}|an?){SP}(?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?){SP}ago{E}"
    r"|(?P<zn>\d{1,3})[ \t]*(?:个|個)?[ \t]*(?P<zunit>分钟|小时|小時|天|周|週|星期)(?:以前|之前|前)"
)
NEXT_SPAN = re.compile(
    rf"{B}(?:(?:for|within|in|over){SP})?(?:the{SP})?(?:next|coming){SP}"
    rf"(?:(?P<d>{DURATION})|(?P<hour>hour)|(?P<days>\d{{1,2}}){SP}(?:(?:working|work|business){SP})?days){E}"
    rf"|{B}within{SP}(?P<d3>{DURATION}){E}"
    rf"|(?:接下来|未来|之后){SP}(?:的{SP})?(?:(?P<d2>{DURATION})|(?P<zdays>\d{{1,2}}){SP}(?:天|个工作日))"
)
FOR_DURATION = re.compile(
    rf"{B}(?:(?:for|lasting|of){SP})?(?:(?:an?|one){SP})?(?P<d>{EN_DURATION})(?:{SP}(?:long|slot|meeting|block|window|gap)s?)?{E}"
    rf"|(?:(?:开|用|需要|占用|时长){SP})?(?P<d2>{ZH_DURATION})"
)
DURATION_PARTS = re.compile(
    r"(?P<half_hour>half[ \t]+an?[ \t]+hour|半[ \t]*个?[ \t]*(?:小时|小時|钟头))"
    r"|(?P<h>\d+(?:\.\d+)?|an?)[ \t]*个?[ \t]*(?P<hhalf>半)?[ \t]*(?:hours?|hrs?|h|小时|小時|钟头|鐘頭)(?![a-z])"
    r"(?:[ \t]*(?:and[ \t]+)?(?:(?P<ahalf>a[ \t]+half)|(?P<hm>\d{1,2})[ \t]*(?:minutes?|mins?|m|分钟|分)?))?"
    r"|(?P<q>[13])[ \t]*刻钟"
    r"|(?P<m>\d{1,4})[ \t]*(?:minutes?|mins?|m|分钟|分鐘)"
)

EN_MONTH_DATE = re.compile(
    rf"{B}(?:(?:on|the){SP})?(?:(?P<m1>{MONTH})\.?{SP}(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?{SP}(?P<y1>(?:19|20)\d{{2}})(?!{SP}(?:-|to){SP}\d))?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?{SP}(?:of{SP})?(?P<m2>{MONTH})\.?(?:,?{SP}(?P<y2>(?:19|20)\d{{2}})(?!{SP}(?:-|to){SP}\d))?){E}"
)
NUM_DATE = re.compile(
    r"(?<![\d:/.-])(?:(?P<iso>\d{4}-\d{1,2}-\d{1,2})|(?P<num>\d{1,4}/\d{1,2}(?:/\d{2,4})?)|(?P<dot>\d{1,2}\.\d{1,2}\.\d{2,4}))"
    r"(?![\d/]|[a-z])"
)
# 下个月第一个周一, 本月最后一个周五 (numerals are digits by now: 第1个, 周1)
ZH_NTH_WEEKDAY = re.compile(
    r"(?P<zq>下|本|这|這)[ \t]*(?:个|個)?[ \t]*月[ \t]*(?:的)?[ \t]*"
    r"(?:第[ \t]*(?P<zn>[1-5])[ \t]*(?:个|個)|(?P<zlast>最后|最後)[ \t]*1?[ \t]*(?:个|個))[ \t]*"
    r"(?:周|週|星期|礼拜|禮拜)(?P<zwd>[一二三四五六日天1-7])"
)
# 差一刻三点, 三点差一刻, 三点差5分: a quarter or some minutes before the hour
ZH_BEFORE_HOUR = re.compile(
    r"差[ \t]*(?P<a>\d{1,2})[ \t]*(?P<au>刻|分钟|分)[ \t]*(?P<ah>\d{1,2})[ \t]*(?:点|點)"
    r"|(?P<bh>\d{1,2})[ \t]*(?:点|點)[ \t]*差[ \t]*(?P<b>\d{1,2})[ \t]*(?P<bu>刻|分钟|分)"
)
MONTH_DAY_REL = re.compile(
    rf"{B}(?:(?:on{SP})?the{SP})?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{SP}(?:of{SP})?(?P<q>next|this){SP}month{E}"
    r"|(?P<zq>下|本|这)[ \t]*(?:个|個)?[ \t]*月[ \t]*(?P<zd>\d{1,2})[ \t]*(?:日|号|號)"
)
NTH_WEEKDAY = re.compile(
    rf"{B}(?:(?:on{SP})?the{SP})?(?P<nth>[1-5](?:st|nd|rd|th)|last){SP}(?P<wd>{WEEKDAY}){SP}(?:of|in){SP}"
    rf"(?:(?P<q>next|this){SP}month|(?P<mon>{MONTH})(?:{SP}(?P<y>\d{{4}}))?){E}"
)
WEEKDAY_NTH = re.compile(rf"{B}(?:on{SP})?(?P<wd>{WEEKDAY}),?{SP}(?:the{SP})?(?P<d>\d{{1,2}})(?:st|nd|rd|th){E}")
ORDINAL_DATE = re.compile(rf"{B}(?:on{SP})?the{SP}(?P<d>\d{{1,2}})(?:st|nd|rd|th){E}")
ZH_DATE = re.compile(
    r"(?:(?P<y>\d{4})[ \t]*年[ \t]*)?(?P<m>\d{1,2})[ \t]*月[ \t]*(?P<d>\d{1,2})[ \t]*(?:日|号|號)?"
    r"|(?<![\d月])(?P<d2>\d{1,2})[ \t]*(?:日|号|號)(?![ \t]*(?:会议室|房间|楼|室|厅|會議室))"
)
WEEK = re.compile(
    rf"{B}(?:(?P<q>this|next|the|last|previous|past|rest{SP}of{SP}(?:the|this)){SP})week{E}"
    r"|(?P<zq>本|这|這|下|上)[ \t]*(?:个|個)?[ \t]*(?:周|週|星期|礼拜|禮拜)(?![一二三四五六日天1-7])"
)
EN_DAY = re.compile(
    rf"{B}(?:(?P<today>today|tdy)|(?P<tomorrow>tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow)"
    rf"|(?P<after>(?:the{SP})?day{SP}after{SP}tomorrow|overmorrow)"
    rf"|(?P<yesterday>yesterday|ytd|(?:the{SP})?day{SP}before{SP}yesterday)"
    rf"|(?:(?P<q>next|this{SP}coming|this|coming|on|last|this{SP}past|past|previous){SP})?(?P<wd>{WEEKDAY})){E}"
)
ZH_DAY = re.compile(
    r"(?P<rel>今天|今日|今儿|明天|明日|明儿|大后天|大後天|后天|後天|昨天|昨日|大前天|前天)"
    r"|(?P<q>下下|下|这|這|本|上)?[ \t]*(?:个|個)?[ \t]*(?:周|週|星期|礼拜|禮拜)(?P<wd>[一二三四五六日天1-7])"
    r"|(?P<zpart>今早|今晚|明早|明晚|昨晚|昨早)"
)
PART = re.compile(
    rf"{B}(?:(?P<this>this|in{SP}the|the|at|this{SP}coming|tomorrow|yesterday|last|by|until|till|after|before){SP})?"
    rf"(?P<p>morning|afternoon|evening|tonight|night|lunch{SP}?time|lunch|eod|cob|end{SP}of{SP}(?:the{SP})?(?:work{SP})?day"
    rf"|close{SP}of{SP}business|all{SP}day|whole{SP}day|(?:the{SP})?(?:full|entire){SP}day){E}"
    r"|(?P<zp>上午|早上|早晨|清晨|中午|下午|晚上|傍晚|夜里|全天|一整天|1整天|整天|下班前)"
)
NOW = re.compile(rf"{B}(?:right{SP})?(?:now|asap|immediately){E}|现在|馬上|马上|立刻|立即")

_C1, _C2 = clock(1), clock(2)
RANGE = re.compile(
    rf"(?:(?P<kw>from|between|从|從){SP})?{_C1}{SP}"
    rf"(?P<sep>-|~|～|to|till|until|til|thru|through|and|到|至){SP}{_C2}"
    rf"(?![ \t]*(?:rooms?|people|persons|ppl|人|个|間|间|位))"
)
NOW_UNTIL = re.compile(
    rf"(?:{B}(?:between|from){SP})?{B}(?:right{SP})?now{SP}(?:and|to|till|until|til|through|thru|-){SP}{_C1}"
    rf"|(?:从|從)?{SP}现在{SP}(?:到|至){SP}{_C2}"
)
# "between now and friday", "now until eod": from now to a day or a part of one named next
NOW_TO = re.compile(
    rf"(?:{B}(?:between|from){SP})?{B}(?:right{SP})?now{SP}(?:and|to|till|until|til|through|thru|-){SP}(?=[a-z])"
    r"|(?:从|從)?[ \t]*现在[ \t]*(?:到|至)(?=[^\d\x00])"
)
UNTIL = re.compile(
    rf"{B}(?P<kw>until|till|til|by|before|up{SP}to|through|thru){SP}{_C1}|(?P<zkw>到|至){SP}{_C2}|{clock(3)}{SP}(?:之前|以前|前)"
)
AFTER = re.compile(
    rf"{B}(?P<kw>after|from|since|starting(?:{SP}(?:at|from))?|later{SP}than){SP}{_C1}"
    rf"|(?:从|從){SP}{clock(2)}"
    rf"|{clock(3)}{SP}(?:以后|之后|後|后|开始|起)"
)
_CONTEXT_WORDS = [
    "today",
    "tomorrow",
    "tmrw",
    "tonight",
    "morning",
    "afternoon",
    "evening",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
]
_CONTEXT = "|".join(f"(?<={w} )" for w in _CONTEXT_WORDS)
# "8 tonight", "5 tomorrow": a bare number right before a day or a part of it is a clock time.
_NOT_AFTER_PLACE = "".join(f"(?<!{w} )" for w in ("building", "floor", "room", "level", "block", "tower", "wing", "no", "#"))
POINT_BEFORE_DAY = re.compile(
    rf"{B}{_NOT_AFTER_PLACE}{clock(3)}(?={SP}(?:tonight|today|tomorrow|tmrw|tmr|(?:this|in{SP}the|tomorrow){SP}(?:morning|afternoon|evening)"
    rf"|(?:on{SP})?(?:next{SP}|this{SP})?(?:{WEEKDAY})){E})"
)
POINT = re.compile(rf"(?P<ctx>{_CONTEXT}){clock(2)}|(?:{B}(?P<kw>at|around|about|@|~|approx\.?|在){SP})?{_C1}")

GROUP_QUOTED = re.compile(rf'{B}(?:in|at|from|@|group|使用|在)(?:{SP}(?:the{SP})?group)?{SP}"(?P<name>[^"\x00]+)"')
GROUP_AT = re.compile(r"(?<![\w@])@(?P<name>[^\s\x00@,;:!?()<>\"]+)")
GROUP_WORDS = re.compile(
    # The keyword stands alone: "5F-Atlas" holds "at" but names no group, so a name follows white space.
    rf"(?<![\w.-])(?:in|at|from|within|group)(?:{SP}(?:the{SP})?group)?[ \t]+"
    rf"(?P<name>[\w][\w.&'/-]*)(?P<more>{SP}[\w][\w.-]*)?"
)
GROUP_ZH = re.compile(
    r"(?:在|于)[ \t]*(?P<name>[a-z0-9][\w.-]*)(?P<more>[ \t]+[a-z0-9][\w.-]*)?"
    r"|(?P<name2>[a-z0-9][\w.-]*)[ \t]*(?:分组|组)(?:里|中|内|的)?"
)
GROUP_STOPWORDS = words(
    "a an the my our your any all some room rooms least once it this that there here me us one case "
    "order advance time total mind person meeting meetings use touch"
)

# Fragments that look like a time but were not read: they turn a silent guess into a clear error.
TIME_SHAPED = re.compile(
    rf"\d{{1,2}}{SP}:{SP}\d{{1,2}}|{B}\d{{1,3}}{SP}(?:am|pm|a\.m|p\.m){E}|\d{{1,3}}{SP}(?:点|點)|{B}(?:{MONTH}){SP}\d{{1,2}}{E}"
    rf"|{B}(?:at|until|till|from|after|before|between){SP}\d{{1,4}}{E}"
)
