"""HTTP mode through a real socket: the WSGI app served on a loopback port, signed requests sent with httpx."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from bot.slack.wsgi import RoombotWSGI
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import FORM, JSON, dm_event, event_body, signed_headers, slash_body


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(wsgi: Any) -> Generator[str, None, None]:
    server = make_server("127.0.0.1", 0, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def base_url(make_app: Any, runtime: Any) -> Iterator[str]:
    # The production shape: listeners run after the HTTP acknowledgement.
    app = make_app(process_before_response=False)
    yield from serve(RoombotWSGI(app=app, health=runtime.service.health))


def post(base_url: str, body: str, *, content_type: str, **header_overrides: str) -> httpx.Response:
    headers = signed_headers(body, content_type=content_type)
    headers.update(header_overrides)
    return httpx.post(f"{base_url}/slack/events", content=body.encode(), headers=headers)


def test_a_signed_slash_command_is_acknowledged_then_answered(base_url: str, fake_slack: FakeSlack) -> None:
    response = post(base_url, slash_body("help", response_url=fake_slack.response_url()), content_type=FORM)
    assert response.status_code == 200
    (answer,) = fake_slack.wait_for("/webhook/default")
    assert answer.body["response_type"] == "ephemeral"
    assert answer.body["text"]


def test_a_bad_signature_is_rejected(base_url: str, fake_slack: FakeSlack) -> None:
    body = slash_body("help", response_url=fake_slack.response_url())
    response = post(base_url, body, content_type=FORM, **{"x-slack-signature": "v0=" + "0" * 64})
    assert response.status_code == 401
    assert fake_slack.calls() == []


def test_a_body_signed_with_another_secret_is_rejected(base_url: str, fake_slack: FakeSlack) -> None:
    body = slash_body("help", response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM, secret="not-our-secret")
    response = httpx.post(f"{base_url}/slack/events", content=body.encode(), headers=headers)
    assert response.status_code == 401


def test_a_stale_timestamp_is_rejected(base_url: str, fake_slack: FakeSlack) -> None:
    body = slash_body("help", response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM, timestamp=int(time.time()) - 10 * 60)
    response = httpx.post(f"{base_url}/slack/events", content=body.encode(), headers=headers)
    assert response.status_code == 401
    assert fake_slack.calls() == []


def test_an_event_retry_over_http_is_processed_once(base_url: str, fake_slack: FakeSlack) -> None:
    body = event_body(dm_event("help"), event_id="EvHTTP0001")
    assert post(base_url, body, content_type=JSON).status_code == 200
    fake_slack.wait_for("chat.postMessage")
    assert post(base_url, body, content_type=JSON, **{"x-slack-retry-num": "1"}).status_code == 200
    # A third, fresh event proves the app is still answering; the retry added nothing.
    post(base_url, event_body(dm_event("help"), event_id="EvHTTP0002"), content_type=JSON)
    assert len(fake_slack.wait_for("chat.postMessage", 2)) == 2


def test_healthz_reports_database_and_dingtalk(base_url: str) -> None:
    response = httpx.get(f"{base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": True, "dingtalk": True}


def test_healthz_is_503_when_a_dependency_is_down(make_app: Any) -> None:
    wsgi = RoombotWSGI(app=make_app(), health=lambda: {"database": True, "dingtalk": False})
    for url in serve(wsgi):
        response = httpx.get(f"{url}/healthz")
        assert response.status_code == 503
        assert response.json() == {"ok": False, "database": True, "dingtalk": False}


def test_other_paths_are_not_found(base_url: str) -> None:
    assert httpx.get(f"{base_url}/slack/events").status_code == 404
    assert httpx.post(f"{base_url}/elsewhere", content=b"x").status_code == 404


def test_the_gunicorn_factory_builds_the_whole_runtime(settings: Any, fake_slack: FakeSlack) -> None:
    from bot.slack.wsgi import create_wsgi_app

    # With ROOMBOT_USE_SIMULATOR=1 the factory starts its own DingTalk simulator; no credentials needed.
    bare = settings.with_overrides(dingtalk_app_key=None, dingtalk_app_secret=None, dingtalk_operator_union_id=None)
    wsgi = create_wsgi_app(bare, environ={"ROOMBOT_USE_SIMULATOR": "1"})
    try:
        assert [c.method for c in fake_slack.calls()] == ["auth.test"]  # the token is checked once at start
        for url in serve(wsgi):
            assert httpx.get(f"{url}/healthz").json() == {"ok": True, "database": True, "dingtalk": True}
            body = slash_body("help", response_url=fake_slack.response_url())
            assert post(url, body, content_type=FORM).status_code == 200
            fake_slack.wait_for("/webhook/default")
    finally:
        wsgi.close()


def test_the_gunicorn_factory_refuses_an_incomplete_configuration(settings: Any) -> None:
    from bot.errors import ConfigError
    from bot.slack.wsgi import create_wsgi_app

    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        create_wsgi_app(settings.with_overrides(slack_signing_secret=None), environ={})
