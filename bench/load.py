"""Load: many Slack users asking at once, through `roombot serve` (HTTP mode, gunicorn).

Everything runs on loopback, in separate processes as in production:

- the DingTalk simulator in its own process, answering after `--latency-ms` (100 ms by default);
- a fake Slack (Web API + the `response_url` receiver) in this process;
- `roombot serve --mode http` (gunicorn, one worker with threads) — or, with `--workers N`,
  gunicorn with N worker processes on `bot.slack.wsgi:create_wsgi_app()`, best with `--redis`;
- `--clients` threads sending signed `/rooms` slash commands, `--requests` in all, over a mix of
  groups and days so that part of the schedule cache is cold.

Per request it measures the time to the HTTP ack and the time until the answer is POSTed to the
`response_url`, then prints the throughput, p50/p95/p99 of both, the server's memory (VmRSS and
peak VmHWM of the gunicorn master and workers, from /proc) and the DingTalk calls per question
(from the simulator's /_sim/stats). It stops by itself: a fixed request count and `--max-seconds`.

Run: .venv/bin/python bench/load.py [--clients 20] [--requests 300] [--latency-ms 100] [--throttle 0]
     [--qps-limit 0] [--rate 0] [--redis] [--workers 1]

`--throttle 0.6` makes DingTalk refuse 60% of calls as throttled; `--latency-ms 1500` makes it
slow. Slack wants every ack within 3 s: the report counts the acks that took longer.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse
from zoneinfo import ZoneInfo

import httpx
from simproc import SimProcess

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The test suite's signed requests, built the way Slack sends them.
from tests.e2e.slack_requests import signed_headers, slash_body  # noqa: E402

TEAM = "T_LOAD"
TOKEN = "xoxb-load-bench-token"
SIGNING_SECRET = "load-bench-signing-secret"
ZONE = "Asia/Shanghai"
LOOKING = "Looking… :mag:"  # bot.present.messages.slack_looking(): the notice before a slow answer
GROUPS = ("", "in HQ 3F ", "in HQ 5F ", "in Lab ", "in Tower B ")
MEASURING_SWITCH_INTERVAL_S = 0.0005
HOURS = ("9-10am", "10-11am", "11am-12pm", "2-3pm", "3-4pm", "4-5pm", "at 10:30 for 45 min")


# --- the fake Slack ----------------------------------------------------------------------------------


@dataclass
class FakeSlack:
    """Slack's Web API (just what roombot calls) and the response_url receiver, timing each answer."""

    answers: dict[str, tuple[float, str]] = field(default_factory=dict)  # request id -> (arrival, text)
    notices: int = 0
    api_calls: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        arrived = time.perf_counter()
        path = urlparse(request.path).path
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0)).decode()
        if path.startswith("/webhook/"):
            body = json.loads(raw) if raw.startswith("{") else dict(parse_qsl(raw))
            text = str(body.get("text") or "")
            with self._lock:
                if text == LOOKING:
                    self.notices += 1
                else:
                    self.answers.setdefault(path.rsplit("/", 1)[-1], (arrived, text))
                    self._lock.notify_all()
            self._send(request, "ok", "text/plain")
            return
        method = path.rsplit("/", 1)[-1]
        with self._lock:
            self.api_calls += 1
        reply: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            reply.update(user_id="UBOT0001", bot_id="BBOT0001", team_id=TEAM, user="roombot")
        elif method == "users.info":
            user = dict(parse_qsl(raw)).get("user", "U")
            reply["user"] = {"id": user, "name": user.lower(), "tz": ZONE}
        self._send(request, json.dumps(reply), "application/json")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, text: str, content_type: str) -> None:
        data = text.encode()
        request.send_response(200)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def wait_for_answers(self, count: int, *, until: float) -> None:
        with self._lock:
            while len(self.answers) < count and time.perf_counter() < until:
                self._lock.wait(max(0.0, min(0.5, until - time.perf_counter())))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- the server under test ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`roombot serve` (or gunicorn with several workers) as a child process; output goes to a log file."""

    def __init__(self, env: dict[str, str], *, workers: int, log: Path) -> None:
        self.port = int(env["PORT"])
        if workers == 1:
            command = [sys.executable, "-m", "bot.cli", "serve", "--mode", "http"]
        else:
            # The Procfile's configuration (bot.slack.gunicorn_conf), with more worker processes.
            command = [sys.executable, "-m", "gunicorn", "-c", "python:bot.slack.gunicorn_conf"]
            command += ["--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"]
            command += ["bot.slack.wsgi:create_wsgi_app()"]
        self._log = log.open("w")
        self.proc = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not become healthy within 60 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        master = self.proc.pid
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    children.append(int(entry.name))
        return [master, *sorted(children)]

    def memory_kib(self) -> dict[int, tuple[int, int]]:
        """pid -> (VmRSS, VmHWM) in KiB."""
        memory: dict[int, tuple[int, int]] = {}
        for pid in self.pids():
            try:
                fields = dict(
                    line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
                )
            except OSError:
                continue
            memory[pid] = (int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0]))
        return memory

    def cpu_seconds(self) -> float:
        """User and system CPU time of the master and its workers so far (from /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


# --- the clients -------------------------------------------------------------------------------------


def questions(today: date, count: int) -> Iterator[str]:
    """A repeatable mix over 5 groups x 5 working days x several hours: partly cold, partly cached."""
    days = [d for d in (today + timedelta(days=i) for i in range(1, 10)) if d.weekday() < 5][:5]
    combos = list(itertools.product(GROUPS, days, HOURS))
    step = 7  # coprime with the number of combinations: walks them all in a scrambled order
    for index in range(count):
        group, day, hours = combos[(index * step) % len(combos)]
        yield f"free rooms {group}on {day:%b} {day.day} {hours}"


def slash_command(text: str, *, user: str, response_url: str) -> tuple[str, dict[str, str]]:
    body = slash_body(text, response_url=response_url, user=user, channel="C_LOAD", team=TEAM)
    return body, signed_headers(body, content_type="application/x-www-form-urlencoded", secret=SIGNING_SECRET)


@dataclass
class Sent:
    started: float
    acked: float | None
    status: int | None
    ack_text: str = ""  # an answer carried by the ack itself ("busy, try again in a minute")


def drive(
    server_url: str, slack: FakeSlack, texts: list[str], *, clients: int, stop_at: float, prefix: str, rate: float = 0.0
) -> dict[str, Sent]:
    """`clients` threads send the texts; returns request id -> timing.

    With `rate` 0 each client sends its next command as soon as the last one is acked (a closed
    loop: the server is saturated and the ack time includes queueing). With a rate, command i is
    sent at `i / rate` seconds (an open loop, as users arrive), when a client is free.
    """
    began = time.perf_counter()
    sent: dict[str, Sent] = {}
    lock = threading.Lock()
    queue = iter(enumerate(texts))

    def client(number: int) -> None:
        with httpx.Client(base_url=server_url, timeout=10) as http:
            while time.perf_counter() < stop_at:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                index, text = item
                if rate > 0:
                    time.sleep(max(0.0, began + index / rate - time.perf_counter()))
                request_id = f"{prefix}{index}"
                body, headers = slash_command(
                    text, user=f"U_LOAD_{number:02d}", response_url=f"{slack.url}/webhook/{request_id}"
                )
                started = time.perf_counter()
                try:
                    response = http.post("/slack/events", content=body, headers=headers)
                    timing = Sent(started, time.perf_counter(), response.status_code, _ack_text(response))
                except httpx.HTTPError:
                    timing = Sent(started, None, None)
                with lock:
                    sent[request_id] = timing

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, stop_at - time.perf_counter()) + 15)
    return sent


