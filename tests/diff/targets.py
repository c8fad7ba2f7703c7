"""Targets for voxai-diff's tests: the mock changed one way, as tiny named modifiers.

Each class says its change in a comment and lists the differences voxai-diff must report
for it (``expected``: operation, case, path, kind, and the verdict, with the assumption
pointer for a "docs silent" row). The first group differs only where the docs are
silent; the second breaks a docs sentence or the docs' example shape; the rest exercise
staging safety and redaction.
"""

from __future__ import annotations

import json
from typing import ClassVar

from tests.contract.faulty_targets import Exchange, Modifier

SILENT, DECIDE = "docs silent", "docs decide"
ERROR = "/components/schemas/Error"
TOOLS_200 = "/paths/~1api~1v1~1agents~1{agentId}~1tools/get/responses/200"
SESSION = "/components/schemas/Session"
ENTRY_201 = "/paths/~1api~1v1~1sessions~1{roomName}~1transcript/post/responses/201"
PARTICIPANT = "/components/schemas/Participant"
BAD_REQUEST = "/components/responses/BadRequest"

#: (operation, case, path, kind, verdict, assumption pointer or None)
Row = tuple[str, str, str, str, str, str | None]


class DiffModifier(Modifier):
    expected: ClassVar[tuple[Row, ...]] = ()


# --- differs only where the docs are silent --------------------------------------------


