"""Every sentence a user reads, in one place (like slack_bolt/logger/messages.py).

Sentences are plain functions returning `str` (Slack mrkdwn-safe where noted). Exceptions carry
data; `describe_error` here turns any of them into a sentence with a next step. Keep the copy
short, kind and concrete: what happened, then what to do next.
"""

from __future__ import annotations

# --- parsing ---------------------------------------------------------------------------------


# --- replies (availability, buttons, headers) ------------------------------------------------


# --- errors (design.md §7) -------------------------------------------------------------------
