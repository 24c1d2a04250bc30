"""Old-style (oapi.dingtalk.com) user lookups: errors are errcode/errmsg with HTTP 200."""

from __future__ import annotations

import re
from typing import Any

from bot.sim.http import Reply, Request
from bot.sim.replies import Handler, Problem, json_body, oapi_reply
from bot.sim.state import SimState

MOBILE_PATTERN = re.compile(r"^(?:\+?86-?)?1\d{10}$")


class OapiEndpoints:
    """`userGet`, `userGetByMobile` and `userGetByUnionId`; a Problem's code is the errcode."""

    def __init__(self, *, state: SimState) -> None:
        self._state = state

    def handlers(self) -> dict[str, Handler]:
        return {
            "userGet": self.user_get,
            "userGetByMobile": self.user_get_by_mobile,
            "userGetByUnionId": self.user_get_by_union_id,
        }

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            return json_body(request, required=False)
        except Problem:
            raise Problem(200, "40035", "不合法的参数") from None

    def user_get(self, params: dict[str, str], request: Request) -> Reply:
        userid = self._body(request).get("userid")
        if not isinstance(userid, str) or not userid.strip():
            raise Problem(200, "33012", "无效的USERID")
        user = next((u for u in self._state.users if u.userid == userid), None)
        if user is None:
            raise Problem(200, "60121", "找不到该用户")
        return oapi_reply(0, "ok", result=user.wire())

    def user_get_by_mobile(self, params: dict[str, str], request: Request) -> Reply:
        mobile = str(self._body(request).get("mobile") or "").strip()
        if not MOBILE_PATTERN.match(mobile):
            raise Problem(200, "40104", "企业中无效的手机号")
        digits = mobile[-11:]
        user = next((u for u in self._state.users if u.mobile == digits), None)
        if user is None:
            raise Problem(200, "60121", "找不到该用户")
        return oapi_reply(0, "ok", result={"userid": user.userid})

    def user_get_by_union_id(self, params: dict[str, str], request: Request) -> Reply:
        unionid = self._body(request).get("unionid")
        user = self._state.user_by_union(unionid) if isinstance(unionid, str) else None
        if user is None:
            raise Problem(200, "60121", "找不到该用户")
        return oapi_reply(0, "ok", result={"contact_type": 0, "userid": user.userid})
