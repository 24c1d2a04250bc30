"""Access tokens: the internal-app and corp (suite) token endpoints, and the token check every
other endpoint passes first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sim.http import Reply, Request
from bot.sim.replies import Endpoints, Problem, error_reply, json_body, oapi_reply, ok, serves
from bot.sim.routes import OAPI_ENDPOINTS
from bot.sim.state import SimState


class AuthEndpoints(Endpoints):
    """`accessToken` and `corpAccessToken`.

    Args:
        state: the simulator state.
        issue_token: mints and records a new token (every token the simulator hands out comes from it).
    """

    def __init__(self, *, state: SimState, issue_token: Callable[[], str]) -> None:
        self._state = state
        self._issue_token = issue_token

    def check_token(self, key: str, request: Request) -> Reply | None:
        """The refusal for a call without a valid token, or None (lock held)."""
        state = self._state
        if key in OAPI_ENDPOINTS:
            token = request.query.get("access_token", "")
            if not state.token_valid(token):
                return oapi_reply(40014, "不合法的access_token")
            return None
        if "x-acs-dingtalk-access-token" not in request.headers:
            return error_reply(401, "Unauthorized", "access_token缺失或无效")
        if not state.token_valid(request.headers["x-acs-dingtalk-access-token"].strip()):
            return error_reply(400, "InvalidAuthentication", "不合法的access_token")
        return None

    @serves("accessToken")
    def access_token(self, params: dict[str, str], request: Request) -> Reply:
        state = self._state
        expected = {"appKey": state.app_key, "appSecret": state.app_secret}
        self._credentials(request, expected, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        # DingTalk hands out the same internal-app token while it is valid, and each fetch
        # extends its lifetime.
        token = state.app_token
        if token is None or not state.token_valid(token):
            token = self._issue_token()
            state.app_token = token
        else:
            state.extend_token(token)
        return ok({"accessToken": token, "expireIn": state.config.token_ttl_s})

    @serves("corpAccessToken")
    def corp_access_token(self, params: dict[str, str], request: Request) -> Reply:
        state = self._state
        expected = {"suiteKey": state.suite_key, "suiteSecret": state.suite_secret}
        body = self._credentials(request, expected, "invalidSuiteKey", "无效的suiteKey或suiteSecret")
        if body.get("suiteTicket") != state.suite_ticket:
            raise Problem(400, "invalidSuiteTicket", "无效的suiteTicket")
        if body.get("authCorpId") != state.corp_id:
            raise Problem(400, "invalidAuthInfo", "授权关系不存在")
        return ok({"accessToken": self._issue_token(), "expireIn": state.config.token_ttl_s})

    def _credentials(self, request: Request, expected: dict[str, str], code: str, message: str) -> dict[str, Any]:
        """The JSON body, when it carries the `expected` key and secret and they are not revoked."""
        body = json_body(request)
        if self._state.revoked or any(body.get(field) != value for field, value in expected.items()):
            raise Problem(400, code, message)
        return body