class ErrorsAsDetail422(DiffModifier):  # every error is {"detail": ...}; invalid input is 422
    expected = (
        ("createToken", "invalid_body", "status", "status", SILENT, BAD_REQUEST),
        ("createToken", "invalid_body", "$.detail", "field", SILENT, ERROR),
        ("createToken", "invalid_body", "$.error", "field", SILENT, ERROR),
        ("createToken", "invalid_body", "$.message", "field", SILENT, ERROR),
        ("createToken", "invalid_body", "$.details", "field", SILENT, ERROR),
        ("listAgents", "missing_key", "$.detail", "field", SILENT, ERROR),
        ("addTranscriptEntry", "ended_session", "$.error", "field", SILENT, ERROR),
        ("getProviderSecrets", "other_project", "$.detail", "field", SILENT, ERROR),
        ("getUsage", "invalid_query", "status", "status", SILENT, BAD_REQUEST),
    )

    def rewrite(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status >= 400 and isinstance(body, dict):
            status = 422 if exchange.status == 400 else exchange.status
            exchange.set_json({"detail": body.get("message", "refused")}, status)


class ToolsAsBareArray(DiffModifier):  # GET /agents/{id}/tools answers the bare tools array
    expected = (("listAgentTools", "ok", "$", "wrapping", SILENT, TOOLS_200),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path.endswith("/tools") and exchange.status == 200:
            exchange.set_json(exchange.json()["tools"])


class ParticipantsInLowerCase(DiffModifier):  # participants' kind and state in lower case
    expected = (
        ("listRoomParticipants", "ok", "$.participants[].kind", "enum_casing", SILENT, PARTICIPANT),
        (
            "listRoomParticipants",
            "ok",
            "$.participants[].state",
            "enum_casing",
            SILENT,
            PARTICIPANT,
        ),
    )

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path.endswith("/participants") and exchange.status == 200:
            body = exchange.json()
            for person in body["participants"]:
                person["kind"], person["state"] = person["kind"].lower(), person["state"].lower()
            exchange.set_json(body)


class EndResponseNested(DiffModifier):  # the end response nests the session under `session`
    expected = (("endSession", "ok", "$", "wrapping", SILENT, SESSION),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path.endswith("/end") and exchange.status == 200:
            exchange.set_json({"session": exchange.json()})


SILENT_MODIFIERS = (ErrorsAsDetail422, ToolsAsBareArray, ParticipantsInLowerCase, EndResponseNested)


class SequenceAsString(DiffModifier):  # a transcript entry's sequence is a numeric string
    expected = (("addTranscriptEntry", "ok", "$.sequence", "numeric_string", SILENT, ENTRY_201),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path.endswith("/transcript") and exchange.status == 201:
            body = exchange.json()
            exchange.set_json(dict(body, sequence=str(body["sequence"])))


class DiffersWhereDocsSilent(DiffModifier):  # all four silent changes at once
    expected = tuple(row for cls in SILENT_MODIFIERS for row in cls.expected)

    def rewrite(self, exchange: Exchange) -> None:
        for cls in SILENT_MODIFIERS:
            cls().rewrite(exchange)


# --- breaks a docs sentence or the docs' example shape ---------------------------------


class UnprefixedRoom(DiffModifier):  # POST /token answers the room without the project prefix
    expected = (("createToken", "ok", "$.room", "docs_rule", DECIDE, None),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            sent = exchange.request_json()
            exchange.set_json(dict(exchange.json(), room=sent["room"]))


class CreatedAtAsString(DiffModifier):  # GET /rooms answers createdAt as a numeric string
    expected = (("listRooms", "ok", "$.rooms[].createdAt", "numeric_string", DECIDE, None),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path == "/api/v1/rooms" and exchange.status == 200:
            body = exchange.json()
            for room in body["rooms"]:
                room["createdAt"] = str(room["createdAt"])
            exchange.set_json(body)


class TokenWithoutWsUrl(DiffModifier):  # POST /token leaves out wsUrl, which the docs show
    expected = (("createToken", "ok", "$.wsUrl", "field", DECIDE, None),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            exchange.set_json({k: v for k, v in exchange.json().items() if k != "wsUrl"})


class MissingKeyServed(DiffModifier):  # GET /agents without X-API-Key is served
    expected = (("listAgents", "missing_key", "status", "status", DECIDE, None),)

    def before(self, exchange: Exchange) -> None:
        if exchange.path == "/api/v1/agents":
            exchange.headers.setdefault("X-Api-Key", "vx_demo_key")


class SpeakerInUpperCase(DiffModifier):  # a stored entry's speaker reads "USER"
    expected = (("addTranscriptEntry", "ok", "$.speaker", "enum_casing", DECIDE, None),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path.endswith("/transcript") and exchange.status == 201:
            body = exchange.json()
            exchange.set_json(dict(body, speaker=body["speaker"].upper()))


class DispatchesDespiteNoAgent(DiffModifier):  # no_agent: true, yet agents_dispatched is [1]
    expected = (("createToken", "ok", "$.agents_dispatched", "docs_rule", DECIDE, None),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            exchange.set_json(dict(exchange.json(), agents_dispatched=[1]))


class RoomNameIsFullName(DiffModifier):  # GET /rooms answers `name` with the project prefix
    expected = (("listRooms", "ok", "$.rooms[].name", "docs_rule", DECIDE, None),)

    def rewrite(self, exchange: Exchange) -> None:
        if exchange.path == "/api/v1/rooms" and exchange.status == 200:
            body = exchange.json()
            exchange.set_json(
                dict(body, rooms=[dict(r, name=r["fullName"]) for r in body["rooms"]])
            )


DOCS_BREAKING_MODIFIERS = (
    UnprefixedRoom,
    CreatedAtAsString,
    TokenWithoutWsUrl,
    MissingKeyServed,
    SpeakerInUpperCase,
    DispatchesDespiteNoAgent,
    RoomNameIsFullName,
)


# --- staging safety and redaction ------------------------------------------------------


class FirstEndRefused(DiffModifier):  # the scenario's end request fails (invalid duration)
    def before(self, exchange: Exchange) -> None:
        body = exchange.request_json()
        if exchange.path.endswith("/end") and isinstance(body, dict) and body.get("summary"):
            exchange.body = json.dumps(dict(body, duration=-1)).encode()


class LeaksKeyIntoErrorCode(DiffModifier):  # error codes echo the caller's API key
    expected = (("listAgentTools", "unknown_agent", "$.error", "enum_value", SILENT, ERROR),)

    def rewrite(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status >= 400 and isinstance(body, dict):
            key = exchange.headers.get("X-Api-Key", "no key")
            exchange.set_json(dict(body, error=f"{body.get('error')}:{key}"))


# --- values that legitimately differ, and their types ----------------------------------


class OtherValues(DiffModifier):  # other session IDs, tokens, times and secret values
    def rewrite(self, exchange: Exchange) -> None:
        body = exchange.json()
        if not isinstance(body, dict) or exchange.status >= 400:
            return
        if isinstance(body.get("id"), int):
            body["id"] += 1000
        if "token" in body:
            body["token"] = "eyJother." + body["token"][-12:]
        for key in ("started_at", "created_at", "ended_at"):
            if isinstance(body.get(key), str):
                body[key] = "2030-01-01T00:00:00Z"
        if isinstance(body.get("secrets"), dict):
            body["secrets"] = {k: f"other-{k}-value" for k in body["secrets"]}
        exchange.set_json(body)


class IdsAndSecretsRetyped(DiffModifier):  # session IDs as strings, a secret as a number
    expected = (
        ("createSession", "ok", "$.id", "numeric_string", SILENT, "/components/schemas/Session"),
        ("getProviderSecrets", "ok", "$.secrets.*", "type", SILENT, None),
    )

    def rewrite(self, exchange: Exchange) -> None:
        body = exchange.json()
        if not isinstance(body, dict) or exchange.status >= 400:
            return
        if isinstance(body.get("id"), int):
            body["id"] = str(body["id"])
        if isinstance(body.get("secrets"), dict):
            body["secrets"] = {k: 12345 for k in body["secrets"]}
        exchange.set_json(body)
