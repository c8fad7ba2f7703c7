"""The documented behaviours the collection tests, beyond status, content type and schema.

Each :class:`Behaviour` is one ``pm.test`` named like the contract suite's rule for the
same docs sentence (``contract_tests/rules.py``; ``tests/postman`` checks the names and
sentences match), so a failure reads the same in Postman and in ``voxai-contract``. The
webhook rules have no contract-suite twin: the suite cannot watch a participant come and
go through a run of requests, the collection can.

A behaviour's JavaScript sees ``body`` (the parsed response, or ``undefined``), ``sent``
(the request body as sent, parsed) and ``query`` (the request's query parameters).
Values the spec defines (the ``top_k`` default) are read from the spec passed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from openapi import resolve_refs


@dataclass(frozen=True)
class Behaviour:
    """A property the target must have, as one ``pm.test`` named ``rule``."""

    rule: str
    docs: str  #: the docs sentence it comes from (the contract suite's, where it has the rule)
    lines: tuple[str, ...]  #: the test function's body
    when_status: int | None = None  #: only checked on this status (else skipped: no body)


# --- from the contract suite's rules -----------------------------------------------------

ROOM_IS_PREFIXED = Behaviour(
    "room_is_prefixed",
    '"Room name (auto-prefixed with project prefix)"',
    (
        'pm.expect(body.room, "room").to.be.a("string");',
        "pm.expect(body.room.endsWith(sent.room) && body.room.length > sent.room.length,",
        '    "room " + body.room + " for requested room " + sent.room).to.equal(true);',
    ),
    when_status=200,
)
NO_AGENT_DISPATCHES_NOTHING = Behaviour(
    "no_agent_dispatches_nothing",
    '"If true, no agent is dispatched"',
    (
        'pm.expect(sent.no_agent, "the request sets no_agent").to.equal(true);',
        'pm.expect(body.agents_dispatched, "agents_dispatched").to.eql([]);',
    ),
    when_status=200,
)
ENDED_SESSION_REJECTS_ENTRIES = Behaviour(
    "ended_session_rejects_entries",
    '"Ends an active session, marking it as completed." / '
    '"Adds a transcript entry to an active session for a given room."',
    ('pm.expect(pm.response.code, "status of an entry after end").to.be.within(400, 499);',),
)


def top_k_bounds_results(spec: dict[str, Any]) -> Behaviour:
    """``top_k`` bounds the results; without it, the spec's default does."""
    body = spec["paths"]["/api/v1/knowledge/search"]["post"]["requestBody"]
    schema = resolve_refs(body["content"]["application/json"]["schema"], spec)
    default = int(schema["properties"]["top_k"]["default"])
    return Behaviour(
        "top_k_bounds_results",
        '"Number of results (default 5)"',
        (
            f"const topK = sent.top_k === undefined ? {default} : sent.top_k;",
            'pm.expect(body.results.length, "results for top_k " + topK).to.be.at.most(topK);',
        ),
        when_status=200,
    )


USAGE_SHAPED_BY_GROUP_BY_AND_PERIOD = Behaviour(
    "usage_shaped_by_group_by_and_period",
    '"Returns usage and cost data for your project, with optional period and grouping."',
    (
        'pm.expect(body.period, "period").to.equal(query.period);',
        'pm.expect(body.group_by, "group_by").to.equal(query.group_by);',
        "const keys = body.groups.map(function (g) { return g.key; });",
        'pm.expect(new Set(keys).size, "one group per key").to.equal(keys.length);',
        'if (query.group_by === "day") {',
        "    const summed = body.groups.reduce(function (n, g) { return n + g.sessions; }, 0);",
        '    pm.expect(summed, "day groups add up to the totals").to.equal(body.totals.sessions);',
        "}",
    ),
    when_status=200,
)
OTHER_PROJECT_SECRETS_REFUSED = Behaviour(
    "other_project_secrets_refused",
    '"Must match the project of your API key"',
    (
        'pm.expect(pm.response.code, "status").to.not.be.within(200, 299);',
        'pm.expect(body && body.secrets, "secrets in the answer").to.equal(undefined);',
    ),
)
SIGNED_WEBHOOK_ACCEPTED = Behaviour(
    "signed_webhook_accepted",
    '"LiveKit sends webhook events to POST /webhooks/livekit with content type '
    'application/webhook+json."',
    (
        "pm.response.to.have.status(200);",
        'pm.expect(body.id, "acknowledged event id").to.equal(sent.id);',
        'pm.expect(body.event, "acknowledged event").to.equal(sent.event);',
    ),
)
FORGED_WEBHOOK_REFUSED = Behaviour(
    "forged_webhook_refused",
    '"LiveKit sends webhook events to POST /webhooks/livekit with content type '
    'application/webhook+json."',
    ("pm.response.to.have.status(401);",),
)


