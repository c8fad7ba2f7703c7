"""The one deterministic scenario, run the same way against each target.

Every operation of the spec is touched, in the docs' order of a call's life: agents and
their tools, a token (``no_agent: true`` unless dispatch is allowed), the rooms and the
room's participants, a session with a transcript entry, its end, an entry after the end,
knowledge search, usage, secrets (own and another project's) and an unsigned webhook,
plus error cases (missing key, invalid body or query, unknown agent, room and session).
Names are run-unique (``dfx-<random>-``), the same on both targets; each target's own
answers (its first agent, the room its token names) feed its later steps, as a client
would use them. A session the scenario opened is ended at teardown whatever happened.
``read_only`` sends GETs only.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from openapi import iter_operations, operation

TIMEOUT_S = 15
API = "/api/v1"
#: An agent ID no project has (the spec's largest) and a provider-neutral search query.
UNKNOWN_AGENT_ID = 2147483647
QUERY = "How do I reset password?"  # the docs' cURL example
WEBHOOK_TYPE = "application/webhook+json"
#: The case name of the teardown request (not compared: it happens on one side only).
TEARDOWN = "teardown"


def new_run_prefix() -> str:
    """``dfx-<8 hex>-``: every room and session of one run carries it."""
    return f"dfx-{secrets.token_hex(4)}-"


@dataclass(frozen=True)
class Options:
    """What shapes the scenario; the same for both targets except the per-target IDs."""

    run_prefix: str
    read_only: bool = False
    allow_agent_dispatch: bool = False
    knowledge_base_id: int = 1
    provider: str = "openai"


@dataclass(frozen=True)
class Target:
    """One side of the comparison: an origin, its key and its project ID."""

    name: str  #: "reference" or "target"
    origin: str
    api_key: str
    project_id: int = 1

    @property
    def other_project_id(self) -> int:
        """A project ID that is not the key's (for the cross-project secrets case)."""
        return 2 if self.project_id == 1 else 1


@dataclass
class Observation:
    """One answer: what was asked (operation, case) and what came back."""

    operation: str
    case: str
    method: str
    path: str
    status: int | None  #: ``None`` when the target did not answer
    content_type: str | None
    body: Any  #: the JSON body, or ``None`` when there is none or it is not JSON
    sent: Any = None  #: the JSON body the scenario sent (never a credential)
    error: str | None = None


@dataclass
class _Flow:
    """What a target's earlier answers taught its later steps."""

    run: str
    agent_id: int = 1
    room: str = ""  #: the room the token answer names (prefixed, if the target prefixes)
    session_open: bool = False
    seen: list[Observation] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None
    keyed: bool = True
    content_type: str = "application/json"


@dataclass(frozen=True)
class Step:
    """One request of the scenario: its operation, its case and how it is built."""

    operation: str
    case: str
    build: Callable[[_Flow, Target, Options], Request]
    after: Callable[[_Flow, Observation], None] | None = None

    @property
    def method(self) -> str:
        return operation(self.operation).method


def _first_agent(flow: _Flow, seen: Observation) -> None:
    agents = seen.body.get("agents") if isinstance(seen.body, dict) else None
    if seen.status == 200 and agents and isinstance(agents[0], dict):
        flow.agent_id = agents[0].get("id", 1)


def _token_room(flow: _Flow, seen: Observation) -> None:
    room = seen.body.get("room") if isinstance(seen.body, dict) else None
    if isinstance(room, str) and room:
        flow.room = room


def _session_opened(flow: _Flow, seen: Observation) -> None:
    flow.session_open = seen.status is not None and 200 <= seen.status < 300


def _session_ended(flow: _Flow, seen: Observation) -> None:
    if seen.status is not None and 200 <= seen.status < 300:
        flow.session_open = False


def _token_body(flow: _Flow, opts: Options) -> dict[str, Any]:
    body: dict[str, Any] = {"identity": f"{flow.run}user", "room": f"{flow.run}room"}
    if not opts.allow_agent_dispatch:
        body["no_agent"] = True  # agents cost money on a real platform
    return body


def _session_room(flow: _Flow) -> str:
    return flow.room or f"{flow.run}room"


def _webhook(flow: _Flow) -> dict[str, Any]:
    return {
        "event": "room_started",
        "room": {"sid": "RM_diff", "name": _session_room(flow)},
        "id": f"EV_{flow.run}",
        "createdAt": "1692985556",
    }


