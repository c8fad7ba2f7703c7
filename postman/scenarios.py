"""Requests the collection adds to show documented behaviour, beyond one request per operation.

A :class:`Step` is a request of some operation with its own body, path values,
signature, expected status and behaviour tests. ``MAIN`` replaces how an operation's own
request is sent (the webhook request is signed, and is the run's ``room_started``);
``FOLLOW`` lists the steps run right after an operation's own request:

- Sessions: an entry for the session just ended is refused.
- Secrets: another project's secrets are refused.
- Webhooks: LiveKit events for the run's room, signed in a pre-request script, then the
  rooms API shows their effects: the participant joins (once, though redelivered),
  events without a valid signature change nothing, the participant leaves, the room
  finishes.

Webhook bodies are the spec's own examples (LiveKit's protojson, compact as LiveKit
sends it) with the run's room, event ids and participants put in.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from postman import behaviours as b
from postman.behaviours import CALLER, INTRUDER, SNAPSHOT_VARIABLE, Behaviour

WEBHOOK = "receiveLivekitWebhook"


@dataclass(frozen=True)
class Step:
    """One request of ``operation_id`` as the run sends it."""

    key: str  #: stable, unique; the item id derives from it
    operation_id: str
    name: str  #: '' for an operation's own request (it keeps the spec's summary)
    expected: int  #: the status its ``status is N`` test expects
    behaviours: tuple[Behaviour, ...] = ()
    body: dict[str, Any] | None = None  #: sent instead of the spec's first example
    path: tuple[tuple[str, str], ...] = ()  #: (path parameter, value), replacing the default
    signing: str | None = None  #: a mode of :func:`postman.scripts.sign_webhook`
    prerequest: tuple[str, ...] = ()
    stores: tuple[tuple[str, str], ...] = ()  #: (variable, JS expression on body)
    description: str = ""


def _webhook_examples(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    body = spec["paths"]["/webhooks/livekit"]["post"]["requestBody"]
    content = next(iter(body["content"].values()))
    return {ex["value"]["event"]: ex["value"] for ex in content["examples"].values()}


def webhook_event(spec: dict[str, Any], kind: str, tag: str, identity: str | None = None) -> dict:
    """The spec's example of LiveKit's event, for the run's room, id ``EV_{{room}}_<tag>``.

    ``room_finished`` is made from ``room_started``, ``participant_left`` from
    ``participant_joined`` (the participant then ``DISCONNECTED``).
    """
    examples = _webhook_examples(spec)
    source = {"room_finished": "room_started", "participant_left": "participant_joined"}
    event = copy.deepcopy(examples[source.get(kind, kind)])
    event["event"] = kind
    event["room"]["name"] = "{{fullRoomName}}"
    event["id"] = "EV_{{room}}_" + tag
    if identity is not None:
        event["participant"].update(identity=identity, name=identity)
        if kind == "participant_left":
            event["participant"]["state"] = "DISCONNECTED"
    return event


def _participants(key: str, name: str, *rules: Behaviour, stores=()) -> Step:
    return Step(
        key,
        "listRoomParticipants",
        f"List room participants: {name}",
        200,
        rules,
        path=(("roomName", "{{room}}"),),
        stores=stores,
    )


def _signed(key: str, name: str, body: dict, rules=(b.SIGNED_WEBHOOK_ACCEPTED,)) -> Step:
    return Step(key, WEBHOOK, f"Webhook {name}", 200, rules, body=body, signing="livekit")


def main_steps(spec: dict[str, Any]) -> dict[str, Step]:
    """operationId -> how its own request is sent, where that differs from the spec example."""
    return {
        WEBHOOK: Step(
            "main",
            WEBHOOK,
            "",
            200,
            (b.SIGNED_WEBHOOK_ACCEPTED,),
            body=webhook_event(spec, "room_started", "room_started"),
            signing="livekit",
            description="This request is the run's `room_started` event. The Webhooks folder "
            "signs every event in its pre-request script, as LiveKit does: `Authorization` is "
            "the raw JWT (no `Bearer `), HS256 with `{{livekitApiSecret}}`, `iss` = "
            "`{{livekitApiKey}}`, and a `sha256` claim holding the base64 SHA-256 of the exact "
            "body sent. Set both in your environment (the mock's are `devkey` / `secret`).",
        )
    }


def follow_steps(spec: dict[str, Any]) -> dict[str, list[Step]]:
    """operationId -> the steps run right after its own request, in order."""
    joined = webhook_event(spec, "participant_joined", "joined", CALLER)
    snapshot = "JSON.stringify(body.participants.map(function (p) { return p.identity; }).sort())"
    return {
        "endSession": [
            Step(
                "entryAfterEnd",
                "addTranscriptEntry",
                "Add a transcript entry after the session ended",
                409,
                (b.ENDED_SESSION_REJECTS_ENTRIES,),
                path=(("roomName", "{{fullRoomName}}"),),
            )
        ],
        "getProviderSecrets": [
            Step(
                "otherProjectSecrets",
                "getProviderSecrets",
                "Get another project's provider secrets",
                403,
                (b.OTHER_PROJECT_SECRETS_REFUSED,),
                path=(("projectId", "{{otherProjectId}}"),),
                prerequest=(
                    "// Any project but the key's own: the next one.",
                    'pm.collectionVariables.set("otherProjectId",',
                    '    String(Number(pm.variables.get("projectId") || 1) + 1));',
                ),
            )
        ],
        WEBHOOK: [
            _signed("joined", "participant_joined, signed", joined),
            Step(
                "unsigned",
                WEBHOOK,
                "Webhook participant_joined, unsigned (alg none)",
                401,
                (b.FORGED_WEBHOOK_REFUSED,),
                body=webhook_event(spec, "participant_joined", "unsigned", INTRUDER),
                signing="unsigned",
            ),
            Step(
                "forged",
                WEBHOOK,
                "Webhook participant_joined, signed with another secret",
                401,
                (b.FORGED_WEBHOOK_REFUSED,),
                body=webhook_event(spec, "participant_joined", "forged", INTRUDER),
                signing="forged",
            ),
            _participants(
                "afterJoin",
                "the signed join applied, the refused ones not",
                b.WEBHOOK_JOIN_IS_APPLIED,
                b.REFUSED_WEBHOOK_CHANGES_NOTHING,
            ),
            _signed(
                "left",
                "participant_left, signed",
                webhook_event(spec, "participant_left", "left", CALLER),
            ),
            _participants(
                "afterLeave",
                "the participant left",
                b.WEBHOOK_LEAVE_IS_APPLIED,
                stores=((SNAPSHOT_VARIABLE, snapshot),),
            ),
            _signed(
                "redelivered",
                "participant_joined, redelivered",
                joined,
                (b.REDELIVERY_ACKNOWLEDGED,),
            ),
            _participants(
                "afterRedelivery",
                "the redelivered join changed nothing",
                b.REDELIVERY_CHANGES_NOTHING,
            ),
            _signed(
                "finished",
                "room_finished, signed",
                webhook_event(spec, "room_finished", "room_finished"),
            ),
            Step(
                "afterFinish",
                "listRooms",
                "List rooms: the room finished",
                200,
                (b.WEBHOOK_ROOM_FINISHED_IS_APPLIED,),
            ),
        ],
    }


def compact(body: dict[str, Any]) -> str:
    """JSON as LiveKit's protojson sends it: no spaces."""
    return json.dumps(body, separators=(",", ":"))
