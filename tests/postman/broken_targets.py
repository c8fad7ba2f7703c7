"""Deliberately broken targets for the newman meta-tests, and the assertions each must fail.

Each :class:`Fault` breaks the mock one way (the mock's fault API, a WSGI modifier from
``tests/contract/faulty_targets.py`` where the contract suite has one for the same rule,
or a wrong LiveKit secret in the run's environment) and names the exact
``(item, assertion)`` pairs newman's JSON report must list as failed; the contract
suite's modifiers are reused so the same bug is named the same way by both tools.
Webhook modifiers re-sign what they change with the mock's LiveKit secret, so the mock
accepts the altered event: the bug is in what is applied, not in the signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from openapi import load_spec, operation
from postman.scenarios import follow_steps
from tests.contract import faulty_targets as contract
from tests.contract.faulty_targets import Exchange, Modifier
from tests.mock.webhook_signing import sign

WEBHOOK_PATH = "/webhooks/livekit"


def summary(operation_id: str) -> str:
    """The item name of an operation's own request."""
    return operation(operation_id).definition["summary"]


def step(key: str) -> str:
    """The item name of a follow-up step (postman/scenarios.py) by its key."""
    steps = [s for steps in follow_steps(load_spec()).values() for s in steps]
    return next(s.name for s in steps if s.key == key)


TOKEN, SEARCH, USAGE = summary("createToken"), summary("searchKnowledge"), summary("getUsage")
ROOM_STARTED = summary("receiveLivekitWebhook")
STATUS, SIGNED = "status is 200", "signed_webhook_accepted"


def _resigned(exchange: Exchange, event: dict[str, Any]) -> None:
    exchange.body = json.dumps(event, separators=(",", ":")).encode()
    exchange.headers["Authorization"] = sign(exchange.body.decode())