def _ack_text(response: httpx.Response) -> str:
    if not response.content:
        return ""
    try:
        return str(json.loads(response.content).get("text") or "")
    except (ValueError, AttributeError):
        return ""


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (values in seconds)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- main --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20, help="concurrent Slack clients (threads)")
    parser.add_argument("--requests", type=int, default=300, help="slash commands in all")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="simulated DingTalk latency")
    parser.add_argument(
        "--throttle", type=float, default=0.0, help="share of DingTalk calls refused as throttled (403 QpsLimit), 0-1"
    )
    parser.add_argument("--qps-limit", type=int, default=0, help="DingTalk's per-endpoint QPS limit (0 = none)")
    parser.add_argument("--redis", action="store_true", help="set REDIS_URL=redis://127.0.0.1:6379/0 for the server")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (1 = `roombot serve`)")
    parser.add_argument("--rate", type=float, default=0.0, help="questions/s to send (0 = as fast as acked)")
    parser.add_argument("--rooms", type=int, default=24, help="rooms in the simulated organisation")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for the server (repeatable)"
    )
    parser.add_argument("--answer-wait", type=float, default=60.0, help="how long to wait for the last answers")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="stop sending after this long")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    if args.clients < 1 or args.requests < 1 or args.workers < 1:
        parser.error("--clients, --requests and --workers must be at least 1")
    # This process measures: its client threads must read an ack as soon as it arrives, not wait
    # up to CPython's default 5 ms switch interval behind the fake Slack's threads.
    sys.setswitchinterval(MEASURING_SWITCH_INTERVAL_S)

    slack = FakeSlack()
    with SimProcess(seed=11, rooms=args.rooms) as sim, tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", tmp),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": f"{slack.url}/api/",
            "DINGTALK_API_URL": sim.url,
            "DINGTALK_APP_KEY": sim.app_key,
            "DINGTALK_APP_SECRET": sim.app_secret,
            "DINGTALK_OPERATOR_UNION_ID": sim.operator_union_id,
            "DATABASE_URL": args.database_url or f"sqlite:///{Path(tmp) / 'load.db'}",
            "PORT": str(free_port()),
        }
        if args.redis:
            env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        for setting in args.server_env:
            name, _, value = setting.partition("=")
            env[name.strip()] = value
        # The workspace's groups (and the room directory) before the first question, as an admin would.
        setup = subprocess.run(
            [sys.executable, "-m", "bot.cli", "ask", "--team", TEAM, "group import"], env=env, capture_output=True, text=True
        )
        if setup.returncode != 0:
            raise SystemExit(f"group import failed:\n{setup.stdout}{setup.stderr}")
        server = Server(env, workers=args.workers, log=Path(tmp) / "server.log")
        try:
            knobs: dict[str, float | int] = {"latency_ms": args.latency_ms, "throttle_rate": args.throttle}
            if args.qps_limit > 0:
                knobs["qps_limit"] = args.qps_limit
            sim.configure(**knobs)
            today = datetime.now(ZoneInfo(ZONE)).date()
            # Warm every worker (imports, token, users.info) on days the measured run never asks about.
            warm_day = today + timedelta(days=30)
            warm = [f"free rooms on {warm_day:%b} {warm_day.day} 2-3pm"] * (2 * args.workers)
            drive(server.url, slack, warm, clients=len(warm), stop_at=time.perf_counter() + 30, prefix="warm")
            slack.wait_for_answers(len(warm), until=time.perf_counter() + 30)
            sim.reset_stats()
            baseline = len(slack.answers)
            # Nor should a full collection of this process's own start-up objects (~100 ms) count as an ack.
            gc.collect()
            gc.freeze()

            texts = list(questions(today, args.requests))
            cpu_before = server.cpu_seconds()
            began = time.perf_counter()
            sent = drive(
                server.url, slack, texts, clients=args.clients, stop_at=began + args.max_seconds, prefix="q", rate=args.rate
            )
            # Every question must be answered: allow the answer deadline (ROOMBOT_ANSWER_DEADLINE_S) and more.
            slack.wait_for_answers(baseline + len(sent), until=time.perf_counter() + args.answer_wait)
            ended = time.perf_counter()
            cpu = server.cpu_seconds() - cpu_before
            memory = server.memory_kib()
            stats = sim.stats()
        finally:
            server.stop()
            slack.stop()
    report(args, sent, slack, began, ended, memory, stats, cpu)