STEPS: tuple[Step, ...] = (
    Step("listAgents", "ok", lambda f, t, o: Request("GET", "/agents"), _first_agent),
    Step("listAgents", "missing_key", lambda f, t, o: Request("GET", "/agents", keyed=False)),
    Step("listAgentTools", "ok", lambda f, t, o: Request("GET", f"/agents/{f.agent_id}/tools")),
    Step(
        "listAgentTools",
        "unknown_agent",
        lambda f, t, o: Request("GET", f"/agents/{UNKNOWN_AGENT_ID}/tools"),
    ),
    Step(
        "createToken",
        "ok",
        lambda f, t, o: Request("POST", "/token", _token_body(f, o)),
        _token_room,
    ),
    Step(
        "createToken",
        "invalid_body",
        lambda f, t, o: Request(
            "POST", "/token", {k: v for k, v in _token_body(f, o).items() if k != "identity"}
        ),
    ),
    Step(
        "createToken",
        "missing_key",
        lambda f, t, o: Request("POST", "/token", _token_body(f, o), keyed=False),
    ),
    Step("listRooms", "ok", lambda f, t, o: Request("GET", "/rooms")),
    Step(
        "listRoomParticipants",
        "ok",
        lambda f, t, o: Request("GET", f"/rooms/{f.run}room/participants"),
    ),
    Step(
        "listRoomParticipants",
        "unknown_room",
        lambda f, t, o: Request("GET", f"/rooms/{f.run}nowhere/participants"),
    ),
    Step(
        "createSession",
        "ok",
        lambda f, t, o: Request(
            "POST", "/sessions", {"room_name": _session_room(f), "caller_identity": f"{f.run}user"}
        ),
        _session_opened,
    ),
    Step("createSession", "invalid_body", lambda f, t, o: Request("POST", "/sessions", {})),
    Step(
        "addTranscriptEntry",
        "ok",
        lambda f, t, o: Request(
            "POST",
            f"/sessions/{_session_room(f)}/transcript",
            {"speaker": "user", "content": "Hello agent"},
        ),
    ),
    Step(
        "addTranscriptEntry",
        "invalid_body",
        lambda f, t, o: Request(
            "POST",
            f"/sessions/{_session_room(f)}/transcript",
            {"speaker": "narrator", "content": "Hello"},
        ),
    ),
    Step(
        "addTranscriptEntry",
        "unknown_session",
        lambda f, t, o: Request(
            "POST",
            f"/sessions/{_session_room(f)}-nowhere/transcript",
            {"speaker": "user", "content": "Hello"},
        ),
    ),
    Step(
        "endSession",
        "ok",
        lambda f, t, o: Request(
            "POST", f"/sessions/{_session_room(f)}/end", {"summary": "voxai-diff run"}
        ),
        _session_ended,
    ),
    Step(
        "addTranscriptEntry",
        "ended_session",
        lambda f, t, o: Request(
            "POST",
            f"/sessions/{_session_room(f)}/transcript",
            {"speaker": "user", "content": "Still there?"},
        ),
    ),
    Step(
        "searchKnowledge",
        "ok",
        lambda f, t, o: Request(
            "POST", "/knowledge/search", {"knowledge_base_id": o.knowledge_base_id, "query": QUERY}
        ),
    ),
    Step(
        "searchKnowledge",
        "invalid_body",
        lambda f, t, o: Request("POST", "/knowledge/search", {"query": QUERY}),
    ),
    Step("getUsage", "ok", lambda f, t, o: Request("GET", "/usage?period=7d&group_by=model")),
    Step("getUsage", "invalid_query", lambda f, t, o: Request("GET", "/usage?period=fortnight")),
    Step(
        "getProviderSecrets",
        "ok",
        lambda f, t, o: Request("GET", f"/projects/{t.project_id}/secrets/{o.provider}"),
    ),
    Step(
        "getProviderSecrets",
        "other_project",
        lambda f, t, o: Request("GET", f"/projects/{t.other_project_id}/secrets/{o.provider}"),
    ),
    Step(
        "receiveLivekitWebhook",
        "unsigned",
        lambda f, t, o: Request(
            "POST", "/webhooks/livekit", _webhook(f), keyed=False, content_type=WEBHOOK_TYPE
        ),
    ),
)


def steps_for(opts: Options) -> list[Step]:
    """The steps this run sends: all of them, or the GETs alone with ``read_only``."""
    return [s for s in STEPS if not opts.read_only or s.method == "GET"]


def operations_touched(opts: Options) -> list[str]:
    """The spec's operations, in order, that the run's steps reach."""
    reached = {s.operation for s in steps_for(opts)}
    return [op.operation_id for op in iter_operations() if op.operation_id in reached]


def _send(http: requests.Session, target: Target, step: Step, request: Request) -> Observation:
    path = request.path if request.path.startswith("/webhooks/") else API + request.path
    headers = {"Accept": "application/json"}
    if request.keyed:
        headers["X-API-Key"] = target.api_key
    data = None
    if request.method != "GET":
        headers["Content-Type"] = request.content_type
        data = json.dumps(request.body).encode()
    seen = Observation(
        step.operation, step.case, request.method, path, None, None, None, sent=request.body
    )
    try:
        response = http.request(
            request.method, target.origin + path, headers=headers, data=data, timeout=TIMEOUT_S
        )
    except requests.RequestException as exc:
        seen.error = type(exc).__name__
        return seen
    seen.status = response.status_code
    seen.content_type = response.headers.get("Content-Type")
    try:
        seen.body = response.json() if response.content else None
    except ValueError:
        seen.body = None
    return seen


def run(target: Target, opts: Options) -> list[Observation]:
    """Send every step to ``target`` in order; end the session it opened, whatever happened.

    The answers come in step order; a teardown request, if one was needed, comes last
    with case :data:`TEARDOWN`.
    """
    flow = _Flow(run=opts.run_prefix)
    with requests.Session() as http:
        try:
            for step in steps_for(opts):
                request = step.build(flow, target, opts)
                seen = _send(http, target, step, request)
                flow.seen.append(seen)
                if step.after is not None:
                    step.after(flow, seen)
        finally:
            if flow.session_open and not opts.read_only:
                # Whatever stopped the run, the session it opened on a shared target ends.
                teardown = Step("endSession", TEARDOWN, lambda f, t, o: Request("POST", ""))
                request = Request("POST", f"/sessions/{_session_room(flow)}/end", {})
                flow.seen.append(_send(http, target, teardown, request))
    return flow.seen
