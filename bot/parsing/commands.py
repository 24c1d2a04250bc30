"""The command grammar: which command a message is (find, book, cancel, my bookings, groups, link,
help), the arguments of the commands that take them, and the room filters a search carries
(headcount, equipment, group, room names, booking references)."""

from __future__ import annotations

import re

from bot.parsing import grammar as g
from bot.parsing.models import Intent, Request
from bot.parsing.scan import BLANK, Scan
from bot.parsing.text import lower_same_length

FILLERS = g.words(
    "a an the room rooms meeting meetings booking bookings reservation my me for on at in please pls and with "
    "from to any some free available one but of through thru , & + 会议室 房间 一个 1个 个 间 的 和 及 我的 会议 预订"
)
# Words a search may carry without meaning anything about rooms or time ("is anything free?").
SEARCH_WORDS = g.words(
    "is are there anything something what whats which show find get need want i we us you can could do does have has "
    "got slot slots space spaces open vacant empty unused hey hi hello please thanks thank ok okay list check see left "
    "still right conference huddle call where who how whats team quick short sync standup interview discussion review "
    "catchup sharp"
)
_GROUP_SUBS = {
    "add": Intent.GROUP_ADD,
    "create": Intent.GROUP_ADD,
    "new": Intent.GROUP_ADD,
    "+": Intent.GROUP_ADD,
    "添加": Intent.GROUP_ADD,
    "加入": Intent.GROUP_ADD,
    "加": Intent.GROUP_ADD,
    "新建": Intent.GROUP_ADD,
    "创建": Intent.GROUP_ADD,
    "remove": Intent.GROUP_REMOVE,
    "rm": Intent.GROUP_REMOVE,
    "drop": Intent.GROUP_REMOVE,
    "移除": Intent.GROUP_REMOVE,
    "rename": Intent.GROUP_RENAME,
    "mv": Intent.GROUP_RENAME,
    "重命名": Intent.GROUP_RENAME,
    "改名": Intent.GROUP_RENAME,
    "delete": Intent.GROUP_DELETE,
    "del": Intent.GROUP_DELETE,
    "destroy": Intent.GROUP_DELETE,
    "删除": Intent.GROUP_DELETE,
    "share": Intent.GROUP_SHARE,
    "共享": Intent.GROUP_SHARE,
    "分享": Intent.GROUP_SHARE,
    "default": Intent.GROUP_DEFAULT,
    "默认": Intent.GROUP_DEFAULT,
    "设为默认": Intent.GROUP_DEFAULT,
    "设置默认": Intent.GROUP_DEFAULT,
    "import": Intent.GROUP_IMPORT,
    "sync": Intent.GROUP_IMPORT,
    "导入": Intent.GROUP_IMPORT,
    "grace": Intent.GROUP_GRACE,
    "宽限": Intent.GROUP_GRACE,
    "list": Intent.GROUPS,
    "show": Intent.GROUPS,
    "ls": Intent.GROUPS,
    "列表": Intent.GROUPS,
    "查看": Intent.GROUPS,
}
# intent -> (fewest arguments, most arguments or None, example)
_GROUP_ARITY: dict[Intent, tuple[int, int | None, str]] = {
    Intent.GROUP_ADD: (1, None, "group add HQ 3F-Everest 3F-K2"),
    Intent.GROUP_REMOVE: (2, None, "group remove HQ 3F-K2"),
    Intent.GROUP_RENAME: (2, 2, 'group rename HQ "Head Office"'),
    Intent.GROUP_DELETE: (1, 1, "group delete HQ"),
    Intent.GROUP_SHARE: (1, 1, "group share HQ"),
    Intent.GROUP_DEFAULT: (1, 1, "group default HQ"),
    Intent.GROUP_IMPORT: (0, None, "group import"),
    Intent.GROUP_GRACE: (2, 2, "group grace HQ 10"),
    Intent.GROUPS: (0, 1, "groups"),
}
_ZH_FILLER_EDGES = re.compile(
    r"^(?:的|帮我|请|一下|吧|呢|吗|有空的|空的)+|(?:的|预订|预定|预约|会议|会议室|吧|呢|吗|一下)+$"
)
_TOKEN = re.compile(r'"([^"]*)"?|\'([^\']*)\'|(\S+)')
_PHONE = re.compile(r"^\+?[\d ()\-.]{6,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9_]{6,}$")
_BOOKING_REF = re.compile(r"#\w+|\d{1,12}|[A-Za-z0-9_-]{16,}")