def by_operation(spec: dict[str, Any]) -> dict[str, tuple[Behaviour, ...]]:
    """operationId -> the behaviours checked on every run of its own request."""
    return {
        "createToken": (ROOM_IS_PREFIXED, NO_AGENT_DISPATCHES_NOTHING),
        "searchKnowledge": (top_k_bounds_results(spec),),
        "getUsage": (USAGE_SHAPED_BY_GROUP_BY_AND_PERIOD,),
    }


# --- the webhook run's own rules -----------------------------------------------------------

WEBHOOK_DOCS = (
    "LiveKit sends webhook events to POST /webhooks/livekit with content type "
    "application/webhook+json. Events include: room_started, room_finished, "
    "participant_joined, participant_left"
)
#: The participants the webhook events name (the room is the run's, so these never clash).
CALLER = "pm-webhook-caller"
INTRUDER = "pm-webhook-intruder"
_IDENTITIES = "const identities = body.participants.map(function (p) { return p.identity; });"


def _count(identity: str) -> str:
    return f"identities.filter(function (i) {{ return i === {json.dumps(identity)}; }}).length"


REDELIVERY_ACKNOWLEDGED = Behaviour(
    "redelivered_event_is_applied_once",
    WEBHOOK_DOCS,
    (
        "pm.response.to.have.status(200);",
        'pm.expect(body.duplicate, "duplicate").to.equal(true);',
    ),
)
WEBHOOK_JOIN_IS_APPLIED = Behaviour(
    "webhook_join_is_applied",
    WEBHOOK_DOCS,
    (_IDENTITIES, f'pm.expect({_count(CALLER)}, "{CALLER} listed").to.equal(1);'),
    when_status=200,
)
REFUSED_WEBHOOK_CHANGES_NOTHING = Behaviour(
    "refused_webhook_changes_nothing",
    WEBHOOK_DOCS,
    (_IDENTITIES, f'pm.expect({_count(INTRUDER)}, "{INTRUDER} listed").to.equal(0);'),
    when_status=200,
)
WEBHOOK_LEAVE_IS_APPLIED = Behaviour(
    "webhook_leave_is_applied",
    WEBHOOK_DOCS,
    (_IDENTITIES, f'pm.expect({_count(CALLER)}, "{CALLER} listed").to.equal(0);'),
    when_status=200,
)
#: The participants seen after the leave, compared after the redelivered join.
SNAPSHOT_VARIABLE = "participantsAfterLeave"
REDELIVERY_CHANGES_NOTHING = Behaviour(
    "redelivered_event_is_applied_once",
    WEBHOOK_DOCS,
    (
        _IDENTITIES,
        f'const before = JSON.parse(pm.collectionVariables.get("{SNAPSHOT_VARIABLE}") || "[]");',
        'pm.expect(identities.sort(), "participants after the redelivery").to.eql(before);',
    ),
    when_status=200,
)
WEBHOOK_ROOM_FINISHED_IS_APPLIED = Behaviour(
    "webhook_room_finished_is_applied",
    WEBHOOK_DOCS,
    (
        'const full = pm.collectionVariables.get("fullRoomName");',
        "const left = body.rooms.filter(function (r) { return r.fullName === full; });",
        'pm.expect(left.length, full + " listed").to.equal(0);',
    ),
    when_status=200,
)