def report(
    args: argparse.Namespace,
    sent: dict[str, Sent],
    slack: FakeSlack,
    began: float,
    ended: float,
    memory: dict[int, tuple[int, int]],
    stats: dict[str, int],
    cpu: float,
) -> None:
    acks = [s.acked - s.started for s in sent.values() if s.acked is not None and s.status == 200]
    answered = {rid: slack.answers[rid] for rid in sent if rid in slack.answers}
    answer_times = [answered[rid][0] - sent[rid].started for rid in answered]
    told_busy = {rid: s for rid, s in sent.items() if s.ack_text and rid not in answered}
    last = max((arrival for arrival, _ in answered.values()), default=ended)
    kinds: dict[str, int] = {}
    for _, text in answered.values():
        kind = "free rooms" if text.startswith(("Free rooms", "Free ")) or "free" in text[:80].lower() else text[:60]
        kinds[kind] = kinds.get(kind, 0) + 1
    bad_acks = sum(1 for s in sent.values() if s.status != 200)
    calls = stats.get("total", 0) - stats.get("accessToken", 0) - stats.get("corpAccessToken", 0)
    questions = max(1, len(answered))

    def ms(values: list[float], p: float) -> str:
        return f"{percentile(values, p) * 1000:7.1f}" if values else "    n/a"

    mode = "roombot serve (1 worker)" if args.workers == 1 else f"gunicorn {args.workers} workers"
    throttled = f", {args.throttle:.0%} throttled" if args.throttle else ""
    print(
        f"load: {len(sent)} slash commands from {args.clients} clients; {mode}; "
        f"DingTalk latency {args.latency_ms:.0f} ms{throttled}; Redis {'on' if args.redis else 'off'}; "
        + (f"sent at {args.rate:g}/s" if args.rate > 0 else "each client sends when acked")
    )
    print(
        f"answered:      {len(answered) + len(told_busy)}/{len(sent)}  ({len(answered)} at the response_url, "
        f"{len(told_busy)} told 'busy, try again' in the ack; acks not 200: {bad_acks}; 'Looking…' notices: {slack.notices})"
    )
    print(f"throughput:    {len(answered) / max(1e-9, last - began):7.1f} questions/s  over {last - began:.1f} s")
    print("                    p50      p95      p99   (ms)")
    print(f"ack:            {ms(acks, 50)}  {ms(acks, 95)}  {ms(acks, 99)}")
    late = sum(1 for ack in acks if ack >= 3.0)
    print(f"acks over 3 s: {late}  (slowest ack {max(acks, default=0.0) * 1000:.1f} ms)")
    print(f"answer posted:  {ms(answer_times, 50)}  {ms(answer_times, 95)}  {ms(answer_times, 99)}")
    if answer_times:
        print(f"answer posted:  mean {statistics.mean(answer_times) * 1000:.1f} ms, max {max(answer_times) * 1000:.1f} ms")
    print(f"server CPU:    {cpu:.1f} s over {ended - began:.1f} s ({cpu / max(1e-9, ended - began):.0%} of one core)")
    rss = sum(value[0] for value in memory.values())
    peak = sum(value[1] for value in memory.values())
    per = ", ".join(f"{pid}: {value[0] / 1024:.0f} MiB" for pid, value in memory.items())
    print(f"server memory: VmRSS {rss / 1024:.0f} MiB, peak VmHWM {peak / 1024:.0f} MiB  ({len(memory)} processes: {per})")
    print(
        f"DingTalk:      {calls / questions:.2f} calls per question ({stats.get('schedules', 0)} free/busy calls, "
        f"{calls} non-token calls in all, {stats.get('accessToken', 0)} token calls)"
    )
    print(f"answers:       {json.dumps(kinds, ensure_ascii=False)}")
    if len(answered) + len(told_busy) < len(sent):
        print(f"WARNING: {len(sent) - len(answered) - len(told_busy)} questions got no answer within the time limit")


if __name__ == "__main__":
    main()
