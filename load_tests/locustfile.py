"""Locust users for the VoxAI hot paths: room tokens and live-call transcripts.

    locust -f load_tests/locustfile.py --headless -H http://127.0.0.1:8080 \\
        --api-key vx_demo_key -u 20 -r 20 -t 30s [TokenUser|TranscriptUser]

With no user class named, both run (the mixed profile). ``voxai-load`` wraps this
file with presets, SLO gates, reports and the loss check.

The hot loop is kept cheap so the load generator is never the bottleneck:
request bodies are encoded once per process, headers are set once per user, and
responses are checked by status (plus a byte search where a field matters), never
schema-validated or fully parsed.
"""

# Locust first: it monkey-patches the standard library through gevent.
from locust import FastHttpUser, LoadTestShape, events, tag, task
from locust.runners import WorkerRunner

import csv
import json
import logging
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from load_tests import metrics, shapes, slo
from openapi import operation

logger = logging.getLogger("voxai.load")

CREATE_TOKEN = operation("createToken")
CREATE_SESSION = operation("createSession")
ADD_TRANSCRIPT_ENTRY = operation("addTranscriptEntry")
END_SESSION = operation("endSession")
ROOM_PARAMETER = "{roomName}"

#: Distinct token request bodies per process; users cycle through them.
TOKEN_BODY_POOL = 512


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    # On the parser itself: Locust's is_secret / include_in_web_ui exist only there.
    parser.add_argument(
        "--api-key",
        env_var="VOXAI_API_KEY",
        default="",
        is_secret=True,
        help="Project API key sent as X-API-Key (never printed).",
    )
    parser.add_argument(
        "--run-id",
        env_var="VOXAI_LOAD_RUN_ID",
        default="",
        help="Run-unique prefix for every room and session (default: random lt<hex>).",
    )
    parser.add_argument(
        "--dispatch-agents",
        env_var="VOXAI_LOAD_DISPATCH_AGENTS",
        default="",
        help="Comma-separated agent config IDs to dispatch with each token. Empty (default) "
        "sends no_agent=true: real agents cost money.",
    )
    parser.add_argument(
        "--token-interval",
        type=float,
        default=0.0,
        help="Seconds a TokenUser waits between tokens (default 0: back to back).",
    )
    parser.add_argument(
        "--entry-interval",
        type=float,
        default=0.25,
        help="Seconds a TranscriptUser waits between transcript requests (the call's cadence).",
    )
    parser.add_argument(
        "--turns", type=int, default=4, help="Turns per call, alternating user and agent."
    )
    parser.add_argument(
        "--interims", type=int, default=2, help="Interim entries before each final one."
    )
    parser.add_argument(
        "--preset",
        choices=["none", *shapes.PRESETS],
        default="none",
        help="Load shape: smoke, ramp or soak (-u is the peak, -t the time limit).",
    )
    parser.add_argument("--slo-p95-ms", type=float, default=None, help="Gate: p95 at most (ms).")
    parser.add_argument("--slo-p99-ms", type=float, default=None, help="Gate: p99 at most (ms).")
    parser.add_argument(
        "--slo-max-fail-ratio", type=float, default=None, help="Gate: failure ratio at most."
    )
    parser.add_argument(
        "--slo-min-rps", type=float, default=None, help="Gate: requests/s at least."
    )
    parser.add_argument(
        "--slo-min-entries-per-s",
        type=float,
        default=None,
        help="Gate: acknowledged transcript entries/s at least.",
    )
    parser.add_argument(
        "--loss-check",
        action="store_true",
        default=False,
        help="After the run, compare acknowledged entries with the mock's /__mock/state.",
    )


@dataclass(frozen=True)
class Settings:
    """Per-process view of the options, with every request body encoded once."""

    run_id: str
    headers: dict[str, str]
    token_bodies: tuple[bytes, ...]
    token_interval: float
    entry_interval: float
    dispatch: tuple[int, ...]
    script: tuple[metrics.ScriptEntry, ...]
    entry_bodies: tuple[bytes, ...]
    end_body: bytes
    loss_check: bool


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _token_body(identity: str, room: str, dispatch: tuple[int, ...]) -> dict[str, Any]:
    body: dict[str, Any] = {"identity": identity, "room": room}
    if dispatch:
        body["agent_config_ids"] = list(dispatch)
    else:
        body["no_agent"] = True
    return body


