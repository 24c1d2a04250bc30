"""DingTalk's pushes to roombot's HTTP server: the suite ticket of a third-party app.

Why the HTTP callback and not Stream mode: roombot already runs an HTTP server in production
(gunicorn, `/slack/events`), so the push needs no second long-lived connection or extra SDK, and
each web process can take a push and write it to the shared database, where every process's
next token fetch reads it. Stream mode would need its own WebSocket client in one process.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Clock
from bot.dingtalk.callback import CallbackCrypto
from bot.errors import CallbackRejected
from bot.store import Store

SUITE_TICKET = "suite_ticket"


@dataclass(frozen=True, kw_only=True)
class DingTalkCallbacks:
    """Checks, decrypts and handles one push; answers with the encrypted "success"."""

    crypto: CallbackCrypto
    store: Store
    suite_key: str | None
    clock: Clock
    log: logging.Logger

    def handle(self, *, signature: str, timestamp: str, nonce: str, body: bytes) -> dict[str, str]:
        """Raises CallbackRejected for a push that is not DingTalk's or not for this app."""
        try:
            envelope = json.loads(body or b"{}")
        except ValueError:
            raise CallbackRejected("json") from None
        encrypt = envelope.get("encrypt") if isinstance(envelope, dict) else None
        if not isinstance(encrypt, str) or not encrypt:
            raise CallbackRejected("no encrypt")
        message = self.crypto.decrypt(signature=signature, timestamp=timestamp, nonce=nonce, encrypt=encrypt)
        event = str(message.get("EventType") or "")
        if event == SUITE_TICKET:
            self._suite_ticket(message)
        else:
            self.log.info("DingTalk callback %r acknowledged", event)
        return self.crypto.reply("success", timestamp=timestamp, nonce=nonce)

    def _suite_ticket(self, message: dict[str, object]) -> None:
        suite_key = str(message.get("SuiteKey") or self.suite_key or "")
        ticket = str(message.get("SuiteTicket") or "")
        if not ticket or not suite_key or (self.suite_key and suite_key != self.suite_key):
            raise CallbackRejected("suite ticket")
        self.store.suite_tickets.save(suite_key, ticket, received_at=_pushed_at(message.get("TimeStamp")) or self.clock())
        self.log.info("new suite ticket stored for %s", suite_key)


def _pushed_at(value: object) -> datetime | None:
    """The push's own time (milliseconds), so a late older push is recognised as older."""
    try:
        millis = int(str(value))
    except ValueError:
        return None
    return datetime.fromtimestamp(millis / 1000, UTC)


__all__ = ["SUITE_TICKET", "DingTalkCallbacks"]