# Check-in commands: `check in [room]`, `release <room>`, `end my meeting now`, `extend 30 min`,
# `remind me 15 min before`, `reminders off`.
_CHECK_IN = re.compile(g.POLITE + r"(?:check[ -]?in|checkin|签到)(?![a-z])")
_RELEASE = re.compile(g.POLITE + r"(?:release|give[ ]+back|释放)(?![a-z])")
_END_NOW = re.compile(
    g.POLITE
    + r"(?:(?:end|finish|stop|close)[ ]+(?:my[ ]+|the[ ]+|this[ ]+|our[ ]+)?(?:meeting|booking)(?:[ ]+(?:now|early))?"
    + r"|(?:提前)?结束(?:我的)?会议(?:吧)?)[ ?!.。]*$"
)
_EXTEND = re.compile(g.POLITE + r"(?:extend|延长)(?![a-z])")
_REMIND = re.compile(g.POLITE + r"(?:remind[ ]+me|reminders?|提醒(?:我)?)(?![a-z])")
_AMOUNT = re.compile(r"(?P<n>\d{1,4})[ ]*(?P<unit>h|hrs?|hours?|小时|m|mins?|minutes?|分钟|分)?(?![a-z])")
_OFF = re.compile(r"^[ ]*(?:off|none|stop|no|never|关闭|关|不要)(?![a-z])")
_ON = re.compile(r"^[ ]*(?:on|yes|开启|开)(?![a-z])")
# A Slack user mention (`<@U123>` or `<@U123|name>`), maybe marked optional right after it.
_MENTION = re.compile(
    r"<@(?P<id>[UW][A-Z0-9]{2,20})(?:\|[^>]*)?>(?P<opt>[ \t]*(?:\(optional\)|optional|\(可选\)|（可选）|可选))?",
    re.IGNORECASE,
)

# Words that make a message naming people a question about meeting them ("when can @ana and I
# meet", "find 30 min with @ana", "明天和 @ana 开会"); a bare stray mention is not one.
MEET_WORDS = re.compile(
    r"(?<![a-z])(?:meet(?:ing)?s?|when|with|together|catch[ -]?up|sync|1:1|one[ -]on[ -]one)(?![a-z])"
    r"|和|跟|与|同|开会|约|见面|一起|碰头"
)

# Intents whose message is a search: room filters and a time window follow the command word.
SEARCH_INTENTS = frozenset({Intent.FIND, Intent.BOOK, Intent.CANCEL, Intent.MY_BOOKINGS})


def read_intent(low: str) -> tuple[Intent, int]:
    """The command and where its details start in the lower-cased text."""
    if g.HELP.match(low):
        return Intent.HELP, 0
    if _END_NOW.match(low):
        return Intent.END_NOW, len(low)
    for pattern, intent in (
        (_CHECK_IN, Intent.CHECK_IN),
        (_RELEASE, Intent.RELEASE),
        (_EXTEND, Intent.EXTEND),
        (_REMIND, Intent.REMIND),
        (g.UNLINK, Intent.UNLINK),
        (g.LINK, Intent.LINK),
        (g.CANCEL, Intent.CANCEL),
        (g.BOOK, Intent.BOOK),
    ):
        match = pattern.match(low)
        if match:
            return intent, match.end()
    match = g.MY_BOOKINGS.match(low) or g.MY_BOOKINGS_SINGULAR.match(low)
    if match:
        return Intent.MY_BOOKINGS, match.end()
    if g.ZH_GROUP_VERB_FIRST.match(low) or g.GROUP_WORD.match(low):
        return Intent.GROUPS, 0
    return Intent.FIND, 0