def settings(environment: Any) -> Settings:
    """The settings of this process, built on first use from ``parsed_options``."""
    cached = getattr(environment, "voxai_settings", None)
    if cached is not None:
        return cached
    options = environment.parsed_options
    run_id = options.run_id or metrics.new_run_id()
    dispatch = tuple(int(x) for x in options.dispatch_agents.split(",") if x.strip())
    # A process tag keeps room names apart when several worker processes share a run id.
    process = secrets.token_hex(2)
    script = metrics.build_script(options.turns, options.interims)
    built = Settings(
        run_id=run_id,
        headers={
            "X-API-Key": options.api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        token_bodies=tuple(
            _encode(
                _token_body(f"{run_id}-caller-{process}{i}", f"{run_id}-t{process}{i}", dispatch)
            )
            for i in range(TOKEN_BODY_POOL)
        ),
        token_interval=options.token_interval,
        entry_interval=options.entry_interval,
        dispatch=dispatch,
        script=script,
        entry_bodies=tuple(
            _encode({"speaker": e.speaker, "content": e.content, "is_final": e.is_final})
            for e in script
        ),
        end_body=_encode({"summary": "Load test call, ended by the script."}),
        loss_check=options.loss_check,
    )
    environment.voxai_settings = built
    return built


class RunRecord:
    """What this process saw: entries/s meter, ack ledger, the project's room prefix."""

    def __init__(self) -> None:
        self.meter = metrics.EntryMeter()
        self.ledger = metrics.AckLedger()
        self.project_prefix: str | None = None
        self._user_seq = 0

    def next_user(self) -> int:
        self._user_seq += 1
        return self._user_seq


RECORD = RunRecord()


class TokenUser(FastHttpUser):
    """Asks for room tokens with varied identities and rooms, back to back by default."""

    network_timeout = 10.0
    connection_timeout = 5.0

    def __init__(self, environment: Any) -> None:
        self.settings = settings(environment)
        self.default_headers = self.settings.headers
        super().__init__(environment)
        self._next = secrets.randbelow(TOKEN_BODY_POOL)

    def wait_time(self) -> float:
        return self.settings.token_interval

    @tag("token", CREATE_TOKEN.operation_id)
    @task
    def create_token(self) -> None:
        bodies = self.settings.token_bodies
        self._next = (self._next + 1) % len(bodies)
        with self.client.request(
            "POST",
            CREATE_TOKEN.path,
            data=bodies[self._next],
            name=CREATE_TOKEN.path,
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"createToken: received {resp.status_code}, documented 200")
            elif b'"token"' not in resp.content:
                resp.failure("createToken: 200 without a token field")


class TranscriptUser(FastHttpUser):
    """Plays live calls: token, session, alternating interim and final entries, end.

    Every task is one step of the call (so a stop lands between requests and the
    cadence is the wait time): set the call up, say the next entry, or end it.
    """

    network_timeout = 10.0
    connection_timeout = 5.0

    def __init__(self, environment: Any) -> None:
        self.settings = settings(environment)
        self.default_headers = self.settings.headers
        super().__init__(environment)
        self._caller = f"{self.settings.run_id}-c{secrets.token_hex(2)}{RECORD.next_user()}"
        self._calls = 0
        self._room: str | None = None
        self._step = 0
        self._entry_url = ""
        self._end_url = ""

    def wait_time(self) -> float:
        return self.settings.entry_interval

    @tag(
        "transcript",
        CREATE_TOKEN.operation_id,
        CREATE_SESSION.operation_id,
        ADD_TRANSCRIPT_ENTRY.operation_id,
        END_SESSION.operation_id,
    )
    @task
    def converse(self) -> None:
        if self._room is None:
            self.begin_call()
        elif self._step < len(self.settings.script):
            self.say_next_entry()
        else:
            self.end_call()

    def on_stop(self) -> None:
        if self._room is not None:
            self.end_call()

    def begin_call(self) -> None:
        self._calls += 1
        room = f"{self._caller}-{self._calls}"
        body = _encode(_token_body(self._caller, room, self.settings.dispatch))
        with self.client.request(
            "POST", CREATE_TOKEN.path, data=body, name=CREATE_TOKEN.path, catch_response=True
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"createToken: received {resp.status_code}, documented 200")
                return
            full_room = _json_field(resp, "room")
            if not isinstance(full_room, str) or not full_room.endswith(room):
                resp.failure(f"createToken: room {full_room!r} is not the prefixed {room!r}")
                return
        RECORD.project_prefix = full_room[: len(full_room) - len(room)]
        session = _encode(
            {"room_name": full_room, "caller_identity": self._caller, "session_type": "voice"}
        )
        with self.client.request(
            "POST",
            CREATE_SESSION.path,
            data=session,
            name=CREATE_SESSION.path,
            catch_response=True,
        ) as resp:
            if resp.status_code != 201:
                resp.failure(f"createSession: received {resp.status_code}, documented 201")
                return
        self._room = full_room
        self._step = 0
        self._entry_url = ADD_TRANSCRIPT_ENTRY.path.replace(ROOM_PARAMETER, full_room)
        self._end_url = END_SESSION.path.replace(ROOM_PARAMETER, full_room)

    def say_next_entry(self) -> None:
        index = self._step
        self._step += 1
        room = self._room
        assert room is not None
        track = self.settings.loss_check
        if track:
            RECORD.ledger.sent(room, index)
        with self.client.request(
            "POST",
            self._entry_url,
            data=self.settings.entry_bodies[index],
            name=ADD_TRANSCRIPT_ENTRY.path,
            catch_response=True,
        ) as resp:
            status = resp.status_code
            if status != 201:
                resp.failure(f"addTranscriptEntry: received {status}, documented 201")
        acknowledged = 200 <= status < 300
        if track:
            RECORD.ledger.answered(room, index, acknowledged)
        if acknowledged:
            RECORD.meter.ack()
        elif status in (404, 409):
            # The session is gone or ended on the target's side: start a new call.
            self._room = None

    def end_call(self) -> None:
        room, self._room = self._room, None
        if room is None:
            return
        with self.client.request(
            "POST",
            self._end_url,
            data=self.settings.end_body,
            name=END_SESSION.path,
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"endSession: received {resp.status_code}, documented 200")


def _json_field(resp: Any, name: str) -> Any:
    try:
        return json.loads(resp.content).get(name)
    except (ValueError, TypeError, AttributeError):
        return None


class PresetShape(LoadTestShape):
    """Follows ``--preset`` (see ``shapes.py``); with ``--preset none``, plain ``-u/-r``."""

    use_common_options = True

    def __init__(self) -> None:
        super().__init__()
        self._delegate: shapes._PresetShape | None = None

    def tick(self) -> tuple[int, float] | None:
        options = self.runner.environment.parsed_options
        preset = getattr(options, "preset", "none")
        if preset == "none":
            # With a shape class Locust does not arm --run-time itself, so the shape does.
            if options.run_time and self.get_run_time() >= options.run_time:
                return None
            return int(options.num_users or 1), float(options.spawn_rate or 1)
        if self._delegate is None:
            self._delegate = shapes.PRESETS[preset](options.num_users, options.run_time)
            self._delegate.runner = self.runner
        return self._delegate.tick()


# ---- run-wide figures: entries/s, worker→master aggregation, loss check, gates ----


@events.init.add_listener
def _on_init(environment: Any, **_kwargs: Any) -> None:
    options = environment.parsed_options
    # The master (or single process) picks the run id; workers receive it with the
    # rest of the custom options in Locust's spawn message.
    if (
        options is not None
        and not options.run_id
        and not isinstance(environment.runner, WorkerRunner)
    ):
        options.run_id = metrics.new_run_id()
    if options is not None and not isinstance(environment.runner, WorkerRunner):
        logger.info("run id %s: every room and session name starts with it", options.run_id)


@events.report_to_master.add_listener
def _ship_to_master(client_id: str, data: dict[str, Any]) -> None:
    data["voxai"] = {
        "meter": RECORD.meter.take_report(),
        "ledger": RECORD.ledger.take_report(),
        "project_prefix": RECORD.project_prefix,
    }


@events.worker_report.add_listener
def _merge_from_worker(client_id: str, data: dict[str, Any]) -> None:
    report = data.get("voxai")
    if not report:
        return
    RECORD.meter.merge(**report["meter"])
    RECORD.ledger.merge(report["ledger"])
    RECORD.project_prefix = RECORD.project_prefix or report["project_prefix"]


def entries_rate(environment: Any) -> float | None:
    """Acknowledged transcript entries per second over the run (master or local)."""
    start = environment.runner.stats.total.start_time
    end = environment.runner.stats.total.last_request_timestamp
    return RECORD.meter.rate(start, end) if end else 0.0


def fetch_mock_state(host: str, room_prefix: str) -> dict[str, Any]:
    """``GET /__mock/state?room_prefix=...`` of the mock at ``host``."""
    query = urllib.parse.urlencode({"room_prefix": room_prefix, "transcripts": "true"})
    url = f"{host.rstrip('/')}/__mock/state?{query}"
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the user's target
        return json.load(answer)


def loss_check(environment: Any) -> list[str] | None:
    """Compare the ledger with the mock's stored transcripts; failure lines or ``[]``."""
    options = environment.parsed_options
    if not options.loss_check:
        return None
    if not RECORD.ledger.acked or RECORD.project_prefix is None:
        line = "loss check FAIL: no transcript entry was acknowledged, nothing to compare"
        logger.error(line)
        return [line]
    room_prefix = f"{RECORD.project_prefix}{options.run_id}"
    try:
        snapshot = fetch_mock_state(environment.host, room_prefix)
    except OSError as exc:
        line = f"loss check FAIL: could not read {room_prefix!r} from /__mock/state: {exc}"
        logger.error(line)
        return [line]
    report = metrics.compare_transcripts(
        RECORD.ledger, metrics.transcripts_by_room(snapshot), settings(environment).script
    )
    for line in report.lines():
        (logger.info if report.ok else logger.error)(line)
    return [] if report.ok else report.lines()


# Quitting listeners run last-added first: the entries figure is logged before the gates.
slo.install(events, entries_rate=entries_rate, extra_checks=loss_check)


@events.quitting.add_listener
def _report_entries(environment: Any, **_kwargs: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    rate = entries_rate(environment) or 0.0
    logger.info("transcript entries: %d acknowledged, %.1f entries/s", RECORD.meter.acked, rate)
    csv_prefix = getattr(environment.parsed_options, "csv_prefix", None)
    if csv_prefix:
        with open(f"{csv_prefix}_transcript_entries.csv", "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["Metric", "Acknowledged entries", "Entries/s"])
            writer.writerow(["transcript entries", RECORD.meter.acked, f"{rate:.2f}"])


if __name__ == "__main__":
    from locust import run_single_user

    run_single_user(TokenUser)
