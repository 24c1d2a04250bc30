"""App credentials and the access-token cache.

DingTalk app tokens live 7200 s (the token reply's `expireIn`). The cache keeps one token,
refreshes it a margin before it expires (DingTalk advises about 10 minutes), and lets many
threads share a single refresh: whoever finds the token missing fetches it while the others
wait on the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.errors import ConfigError


@dataclass(frozen=True)
class AppCredentials:
    """An internal (enterprise-built) app: `POST /v1.0/oauth2/accessToken`."""

    app_key: str
    app_secret: str = field(repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.app_secret,)


@dataclass(frozen=True)
class SuiteCredentials:
    """A third-party (ISV) app installed in one organisation: `POST /v1.0/oauth2/corpAccessToken`.

    `suite_ticket` is pushed by DingTalk about every 5 hours; the client's `set_suite_ticket`
    swaps in the newest one.
    """

    suite_key: str
    suite_secret: str = field(repr=False)
    auth_corp_id: str
    suite_ticket: str = field(repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.suite_secret, self.suite_ticket)


Credentials = AppCredentials | SuiteCredentials


def credentials_from(
    *,
    app_key: str | None,
    app_secret: str | None,
    suite_key: str | None,
    suite_secret: str | None,
    auth_corp_id: str | None,
    suite_ticket: str | None,
) -> Credentials:
    """Pick the internal-app or the third-party-app credentials; exactly one set must be complete."""
    internal = app_key is not None or app_secret is not None
    suite = any(v is not None for v in (suite_key, suite_secret, auth_corp_id, suite_ticket))
    if internal and suite:
        raise ConfigError("give either app_key/app_secret or the suite credentials, not both")
    if internal:
        if not app_key or not app_secret:
            raise ConfigError("app_key and app_secret are both required", variable="DINGTALK_APP_SECRET")
        return AppCredentials(app_key=app_key, app_secret=app_secret)
    if suite:
        missing = [
            name
            for name, value in (
                ("suite_key", suite_key),
                ("suite_secret", suite_secret),
                ("auth_corp_id", auth_corp_id),
                ("suite_ticket", suite_ticket),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"third-party app credentials are incomplete: missing {', '.join(missing)}")
        assert suite_key and suite_secret and auth_corp_id and suite_ticket  # for mypy; checked above
        return SuiteCredentials(
            suite_key=suite_key, suite_secret=suite_secret, auth_corp_id=auth_corp_id, suite_ticket=suite_ticket
        )
    raise ConfigError("DingTalk credentials are missing: give app_key/app_secret or the suite credentials")


TokenFetcher = Callable[[float], tuple[str, float]]
"""Fetches a fresh token: takes the caller's deadline (monotonic), returns (token, lifetime in seconds)."""


class TokenCache:
    """One cached access token, refreshed before expiry; one refresh at a time.

    Args:
        fetch: gets a new token from DingTalk.
        clock: a monotonic clock in seconds.
        margin_s: refresh this long before expiry; never more than a tenth of the lifetime,
            so short-lived tokens (tests, the simulator) are still reused.
    """

    def __init__(self, *, fetch: TokenFetcher, clock: Callable[[], float] = time.monotonic, margin_s: float = 600.0) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin_s = margin_s
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.refreshes = 0  # how many tokens were fetched (for stats and tests)

    def get(self, deadline: float) -> str:
        """The current token, fetching a new one if there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                token, lifetime = self._fetch(deadline)
                self.refreshes += 1
                self._token = token
                self._refresh_at = self._clock() + max(0.0, lifetime - min(self._margin_s, lifetime / 10))
            return self._token

    def invalidate(self, token: str) -> None:
        """DingTalk refused `token`: forget it, unless another thread has already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def clear(self) -> None:
        with self._lock:
            self._token = None

    def peek(self) -> str | None:
        """The cached token without fetching (used to redact it from text)."""
        return self._token


__all__ = ["AppCredentials", "Credentials", "SuiteCredentials", "TokenCache", "TokenFetcher", "credentials_from"]
