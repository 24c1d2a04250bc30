"""The app access token endpoints: internal apps and third-party (suite) apps."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace

from bot.dingtalk.auth import AppCredentials, Credentials, SuiteCredentials
from bot.dingtalk.endpoints.host import Host, HostApi
from bot.dingtalk.transport import Call
from bot.errors import MalformedReply


class TokenApi(HostApi):
    """Fetches access tokens with the app's credentials, and knows the secrets to keep out of text.

    Args:
        host: where the calls go (tokens are fetched without a token).
        credentials: the internal app's or the third-party app's credentials.
        logger: where the "new access token" line goes (DEBUG).
        ticket_source: the latest suite ticket DingTalk pushed (the database), read at every
            token fetch so a rotated ticket is used without a restart; None or an empty answer
            keeps the configured one.
    """

    def __init__(
        self,
        *,
        host: Host,
        credentials: Credentials,
        logger: logging.Logger,
        ticket_source: Callable[[], str | None] | None = None,
    ) -> None:
        self._ticket_source = ticket_source
        super().__init__(host=host)
        self._credentials = credentials
        self._log = logger
        self._seen_tokens: deque[str] = deque(maxlen=16)  # recent tokens, only to redact them from text

    @property
    def credentials(self) -> Credentials:
        return self._credentials

    def set_suite_ticket(self, suite_ticket: str) -> None:
        """Use the newest suite ticket DingTalk pushed (third-party apps only)."""
        if not isinstance(self._credentials, SuiteCredentials):
            raise ValueError("suite tickets apply to third-party apps only")
        self._credentials = replace(self._credentials, suite_ticket=suite_ticket)

    def fetch(self, deadline: float) -> tuple[str, float]:
        """A new access token and its lifetime in seconds."""
        if self._ticket_source is not None and isinstance(self._credentials, SuiteCredentials):
            try:
                pushed = self._ticket_source()
            except Exception as exc:  # the database is down: the ticket in hand may still be valid
                self._log.warning("latest suite ticket not read (%s); using the one in hand", type(exc).__name__)
                pushed = None
            if pushed and pushed != self._credentials.suite_ticket:
                self._credentials = replace(self._credentials, suite_ticket=pushed)
        creds = self._credentials
        if isinstance(creds, AppCredentials):
            api, path = "accessToken", "/v1.0/oauth2/accessToken"
            body: dict[str, str] = {"appKey": creds.app_key, "appSecret": creds.app_secret}
        else:
            api, path = "corpAccessToken", "/v1.0/oauth2/corpAccessToken"
            body = {
                "suiteKey": creds.suite_key,
                "suiteSecret": creds.suite_secret,
                "authCorpId": creds.auth_corp_id,
                "suiteTicket": creds.suite_ticket,
            }
        call = Call(api, "POST", self._url + path, json_body=body, auth="none", idempotent=True)
        reply = self._transport.send(call, deadline=deadline)
        if not isinstance(reply, Mapping):
            raise MalformedReply("token reply is not an object")
        token = reply.get("accessToken")
        lifetime = reply.get("expireIn")
        if not isinstance(token, str) or not token:
            raise MalformedReply("token reply has no accessToken")
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or lifetime <= 0:
            raise MalformedReply("token reply has no valid expireIn")
        self._seen_tokens.append(token)
        self._log.debug("DingTalk %s: new access token, valid %ss", api, lifetime)
        return token, float(lifetime)

    def secrets(self) -> list[str]:
        """The app's secrets and the tokens it was given recently."""
        secrets = [s for s in self._credentials.secrets if s]
        secrets.extend(t for t in list(self._seen_tokens) if t)
        return secrets


__all__ = ["TokenApi"]