def read_people(raw: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) Slack user ids mentioned in the raw message, each once, in order.

    Mentions arrive as `<@U…>`: the cleaned text has lost them, so they are read from the raw one.
    "@bo optional" (or 可选) right after a mention makes that person optional.
    """
    required: list[str] = []
    optional: list[str] = []
    for match in _MENTION.finditer(str(raw)[:4000]):
        user = match["id"].upper()
        target = optional if match["opt"] else required
        if user not in required and user not in optional:
            target.append(user)
    return tuple(required), tuple(optional)


# --- commands with arguments ------------------------------------------------------------------


def command(scan: Scan, intent: Intent, rest_at: int) -> Request:
    """help, link and the group commands."""
    if intent is Intent.HELP:
        match = g.HELP.match(scan.low)
        topic = match["topic"] if match and match["topic"] else None
        return Request(intent=intent, text=scan.cleaned, args=(topic,) if topic else ())
    if intent is Intent.LINK:
        return _link(scan, rest_at)
    if intent in CHECKIN_INTENTS:
        return _checkin_command(scan, intent, rest_at)
    if intent is Intent.UNLINK:
        return _unlink(scan, rest_at)
    return _group_command(scan)


CHECKIN_INTENTS = frozenset({Intent.CHECK_IN, Intent.RELEASE, Intent.END_NOW, Intent.EXTEND, Intent.REMIND})


def _checkin_command(scan: Scan, intent: Intent, rest_at: int) -> Request:
    """check in / release take an optional room; extend and remind an amount of time (args: minutes, or "off")."""
    rest = (scan.orig if scan.chinese else scan.cleaned)[rest_at:].strip(" :：")
    low = rest.lower()
    if intent in (Intent.CHECK_IN, Intent.RELEASE):
        names = [w for w in _tokens(rest) if w.lower() not in FILLERS and w.lower() not in ("now", "it", "to")]
        return Request(intent=intent, text=scan.cleaned, rooms=tuple(names[:1]))
    if intent is Intent.END_NOW:
        return Request(intent=intent, text=scan.cleaned)
    if intent is Intent.REMIND and _OFF.match(low):
        return Request(intent=intent, text=scan.cleaned, args=("off",))
    amount = _AMOUNT.search(low)
    if amount is None:
        if intent is Intent.EXTEND or _ON.match(low):
            return Request(intent=intent, text=scan.cleaned, args=())  # the default length
        scan.understood.append("remind me")
        raise scan.error("missing_argument", "remind me 15 min before", command="remind me", needs="minutes")
    value = int(amount["n"])
    unit = (amount["unit"] or "m").lower()
    if unit.startswith("h") or unit == "小时":
        value *= 60
    return Request(intent=intent, text=scan.cleaned, args=(str(value),))


def _unlink(scan: Scan, rest_at: int) -> Request:
    """`unlink` (my own link) or `unlink @someone` / `unlink U012ABC` (an admin, someone else's)."""
    rest = scan.cleaned[rest_at:].strip()
    if scan.mentions:
        return Request(intent=Intent.UNLINK, text=scan.cleaned, args=(scan.mentions[0],))
    word = rest.split()[0] if rest.split() else ""
    if _USER_ID.match(word):
        return Request(intent=Intent.UNLINK, text=scan.cleaned, args=(word,))
    return Request(intent=Intent.UNLINK, text=scan.cleaned, args=())


def _link(scan: Scan, rest_at: int) -> Request:
    rest = scan.cleaned[rest_at:].strip() if not scan.chinese else scan.orig[rest_at:].strip()
    rest = rest.strip(" :：")
    if not rest:
        # `link` alone asks whether the account is linked (and proved).
        return Request(intent=Intent.LINK, text=scan.cleaned, args=())
    if _PHONE.match(rest):
        target = ("+" if rest.startswith("+") else "") + re.sub(r"\D", "", rest)
    else:
        target = rest.split()[0]
    return Request(intent=Intent.LINK, text=scan.cleaned, args=(target,))


def _group_command(scan: Scan) -> Request:
    text = scan.cleaned
    verb_first = g.ZH_GROUP_VERB_FIRST.match(text)
    if verb_first:
        intent = _GROUP_SUBS.get(verb_first["verb"], Intent.GROUPS)
        tokens = _tokens(text[verb_first.end() :])
    else:
        head = g.GROUP_WORD.match(lower_same_length(text))
        intent, tokens = _group_sub(_tokens(text[head.end() :] if head else text))
    fewest, most, example = _GROUP_ARITY[intent]
    if len(tokens) < fewest or (most is not None and len(tokens) > most):
        scan.understood.append(intent.value.replace("_", " "))
        raise scan.error(
            "missing_argument" if len(tokens) < fewest else "too_many_arguments",
            example,
            command=intent.value.replace("_", " "),
            count=str(len(tokens)),
        )
    return Request(intent=intent, text=scan.cleaned, args=tuple(tokens))


def _group_sub(tokens: list[str]) -> tuple[Intent, list[str]]:
    """`group add HQ …` → GROUP_ADD with [HQ, …]; a bare `group HQ` lists the group."""
    if not tokens:
        return Intent.GROUPS, tokens
    first = tokens[0].lower()
    sub = _GROUP_SUBS.get(first)
    if sub is not None:
        return sub, tokens[1:]
    for word, candidate in _GROUP_SUBS.items():  # 分组添加 HQ …: a Chinese verb glued on
        if not word.isascii() and first.startswith(word) and len(first) > len(word):
            return candidate, [first[len(word) :], *tokens[1:]]
    return Intent.GROUPS, tokens


def _tokens(text: str) -> list[str]:
    """Split command arguments; "quoted names" keep their spaces."""
    tokens = []
    for match in _TOKEN.finditer(text):
        value = match[1] if match[1] is not None else match[2] if match[2] is not None else match[3]
        value = value.strip().strip(",")
        if value:
            tokens.append(value)
    return tokens


# --- room filters in a search -----------------------------------------------------------------


def read_capacity(scan: Scan) -> int | None:
    for pattern in g.CAPACITY:
        match = scan.take(pattern)
        if match:
            value = int(match["n2"] or match["n"]) if "n2" in match.groupdict() else int(match["n"])
            if value <= 0 or value > 5000:
                raise scan.error("bad_capacity", "free rooms for 8 people", fragment=match[0].strip(BLANK + " "))
            scan.understood.append(f"for {value} people")
            return value
    return None


def read_labels(scan: Scan) -> tuple[int, ...]:
    found: list[int] = []
    for label_id, pattern in g.LABELS:
        while scan.take(pattern):
            if label_id not in found:
                found.append(label_id)
    if found:
        scan.understood.append("with labels " + "/".join(map(str, sorted(found))))
    return tuple(sorted(found))


def read_group(scan: Scan) -> str | None:
    """A room group named in a search: `@HQ`, `in HQ`, `HQ的会议室`."""
    match = g.GROUP_AT.search(scan.low)
    if match:
        scan.blank(match.start(), match.end())
        return scan.orig[match.start("name") : match.end("name")]
    for match in g.GROUP_WORDS.finditer(scan.low):
        name = match["name"]
        if name in g.GROUP_STOPWORDS or name.isdigit():
            continue
        end = match.end("name")
        if match["more"] and _name_goes_on(scan.orig[match.start("more") : match.end("more")].strip()):
            end = match.end("more")
        scan.blank(match.start(), end)
        return scan.orig[match.start("name") : end].strip()
    match = g.GROUP_ZH.search(scan.low) if scan.chinese else None  # it needs a Han character
    if match:
        if match["name"]:
            end = match.end("name")
            if match["more"] and _name_goes_on(scan.orig[match.start("more") : match.end("more")].strip()):
                end = match.end("more")  # 在HQ 3F: the group is "HQ 3F"
            scan.blank(match.start(), end)
            return scan.orig[match.start("name") : end].strip()
        scan.blank(match.start(), match.end())
        return scan.orig[match.start("name2") : match.end("name2")]
    return None


def _name_goes_on(extra: str) -> bool:
    """ "in Head Office": a second word belongs to the group name when short or capitalised."""
    return (
        extra.lower() not in g.GROUP_STOPWORDS and extra.lower() not in FILLERS and (len(extra) <= 3 or extra[:1].isupper())
    )


def ignored(intent: Intent, leftovers: list[str]) -> tuple[str, ...]:
    """The words a search did not use and that are not filler: the reply reports them ("I ignored: …")."""
    if intent in (Intent.BOOK, Intent.CANCEL):
        return ()  # their leftovers are room names and booking references
    kept = []
    for word in leftovers:
        bare = _ZH_FILLER_EDGES.sub("", word.strip("\"'?!.,:;？！。，")).replace("'", "").replace("’", "")
        if bare.lower() in FILLERS or bare.lower() in SEARCH_WORDS or not _ZH_SEARCH_WORDS.sub("", bare):
            continue
        kept.append(bare)
    return tuple(kept)


# Chinese filler a search may carry: "有没有空的会议室", "帮我找一下".
_ZH_SEARCH_WORDS = re.compile(
    "有没有|没有|有空|可用|哪些|什么|哪个|还有|是否|一下|帮我|请|找|查|看看|空闲|空|有|的|吗|呢|吧|会议室|房间|会议|需要|想要|要|带"
    r"|\d*个|间|[?？!！。，,]"
)


def targets(intent: Intent, leftovers: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(rooms, args) of book/cancel: the words left over, minus fillers; cancel splits off booking refs."""
    if intent not in (Intent.BOOK, Intent.CANCEL):
        return (), ()
    names = [_ZH_FILLER_EDGES.sub("", w.strip("\"'?!.")) for w in leftovers]
    names = [n for n in names if n.lower() not in FILLERS]
    names = [n for n in names if n]
    refs = tuple(n for n in names if _BOOKING_REF.fullmatch(n)) if intent is Intent.CANCEL else ()
    rooms = tuple(n for n in names if n not in refs)
    return rooms, (refs if intent is Intent.CANCEL else rooms)
