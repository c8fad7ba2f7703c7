"""The listings are complete, and rooms are named as the docs show.

Docs: "Returns all agent configurations for the project associated with your API key."
/ "Returns all currently active LiveKit rooms for your project." / the rooms example
``"name": "my-room", "fullName": "proj_my-room"`` / "Room name (without project prefix)".
"""

from __future__ import annotations

import pytest

from contract_tests.client import ApiClient, expect, not_exercised
from contract_tests.settings import Settings

ROOMS = "GET /api/v1/rooms"
AGENTS = "GET /api/v1/agents"
#: Rooms the run opens; more than one, so a listing cut to its first room shows.
ROOM_COUNT = 3
#: Agent IDs probed past the highest listed one: an agent the key can read must be listed.
AGENT_PROBE_MARGIN = 5
AGENT_PROBE_MAX = 60


@pytest.fixture(scope="module")
def run_rooms(client: ApiClient, settings: Settings) -> list[tuple[str, str]]:
    """(requested name, full name) of rooms this run opened with tokens (no agent)."""
    if settings.read_only:
        not_exercised("rooms_lists_every_active_room", "read-only: opening a room is a POST")
    opened = []
    for index in range(ROOM_COUNT):
        requested = f"{settings.run_prefix}list{index}"
        exchange = client.post(
            "/api/v1/token",
            json_body={
                "identity": f"{settings.run_prefix}caller",
                "room": requested,
                "no_agent": True,
            },
        )
        full = (exchange.json() or {}).get("room")
        if 200 <= exchange.status < 300 and isinstance(full, str):
            opened.append((requested, full))
    if not opened:
        not_exercised("rooms_lists_every_active_room", "the target issued no token to open rooms")
    return opened


def _listed_rooms(client: ApiClient) -> tuple[object, list[dict]]:
    listing = client.get("/api/v1/rooms")
    rooms = (listing.json() or {}).get("rooms") if isinstance(listing.json(), dict) else None
    expect(
        200 <= listing.status < 300 and isinstance(rooms, list),
        "rooms_lists_every_active_room",
        received=f"{listing.status} {listing.response.text[:200]}",
        documented='{"rooms": [...]} as the docs example shows',
        exchange=listing,
        operation=ROOMS,
    )
    return listing, [room for room in rooms if isinstance(room, dict)]


def test_every_room_the_run_opened_is_listed(client: ApiClient, run_rooms):
    listing, rooms = _listed_rooms(client)
    listed = {room.get("fullName") for room in rooms}
    ours = [full for _, full in run_rooms]
    seen = [full for full in ours if full in listed]
    if not seen:
        not_exercised(
            "rooms_lists_every_active_room",
            f"none of the run's {len(ours)} rooms is listed: on this target a token may not "
            "open a room until someone joins",
            ROOMS,
        )
    expect(
        len(seen) == len(ours),
        "rooms_lists_every_active_room",
        received=f"{len(seen)} of the run's {len(ours)} rooms listed (missing "
        f"{sorted(set(ours) - set(seen))})",
        documented="every active room of the project",
        exchange=listing,
        operation=ROOMS,
    )


def test_room_name_is_the_name_without_prefix(client: ApiClient, run_rooms):
    listing, rooms = _listed_rooms(client)
    by_full = {room.get("fullName"): room for room in rooms}
    checked = 0
    for requested, full in run_rooms:
        room = by_full.get(full)
        if room is None:
            continue
        checked += 1
        expect(
            room.get("name") == requested and full != requested,
            "room_name_is_unprefixed",
            received=f"name={room.get('name')!r}, fullName={room.get('fullName')!r}",
            documented=f"name={requested!r} (as requested), fullName={full!r} (prefixed)",
            exchange=listing,
            operation=ROOMS,
        )
    if not checked:
        not_exercised("room_name_is_unprefixed", "none of the run's rooms is listed", ROOMS)


def test_every_agent_the_key_can_read_is_listed(client: ApiClient, settings: Settings):
    listing = client.get("/api/v1/agents")
    agents = (listing.json() or {}).get("agents") if isinstance(listing.json(), dict) else None
    listed = {a.get("id") for a in agents or [] if isinstance(a, dict)}
    known = [i for i in [*listed, settings.agent_id] if isinstance(i, int)]
    top = min(max(known, default=0) + AGENT_PROBE_MARGIN, AGENT_PROBE_MAX)
    readable = [
        i for i in range(1, top + 1) if client.get(f"/api/v1/agents/{i}/tools").status == 200
    ]
    if not readable:
        not_exercised(
            "agents_lists_every_agent", f"no agent ID from 1 to {top} has readable tools", AGENTS
        )
    missing = sorted(set(readable) - listed)
    expect(
        not missing,
        "agents_lists_every_agent",
        received=f"agents {missing} answer GET /agents/{{id}}/tools but are not listed "
        f"(listed: {sorted(listed, key=str)})",
        documented="all agent configurations of the key's project",
        exchange=listing,
        operation=AGENTS,
    )
