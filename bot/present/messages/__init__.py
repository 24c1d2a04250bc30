"""Every sentence a user reads, in one place (like slack_bolt/logger/messages.py), split by topic.

Sentences are plain functions returning `str` (Slack mrkdwn-safe where noted); the fixed ones, with
no parameter, are one frozen table, `WORDS` (`fixed.py`). Exceptions carry
data; `describe_error` here turns any of them into a sentence with a next step. Keep the copy
short, kind and concrete: what happened, then what to do next. Callers write
`from bot.present import messages` and `messages.some_sentence(...)`; a new topic gets a module
here and one star import below.
"""

from bot.present.messages.answers import *  # noqa: F403
from bot.present.messages.booking import *  # noqa: F403
from bot.present.messages.checkin import *  # noqa: F403
from bot.present.messages.cli import *  # noqa: F403
from bot.present.messages.delivery import *  # noqa: F403
from bot.present.messages.dingtalk_rules import *  # noqa: F403
from bot.present.messages.errors import *  # noqa: F403
from bot.present.messages.fixed import *  # noqa: F403
from bot.present.messages.identity import *  # noqa: F403
from bot.present.messages.jobs import *  # noqa: F403
from bot.present.messages.parsing import *  # noqa: F403
from bot.present.messages.people import *  # noqa: F403
from bot.present.messages.quota import *  # noqa: F403
from bot.present.messages.reconcile import *  # noqa: F403
from bot.present.messages.replies import *  # noqa: F403
from bot.present.messages.slack import *  # noqa: F403
from bot.present.messages.understanding import *  # noqa: F403
from bot.present.messages.words import *  # noqa: F403
