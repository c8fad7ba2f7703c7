"""The Locust users: ``TokenUser`` and ``TranscriptUser`` (a live call), and what they record.

The hot loop is kept cheap so the load generator is never the bottleneck: request
bodies are built from the spec and encoded once per process, headers are set once per
user, and responses are checked by status (plus a byte search where a field matters);
only a sampled share is schema-validated (``conformance.py``).
"""

# Locust first: it monkey-patches the standard library through gevent.
from locust import FastHttpUser, tag, task

import json
import secrets
import socket
import urllib.parse
from dataclasses import dataclass
from typing import Any

from load_tests import bodies, conformance, metrics, options
from openapi import Operation, operation

CREATE_TOKEN = operation("createToken")
CREATE_SESSION = operation("createSession")
ADD_TRANSCRIPT_ENTRY = operation("addTranscriptEntry")
END_SESSION = operation("endSession")
ROOM_PARAMETER = "{roomName}"
#: Distinct token request bodies per process; token users cycle through them.
TOKEN_BODY_POOL = 512


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
    token_interval = options.token_interval
    if token_interval is None:
        # Alone, token users stress the token path; beside calls they join at the calls' pace.
        mixed = TranscriptUser in (environment.user_classes or ())
        token_interval = options.entry_interval if mixed else 0.0
    built = Settings(
        run_id=run_id,
        headers={
            "X-API-Key": options.api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        token_bodies=tuple(
            bodies.encode(
                bodies.token_body(
                    f"{run_id}-caller-{process}{i}", f"{run_id}-t{process}{i}", dispatch
                )
            )
            for i in range(TOKEN_BODY_POOL)
        ),
        token_interval=token_interval,
        entry_interval=options.entry_interval,
        dispatch=dispatch,
        script=script,
        entry_bodies=tuple(
            bodies.encode(bodies.entry_body(e.speaker, e.content, e.is_final)) for e in script
        ),
        end_body=bodies.encode(bodies.end_body("Load test call, ended by the script.")),
        loss_check=options.loss_check,
    )
    environment.voxai_settings = built
    RECORD.sampler.share = options.validate_share
    return built


class RunRecord:
    """What this process saw: entries meter, ack ledger, sampled conformance, room prefix."""

    def __init__(self) -> None:
        self.meter = metrics.EntryMeter()
        self.ledger = metrics.AckLedger()
        self.sampler = conformance.Sampler(0.01)
        self.project_prefix: str | None = None
        self._user_seq = 0

    def next_user(self) -> int:
        self._user_seq += 1
        return self._user_seq


RECORD = RunRecord()


def no_answer(error: BaseException | None, host: str) -> str:
    """Why a request got no HTTP answer, in words a user can act on."""
    where = urllib.parse.urlsplit(host).netloc or host
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(error, socket.gaierror):
        return f"DNS lookup failed for {where}"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"timed out waiting for {where}"
    if isinstance(error, ConnectionError):
        return f"connection to {where} broken ({type(error).__name__})"
    return f"no answer from {where}: {error!r}"


def check(user: FastHttpUser, resp: Any, op: Operation, documented: int) -> bool:
    """Mark the response failed unless it has the documented status; sample its body."""
    status = resp.status_code
    RECORD.sampler.observe(op, status, resp.content if status else b"")
    if status == documented:
        return True
    if status == 0:
        resp.failure(f"{op.operation_id}: {no_answer(resp.error, user.host)}")
    elif status in (401, 403):
        resp.failure(f"{op.operation_id}: received {status}, documented {documented} (key refused)")
    else:
        resp.failure(f"{op.operation_id}: received {status}, documented {documented}")
    return False


class VoxaiUser(FastHttpUser):
    """What every VoxAI user shares: timeouts, the run's settings and the key header."""

    abstract = True
    network_timeout = 10.0
    connection_timeout = 5.0

    def __init__(self, environment: Any) -> None:
        self.settings = settings(environment)
        self.default_headers = self.settings.headers
        super().__init__(environment)


class TokenUser(VoxaiUser):
    """Asks for room tokens with varied identities and rooms."""

    weight = 1

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._next = secrets.randbelow(TOKEN_BODY_POOL)

    def wait_time(self) -> float:
        return self.settings.token_interval

    @tag("token", CREATE_TOKEN.operation_id)
    @task
    def create_token(self) -> None:
        bodies_ = self.settings.token_bodies
        self._next = (self._next + 1) % len(bodies_)
        with self.client.request(
            "POST",
            CREATE_TOKEN.path,
            data=bodies_[self._next],
            name=CREATE_TOKEN.path,
            catch_response=True,
        ) as resp:
            if check(self, resp, CREATE_TOKEN, 200) and b'"token"' not in resp.content:
                resp.failure("createToken: 200 without a token field")


class TranscriptUser(VoxaiUser):
    """Plays live calls: one token, one session, the script's entries, one end.

    Every task is one step of the call (so a stop lands between requests and the
    cadence is the wait time): set the call up, say the next entry, or end it.
    """

    weight = 3

    def __init__(self, environment: Any) -> None:
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
        body = bodies.encode(bodies.token_body(self._caller, room, self.settings.dispatch))
        with self.client.request(
            "POST", CREATE_TOKEN.path, data=body, name=CREATE_TOKEN.path, catch_response=True
        ) as resp:
            if not check(self, resp, CREATE_TOKEN, 200):
                return
            full_room = _json_field(resp, "room")
            if not isinstance(full_room, str) or not full_room.endswith(room):
                resp.failure(f"createToken: room {full_room!r} is not the prefixed {room!r}")
                return
        RECORD.project_prefix = full_room[: len(full_room) - len(room)]
        session = bodies.encode(bodies.session_body(full_room, self._caller))
        with self.client.request(
            "POST",
            CREATE_SESSION.path,
            data=session,
            name=CREATE_SESSION.path,
            catch_response=True,
        ) as resp:
            if not check(self, resp, CREATE_SESSION, 201):
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
            check(self, resp, ADD_TRANSCRIPT_ENTRY, 201)
            status = resp.status_code
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
            check(self, resp, END_SESSION, 200)


def _json_field(resp: Any, name: str) -> Any:
    try:
        return json.loads(resp.content).get(name)
    except (ValueError, TypeError, AttributeError):
        return None


def apply_mix(mix: str) -> dict[str, int]:
    """``token=1,transcript=3`` → the user classes' weights (Locust reads ``weight``)."""
    classes = {"token": TokenUser, "transcript": TranscriptUser}
    for name, weight in options.parse_mix(mix).items():
        classes[name].weight = weight
    return {name: cls.weight for name, cls in classes.items()}
