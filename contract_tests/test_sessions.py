"""A session takes transcript entries until it is ended, and not after.

Docs: "Adds a transcript entry to an active session for a given room." / "Ends an
active session, marking it as completed." The status of the refusal (409) and the
shape of the completed session are the spec's assumptions.
"""

from __future__ import annotations

import pytest

from contract_tests.client import ApiClient, expect, find_field
from contract_tests.settings import Settings

pytestmark = pytest.mark.usefixtures("writes_allowed")
ADD = "POST /api/v1/sessions/{roomName}/transcript"
END = "POST /api/v1/sessions/{roomName}/end"
CREATE = "POST /api/v1/sessions"


@pytest.fixture
def session_room(client: ApiClient, settings: Settings, prefix: str, request) -> str:
    """A fresh active session on a run-prefixed room; ended at teardown in any case."""
    room = f"{prefix}{settings.run_prefix}s{abs(hash(request.node.nodeid)) % 10**8}"
    exchange = client.post(
        "/api/v1/sessions",
        json_body={"room_name": room, "caller_identity": f"{settings.run_prefix}caller"},
    )
    settings.created_sessions.add((room, settings.api_key))
    expect(
        200 <= exchange.status < 300,
        "session_takes_entries_while_active",
        received=str(exchange.status),
        documented="the session is created",
        exchange=exchange,
        operation=CREATE,
    )
    return room


def test_active_session_takes_entries_in_order(client: ApiClient, session_room: str):
    contents = ["Hello agent", "I need help with billing", "Thanks"]
    for index, content in enumerate(contents, start=1):
        exchange = client.post(
            f"/api/v1/sessions/{session_room}/transcript",
            json_body={"speaker": "user", "content": content},
        )
        expect(
            200 <= exchange.status < 300,
            "session_takes_entries_while_active",
            received=str(exchange.status),
            documented="the entry is added",
            exchange=exchange,
            operation=ADD,
        )
        sequence = (exchange.json() or {}).get("sequence")
        expect(
            sequence == index,
            "transcript_sequence_counts_from_1",
            received=f"sequence={sequence!r}",
            documented=f"sequence={index}",
            exchange=exchange,
            operation=ADD,
        )


def test_ended_session_rejects_entries(client: ApiClient, session_room: str):
    client.post(
        f"/api/v1/sessions/{session_room}/transcript",
        json_body={"speaker": "user", "content": "Hello agent"},
    )
    ended = client.post(
        f"/api/v1/sessions/{session_room}/end", json_body={"summary": "Contract test session"}
    )
    expect(
        200 <= ended.status < 300,
        "ended_session_rejects_entries",
        received=str(ended.status),
        documented="an active session can be ended",
        exchange=ended,
        operation=END,
    )
    body = ended.json()
    status, ended_at = find_field(body, "status"), find_field(body, "ended_at")
    expect(
        status == "completed" and ended_at is not None,
        "ended_session_is_completed",
        received=f"status={status!r}, ended_at={ended_at!r} in {ended.response.text[:200]}",
        documented="status 'completed' with ended_at",
        exchange=ended,
        operation=END,
    )
    late = client.post(
        f"/api/v1/sessions/{session_room}/transcript",
        json_body={"speaker": "user", "content": "Are you still there?"},
    )
    expect(
        not 200 <= late.status < 300,
        "ended_session_rejects_entries",
        received=f"{late.status} (the entry was accepted)",
        documented="no entries once the session is ended",
        exchange=late,
        operation=ADD,
    )
    expect(
        late.status == 409,
        "ended_session_is_409",
        received=str(late.status),
        documented="409 conflict",
        exchange=late,
        operation=ADD,
    )


def test_session_duration_override_is_kept(client: ApiClient, session_room: str):
    ended = client.post(
        f"/api/v1/sessions/{session_room}/end",
        json_body={"summary": "User asked about pricing", "duration": 184},
    )
    body = ended.json()
    duration, summary = find_field(body, "duration"), find_field(body, "summary")
    expect(
        duration == 184 and summary == "User asked about pricing",
        "ended_session_is_completed",
        received=f"duration={duration!r}, summary={summary!r} in {ended.response.text[:200]}",
        documented="duration 184 (override) and the summary sent",
        exchange=ended,
        operation=END,
    )


@pytest.mark.parametrize("speaker", ["robot", "narrator"])
def test_active_session_refuses_other_speakers(speaker: str, client: ApiClient, session_room: str):
    # Sent to a session this run just created and that is active, so a refusal can only
    # be about the speaker (a 404 for a missing session would prove nothing).
    exchange = client.post(
        f"/api/v1/sessions/{session_room}/transcript",
        json_body={"speaker": speaker, "content": "Hello agent"},
    )
    expect(
        not 200 <= exchange.status < 300 and exchange.status != 404,
        "speaker_is_agent_user_or_system",
        received=f"{exchange.status} for speaker {speaker!r} on an active session",
        documented='speaker is "agent", "user", or "system"; anything else is refused',
        exchange=exchange,
        operation=ADD,
    )
    control = client.post(
        f"/api/v1/sessions/{session_room}/transcript",
        json_body={"speaker": "user", "content": "Hello agent"},
    )
    expect(
        200 <= control.status < 300,
        "session_takes_entries_while_active",
        received=f"{control.status} after the refused speaker",
        documented="the active session still takes a valid entry",
        exchange=control,
        operation=ADD,
    )