class WebhookModifier(Modifier):
    """Changes a webhook event before the mock verifies it (subclasses: :meth:`change`)."""

    def before(self, exchange: Exchange) -> None:
        if exchange.path == WEBHOOK_PATH and (event := exchange.request_json()):
            changed = self.change(dict(event))
            if changed is not None:
                _resigned(exchange, changed)

    def change(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The event the mock should see instead, or None to leave it."""
        return None


class SignatureNotChecked(WebhookModifier):  # every webhook is applied, signed or not
    def change(self, event):
        return event


class RedeliveryReapplied(WebhookModifier):  # a redelivered event id is applied again
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def change(self, event):
        if event["id"] in self.seen:
            return {**event, "id": event["id"] + "_again"}
        self.seen.add(event["id"])
        return None


class LeaveIgnored(WebhookModifier):  # participant_left is acknowledged but not applied
    def change(self, event):
        if event["event"] == "participant_left":
            return {**event, "participant": {**event["participant"], "identity": "nobody"}}
        return None


class RoomFinishedIgnored(WebhookModifier):  # room_finished is acknowledged but not applied
    def change(self, event):
        if event["event"] == "room_finished":
            return {**event, "room": {**event["room"], "name": "proj_some-other-room"}}
        return None


class UsageIgnoresPeriod(Modifier):  # GET /usage always reports the last 7 days
    def rewrite(self, exchange):
        if exchange.path == "/api/v1/usage" and exchange.status == 200:
            exchange.set_json({**exchange.json(), "period": "7d"})


@dataclass(frozen=True)
class Fault:
    """One bug, and exactly the assertions of the run that must fail because of it."""

    name: str
    failures: frozenset[tuple[str, str]]  #: (item name, assertion name)
    modifier: Modifier | None = None
    mock_fault: tuple[str, dict[str, Any]] | None = None  #: through PUT /__mock/faults
    env_vars: dict[str, str] = field(default_factory=dict)


def _pairs(*pairs: tuple[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(pairs)


#: The LiveKit secret of the wrong-secret run: distinctive, so a log leak would show.
WRONG_SECRET = "not-the-livekit-secret-5f2c"

FAULTS = [
    Fault(  # GET /agents answers 409, which it never documents (no schema for it either)
        "undocumented_status",
        _pairs(
            *(
                (summary("listAgents"), check)
                for check in ("status is documented", STATUS, "body matches schema")
            ),
        ),  # fmt: skip
        # A wrapper: the mock's fault API refuses a status the operation does not document.
        modifier=contract.AnswersUndocumentedStatus(),
    ),
    Fault(  # transcript entries are answered with a documented 404 (201 and 409 expected)
        "status",
        _pairs(
            (summary("addTranscriptEntry"), "status is 201"),
            (step("entryAfterEnd"), "status is 409"),
        ),
        mock_fault=("addTranscriptEntry", {"status": 404}),
    ),
    Fault(  # GET /rooms sends its JSON as text/html (both requests of the run that list rooms)
        "content_type",
        _pairs(
            (summary("listRooms"), "content-type is application/json"),
            (step("afterFinish"), "content-type is application/json"),
        ),
        modifier=contract.WrongContentType(),
    ),
    Fault(  # the webhooks then name a room of no project, so the join is not applied either
        "room_is_prefixed",
        _pairs((TOKEN, "room_is_prefixed"), (step("afterJoin"), "webhook_join_is_applied")),
        modifier=contract.UnprefixedRoom(),
    ),
    Fault(  # POST /sessions omits the session status
        "dropped_field",
        _pairs((summary("createSession"), "body matches schema")),
        mock_fault=("createSession", {"drop_field": "status"}),
    ),
    Fault(
        "no_agent_dispatches_nothing",
        _pairs((TOKEN, "no_agent_dispatches_nothing")),
        modifier=contract.DispatchesDespiteNoAgent(),
    ),
    Fault(
        "ended_session_rejects_entries",
        _pairs(
            (step("entryAfterEnd"), "status is 409"),
            (step("entryAfterEnd"), "ended_session_rejects_entries"),
        ),
        modifier=contract.EndedSessionTakesEntries(),
    ),
    Fault(
        "top_k_bounds_results",
        _pairs((SEARCH, "top_k_bounds_results")),
        modifier=contract.TopKIgnored(),
    ),
    Fault(
        "usage_shaped_by_group_by_and_period",
        _pairs((USAGE, "usage_shaped_by_group_by_and_period")),
        modifier=UsageIgnoresPeriod(),
    ),
    Fault(
        "other_project_secrets_refused",
        _pairs(
            (step("otherProjectSecrets"), "status is 403"),
            (step("otherProjectSecrets"), "other_project_secrets_refused"),
        ),
        modifier=contract.OtherProjectSecretsServed(),
    ),
    Fault(  # the run signs with another secret than the target's: every signed event refused
        "wrong_livekit_secret",
        _pairs(
            *(
                (name, check)
                for name in (ROOM_STARTED, step("joined"), step("left"), step("finished"))
                for check in (STATUS, SIGNED)
            ),
            (step("redelivered"), STATUS),
            (step("redelivered"), "redelivered_event_is_applied_once"),
            (step("afterJoin"), "webhook_join_is_applied"),
            (step("afterFinish"), "webhook_room_finished_is_applied"),
        ),  # fmt: skip
        env_vars={"livekitApiSecret": WRONG_SECRET},
    ),
    Fault(  # the mock refuses, but the answer says 200 (the contract suite's modifier)
        "forged_webhook_refused",
        _pairs(
            *(
                (step(key), check)
                for key in ("unsigned", "forged")
                for check in ("status is 401", "forged_webhook_refused")
            ),
        ),  # fmt: skip
        modifier=contract.ForgedWebhookAccepted(),
    ),
    Fault(
        "refused_webhook_changes_nothing",
        _pairs(
            *(
                (step(key), check)
                for key in ("unsigned", "forged")
                for check in ("status is 401", "forged_webhook_refused")
            ),
            (step("afterJoin"), "refused_webhook_changes_nothing"),
        ),  # fmt: skip
        modifier=SignatureNotChecked(),
    ),
    Fault(
        "redelivered_event_is_applied_once",
        _pairs(
            (step("redelivered"), "redelivered_event_is_applied_once"),
            (step("afterRedelivery"), "redelivered_event_is_applied_once"),
        ),
        modifier=RedeliveryReapplied(),
    ),
    Fault(
        "webhook_leave_is_applied",
        _pairs((step("afterLeave"), "webhook_leave_is_applied")),
        modifier=LeaveIgnored(),
    ),
    Fault(
        "webhook_room_finished_is_applied",
        _pairs((step("afterFinish"), "webhook_room_finished_is_applied")),
        modifier=RoomFinishedIgnored(),
    ),
]

BY_NAME = {fault.name: fault for fault in FAULTS}
#: Faults that break different items without masking each other share one newman run
#: (a run takes 3-10 s here); the run must fail exactly the union of their assertions.
RUNS: dict[str, tuple[Fault, ...]] = {
    name: tuple(BY_NAME[f] for f in faults.split())
    for name, faults in {
        "api": "undocumented_status content_type room_is_prefixed dropped_field "
        "no_agent_dispatches_nothing ended_session_rejects_entries top_k_bounds_results "
        "usage_shaped_by_group_by_and_period other_project_secrets_refused",
        "webhook_state": "refused_webhook_changes_nothing redelivered_event_is_applied_once "
        "webhook_room_finished_is_applied",
        "webhook_refusal": "forged_webhook_refused webhook_leave_is_applied status",
        "wrong_livekit_secret": "wrong_livekit_secret",
    }.items()
}


def wrap_all(faults: tuple[Fault, ...]):
    """A ``wrap`` for ``make_live_mock`` applying every fault's modifier, or None."""
    modifiers = [fault.modifier for fault in faults if fault.modifier]
    if not modifiers:
        return None

    def wrap(app):
        for modifier in modifiers:
            app = modifier.wrap(app)
        return app

    return wrap
