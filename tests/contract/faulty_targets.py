"""Deliberately broken targets for the meta-tests, as tiny named modifier classes.

Each modifier says its bug in a comment and breaks the mock one way: through the mock's
fault API (``fault``) or a WSGI wrapper around the mock app (``rewrite``). ``select``
is the focused part of the suite that must catch it, and ``rule`` the name the report
must give. :class:`CorrectButDifferent` changes only what the docs leave open.
"""

from __future__ import annotations

import io
import json
import random
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import jwt

LIVEKIT_KEY, LIVEKIT_SECRET = "devkey", "secret"


@dataclass
class Exchange:
    """One request through the wrapper, and the mock's response (mutable)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int = 200
    response_headers: list[tuple[str, str]] | None = None
    response_body: bytes = b""

    def request_json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def json(self) -> Any:
        try:
            return json.loads(self.response_body or b"null")
        except ValueError:
            return None

    def set_json(self, value: Any, status: int | None = None) -> None:
        self.response_body = json.dumps(value).encode()
        if status is not None:
            self.status = status
        self.set_header("Content-Type", "application/json")

    def set_header(self, name: str, value: str) -> None:
        kept = [(k, v) for k, v in (self.response_headers or []) if k.lower() != name.lower()]
        self.response_headers = [*kept, (name, value)]


REASONS = {
    200: "OK",
    201: "CREATED",
    400: "BAD REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT FOUND",
    409: "CONFLICT",
    418: "I'M A TEAPOT",
}


class Modifier:
    """Base: no fault. Subclasses set ``fault`` or override ``rewrite``/``before``."""

    select: ClassVar[tuple[str, ...]] = ()
    rule: ClassVar[str] = ""
    fault: ClassVar[tuple[str, dict[str, Any]] | None] = None
    extra_options: ClassVar[tuple[str, ...]] = ()
    #: For a built-in schemathesis check: the assumption its failure rests on here (the
    #: rules of contract_tests.rules carry their own).
    assumption: ClassVar[str | None] = None
    #: Part of the failing testcase's name, where the cause must be one kind of test.
    cause_in: ClassVar[str] = ""

    def before(self, exchange: Exchange) -> None:
        """Change the request before the mock sees it."""

    def rewrite(self, exchange: Exchange) -> None:
        """Change the mock's response."""

    def wrap(self, inner):
        """A WSGI app applying :meth:`before` and :meth:`rewrite` around ``inner``."""

        def app(environ, start_response):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            headers = {
                k[5:].replace("_", "-").title(): v
                for k, v in environ.items()
                if k.startswith("HTTP_")
            }
            exchange = Exchange(
                environ["REQUEST_METHOD"],
                environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
                headers,
                body,
            )
            self.before(exchange)
            environ = dict(environ)
            for key in [k for k in environ if k.startswith("HTTP_")]:
                del environ[key]
            for name, value in exchange.headers.items():
                environ["HTTP_" + name.upper().replace("-", "_")] = value
            environ["wsgi.input"] = io.BytesIO(exchange.body)
            environ["CONTENT_LENGTH"] = str(len(exchange.body))
            captured: dict[str, Any] = {}

            def capture(status, response_headers, exc_info=None):
                captured["status"], captured["headers"] = status, response_headers
                return lambda data: None

            chunks = inner(environ, capture)
            try:
                exchange.response_body = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
            exchange.status = int(captured["status"].split()[0])
            exchange.response_headers = list(captured["headers"])
            # Faults act on JSON answers only: OPTIONS (CORS) and HEAD answer 200 with no body.
            if not exchange.path.startswith("/__mock/") and exchange.json() is not None:
                self.rewrite(exchange)
            headers_out = [
                (k, v) for k, v in exchange.response_headers if k.lower() != "content-length"
            ]
            headers_out.append(("Content-Length", str(len(exchange.response_body))))
            start_response(
                f"{exchange.status} {REASONS.get(exchange.status, 'STATUS')}", headers_out
            )
            return [exchange.response_body]

        return app


def _resign(token: str, **changes: Any) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    video = dict(claims.get("video") or {})
    video.update(changes.pop("video", {}))
    claims.update(changes, video=video)
    return jwt.encode(claims, LIVEKIT_SECRET, algorithm="HS256")


PROPERTIES = "test_properties.py"
#: The property tests' name, for modifiers whose cause must be a schemathesis check.
IN_PROPERTIES = "test_operation_conforms_to_contract"


# --- faults injected through the mock's own fault API ------------------------------------


class DropsRequiredField(Modifier):  # GET /agents omits llm_model, a required field
    fault = ("listAgents", {"drop_field": "agents.*.llm_model"})
    select = (PROPERTIES, "-k", "contract and agents and not tools")
    rule = "response_schema_conformance"


class ServerErrorOnValidInput(Modifier):  # GET /rooms fails with 500 on every request
    fault = ("listRooms", {"status": 500})
    select = (PROPERTIES, "-k", "contract and rooms and not participants")
    rule = "not_a_server_error"


class DropsToolList(Modifier):  # GET /agents/{agentId}/tools leaves out `tools`
    fault = ("listAgentTools", {"drop_field": "tools"})
    select = (PROPERTIES, "-k", "contract and tools")
    rule = "response_schema_conformance"
    assumption = "/paths/~1api~1v1~1agents~1{agentId}~1tools/get/responses/200"


# --- faults of small wrapping apps ------------------------------------------------------


class AnswersUndocumentedStatus(Modifier):  # GET /agents answers 409, which it never documents
    select = (PROPERTIES, "-k", "contract and agents and not tools")
    rule = "status_code_conformance"
    assumption = "/info"  # the statuses an operation lists are all it answers

    # A wrapper, not the fault API: the mock refuses to force a status an operation does
    # not document (a mistyped fault must not pass for a working one).
    def rewrite(self, exchange):
        if exchange.path == "/api/v1/agents":
            exchange.set_json({"error": "conflict", "message": "Agents are busy"}, status=409)


class WrongContentType(Modifier):  # GET /rooms sends its JSON as text/html
    select = (PROPERTIES, "-k", "contract and rooms and not participants")
    rule = "content_type_conformance"
    assumption = "/info"  # JSON bodies as application/json

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/rooms" and exchange.status == 200:
            exchange.set_header("Content-Type", "text/html; charset=utf-8")


class MistypedField(Modifier):  # GET /usage reports totals.sessions as a string
    select = (PROPERTIES, "-k", "contract and usage")
    rule = "response_schema_conformance"
    assumption = "/components/schemas/UsageReport"

    def rewrite(self, exchange):
        body = exchange.json()
        if exchange.path == "/api/v1/usage" and exchange.status == 200:
            body["totals"]["sessions"] = str(body["totals"]["sessions"])
            exchange.set_json(body)


class AuthNotEnforced(Modifier):  # a request without X-API-Key is served as project 1
    select = ("test_auth.py", "-k", "missing_key")
    rule = "missing_key_is_refused"

    def before(self, exchange):
        exchange.headers.setdefault("X-Api-Key", "vx_demo_key")


class WrongKeyAccepted(Modifier):  # an unknown X-API-Key is served as project 1
    select = ("test_auth.py", "-k", "wrong_key")
    rule = "wrong_key_is_refused"

    def before(self, exchange):
        if exchange.headers.get("X-Api-Key") not in (None, "vx_demo_key", "vx_acme_key"):
            exchange.headers["X-Api-Key"] = "vx_demo_key"


class InvalidInputAccepted(Modifier):  # GET /agents/{agentId}/tools serves invalid agentIds
    select = (PROPERTIES, "-k", "contract and tools")
    rule = "negative_data_rejection"
    assumption = "/components/responses/BadRequest"

    def rewrite(self, exchange):
        if exchange.path.endswith("/tools") and exchange.status == 400:
            exchange.set_json({"agent_id": 1, "tools": []}, 200)


class TokenForAnotherIdentity(Modifier):  # the JWT's sub is not the requested identity
    select = ("test_tokens.py",)
    rule = "token_claims_match_request"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            body = exchange.json()
            body["token"] = _resign(body["token"], sub="somebody-else")
            exchange.set_json(body)


class TokenWithoutRoomJoin(Modifier):  # the JWT grants no roomJoin
    select = ("test_tokens.py",)
    rule = "token_claims_match_request"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            body = exchange.json()
            body["token"] = _resign(body["token"], video={"roomJoin": False})
            exchange.set_json(body)


class TokenSignedWithWrongSecret(Modifier):  # the JWT is not signed with the LiveKit secret
    select = ("test_tokens.py",)
    rule = "token_signature_valid"
    extra_options = ("--livekit-api-key", LIVEKIT_KEY, "--livekit-api-secret", LIVEKIT_SECRET)

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            body = exchange.json()
            claims = jwt.decode(body["token"], options={"verify_signature": False})
            body["token"] = jwt.encode(
                claims, "a-different-secret-of-32-bytes-or-more", algorithm="HS256"
            )
            exchange.set_json(body)


class UnprefixedRoom(Modifier):  # `room` (and the JWT's room) lack the project prefix
    select = ("test_tokens.py",)
    rule = "room_is_prefixed"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            body = exchange.json()
            room = exchange.request_json()["room"]
            body["room"] = room
            body["token"] = _resign(body["token"], video={"room": room})
            exchange.set_json(body)


class DispatchesDespiteNoAgent(Modifier):  # no_agent: true still reports agent 1 dispatched
    select = ("test_tokens.py",)
    rule = "no_agent_dispatches_nothing"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            body = exchange.json()
            body["agents_dispatched"] = [1]
            exchange.set_json(body)


class EndedSessionTakesEntries(Modifier):  # entries for an ended session are accepted
    select = ("test_sessions.py",)
    rule = "ended_session_rejects_entries"

    def rewrite(self, exchange):
        if exchange.path.endswith("/transcript") and exchange.status == 409:
            sent = exchange.request_json()
            exchange.set_json(
                {
                    "session_id": 1,
                    "room_name": exchange.path.split("/")[4],
                    "sequence": 99,
                    "speaker": sent["speaker"],
                    "content": sent["content"],
                    "timestamp_ms": None,
                    "is_final": True,
                    "created_at": "2026-11-23T10:00:01Z",
                },
                201,
            )


class NewSessionUnavailable(Modifier):  # a session just created is not found for entries
    select = ("test_sessions.py", "-k", "in_order")
    rule = "session_takes_entries_while_active"

    def rewrite(self, exchange):
        if exchange.path.endswith("/transcript") and exchange.status == 201:
            exchange.set_json({"error": "not_found", "message": "No session"}, 404)


class TopKIgnored(Modifier):  # search returns more results than top_k
    select = ("test_knowledge_usage.py", "-k", "top_k")
    rule = "top_k_bounds_results"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/knowledge/search" and exchange.status == 200:
            body = exchange.json()
            top_k = (exchange.request_json() or {}).get("top_k", 5)
            result = {"document_id": "x", "title": "x", "content": "x", "score": 0.1}
            body["results"] = (body["results"] + [result] * (top_k + 1))[: top_k + 1]
            exchange.set_json(body)


class UsageIgnoresGroupBy(Modifier):  # GET /usage always groups by day
    select = ("test_knowledge_usage.py", "-k", "usage")
    rule = "usage_shaped_by_group_by_and_period"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/usage" and exchange.status == 200:
            body = exchange.json()
            body["group_by"] = "day"
            exchange.set_json(body)


class OtherProjectSecretsServed(Modifier):  # project 2's secrets are served to project 1's key
    select = ("test_isolation.py", "-k", "secrets")
    rule = "other_project_secrets_refused"

    def rewrite(self, exchange):
        if "/secrets/" in exchange.path and exchange.status == 403:
            exchange.set_json(
                {"project_id": 2, "provider": "openai", "secrets": {"api_key": "sk-leaked"}}, 200
            )


class OtherProjectRoomsVisible(Modifier):  # GET /rooms lists every project's rooms
    select = ("test_isolation.py", "-k", "none_of_the_first and not agents")
    rule = "projects_are_isolated"
    extra_options = ("--second-api-key", "vx_acme_key")

    def before(self, exchange):
        if exchange.path == "/api/v1/rooms":
            exchange.headers["X-Api-Key"] = "vx_demo_key"


class ForgedWebhookAccepted(Modifier):  # webhooks are applied without checking the signature
    select = ("test_auth.py", "-k", "forged")
    rule = "forged_webhook_refused"

    def rewrite(self, exchange):
        if exchange.path == "/webhooks/livekit" and exchange.status == 401:
            event = exchange.request_json() or {}
            exchange.set_json(
                {
                    "received": True,
                    "event": event.get("event", ""),
                    "id": event.get("id", ""),
                    "duplicate": False,
                },
                200,
            )


class ErrorBodyNotErrorSchema(Modifier):  # 404s come back as {"detail": ...}
    select = (PROPERTIES, "-k", "contract and tools")
    rule = "response_schema_conformance"
    assumption = "/components/schemas/Error"

    def rewrite(self, exchange):
        if exchange.status == 404:
            exchange.set_json({"detail": "not found"})


# --- faults only a linked (stateful) flow reveals ----------------------------------------

STATEFUL = ("test_stateful.py",)
#: Schemathesis follows a link's values only by a (true-random) coin; at the runner's
#: default budget 3 of 46 focused runs never took the transcript link. 12 examples:
#: 45 of 45 runs red, about 4 s each (measured 2026-11-23).
STATEFUL_OPTIONS = ("--max-examples", "12")  # the last --max-examples wins
#: Longer than a focused stateful run, so every session that run creates is still lagging.
REPLICA_LAG_S = 300.0


class NewSessionMissingFromTranscriptLink(Modifier):  # replica lag: a session just created
    # answers 404 to its transcript link (sessions created minutes ago take entries)
    select = STATEFUL
    rule = "ensure_resource_availability"
    extra_options = STATEFUL_OPTIONS

    def __init__(self) -> None:
        self.created_at: dict[str, float] = {}  # room_name -> when it was created

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/sessions" and exchange.status == 201:
            room = (exchange.request_json() or {}).get("room_name")
            self.created_at[str(room)] = time.monotonic()
        elif exchange.path.endswith("/transcript") and exchange.status == 201:
            room = exchange.path.split("/")[4]  # /api/v1/sessions/{roomName}/transcript
            if time.monotonic() - self.created_at.get(room, -REPLICA_LAG_S) < REPLICA_LAG_S:
                exchange.set_json({"error": "not_found", "message": "No active session"}, 404)


# --- faults of the rules added for the docs' own sentences and examples -----------------

DISPATCH_OPTIONS = ("--allow-agent-dispatch",)


class TokenNotAJwt(Modifier):  # `token` starts like a JWT but is not one
    select = ("test_tokens.py", "-k", "livekit_jwt")
    rule = "token_is_livekit_jwt"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            exchange.set_json(dict(exchange.json(), token="eyJnot-a-jwt"))


class GrantsIgnored(Modifier):  # the requested extra grants never reach the token
    select = ("test_tokens.py", "-k", "grants")
    rule = "token_grants_applied"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            body = exchange.json()
            claims = jwt.decode(body["token"], options={"verify_signature": False})
            video = {k: v for k, v in claims["video"].items() if k != "canUpdateOwnMetadata"}
            body["token"] = jwt.encode(dict(claims, video=video), LIVEKIT_SECRET, "HS256")
            exchange.set_json(body)


class DispatchNotReported(Modifier):  # agents are dispatched but agents_dispatched is []
    select = ("test_tokens.py", "-k", "requested_agents")
    rule = "dispatched_agents_reported"
    extra_options = DISPATCH_OPTIONS

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            exchange.set_json(dict(exchange.json(), agents_dispatched=[]))


class DispatchMissingFromToken(Modifier):  # the token's roomConfig names no agent
    select = ("test_tokens.py", "-k", "requested_agents")
    rule = "token_dispatches_through_room_config"
    extra_options = DISPATCH_OPTIONS

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/token" and exchange.status == 200:
            body = exchange.json()
            claims = jwt.decode(body["token"], options={"verify_signature": False})
            claims.pop("roomConfig", None)
            body["token"] = jwt.encode(claims, LIVEKIT_SECRET, "HS256")
            exchange.set_json(body)


class AgentsListedOnlyFirst(Modifier):  # GET /agents answers only its first agent
    select = ("test_listings.py", "-k", "agent")
    rule = "agents_lists_every_agent"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/agents" and exchange.status == 200:
            body = exchange.json()
            exchange.set_json(dict(body, agents=body["agents"][:1]))


class RoomsListedOnlyFirst(Modifier):  # GET /rooms answers only its first room
    select = ("test_listings.py", "-k", "every_room")
    rule = "rooms_lists_every_active_room"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/rooms" and exchange.status == 200:
            body = exchange.json()
            exchange.set_json(dict(body, rooms=body["rooms"][:1]))


class RoomNameIsFullName(Modifier):  # GET /rooms answers `name` with the project prefix
    select = ("test_listings.py", "-k", "without_prefix")
    rule = "room_name_is_unprefixed"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/rooms" and exchange.status == 200:
            body = exchange.json()
            rooms = [dict(room, name=room["fullName"]) for room in body["rooms"]]
            exchange.set_json(dict(body, rooms=rooms))


class SequenceCountsFromZero(Modifier):  # the first transcript entry has sequence 0
    select = ("test_sessions.py", "-k", "in_order")
    rule = "transcript_sequence_counts_from_1"

    def rewrite(self, exchange):
        if exchange.path.endswith("/transcript") and exchange.status == 201:
            body = exchange.json()
            exchange.set_json(dict(body, sequence=body["sequence"] - 1))


class AnySpeakerAccepted(Modifier):  # an active session takes speaker "robot"
    select = ("test_sessions.py", "-k", "speakers")
    rule = "speaker_is_agent_user_or_system"

    def rewrite(self, exchange):
        sent = exchange.request_json() or {}
        if exchange.path.endswith("/transcript") and exchange.status == 400:
            if sent.get("speaker") not in ("agent", "user", "system"):
                exchange.set_json(
                    {
                        "session_id": 1,
                        "room_name": exchange.path.split("/")[4],
                        "sequence": 1,
                        "speaker": sent.get("speaker"),
                        "content": sent.get("content"),
                        "timestamp_ms": None,
                        "is_final": True,
                        "created_at": "2026-11-23T10:00:01Z",
                    },
                    201,
                )


class EndedSessionIs410(Modifier):  # entries after the end are refused with 410, not 409
    select = ("test_sessions.py", "-k", "ended_session_rejects")
    rule = "ended_session_is_409"

    def rewrite(self, exchange):
        if exchange.path.endswith("/transcript") and exchange.status == 409:
            exchange.status = 410


class EndedSessionNotCompleted(Modifier):  # the ended session reads status "ended"
    select = ("test_sessions.py", "-k", "ended_session_rejects")
    rule = "ended_session_is_completed"

    def rewrite(self, exchange):
        if exchange.path.endswith("/end") and exchange.status == 200:
            exchange.set_json(dict(exchange.json(), status="ended"))


class DefaultTopKIs10(Modifier):  # a search without top_k returns up to 10 results
    select = ("test_knowledge_usage.py", "-k", "default_top_k")
    rule = "default_top_k_is_5"

    def before(self, exchange):
        body = exchange.request_json()
        if exchange.path == "/api/v1/knowledge/search" and isinstance(body, dict):
            body.setdefault("top_k", 10)
            exchange.body = json.dumps(body).encode()


class ResultsUnderAnotherKey(Modifier):  # search results come as `matches`, not `results`
    select = ("test_knowledge_usage.py", "-k", "top_k_bounds")
    rule = "search_results_are_a_list"

    def rewrite(self, exchange):
        if exchange.path == "/api/v1/knowledge/search" and exchange.status == 200:
            body = exchange.json()
            body["matches"] = body.pop("results")
            exchange.set_json(body)


class OtherProjectSecretsIs401(Modifier):  # another project's secrets are refused with 401
    select = ("test_isolation.py", "-k", "secrets")
    rule = "other_project_secrets_is_403"

    def rewrite(self, exchange):
        if "/secrets/" in exchange.path and exchange.status == 403:
            exchange.status = 401


class RefusalIs403(Modifier):  # a missing key is refused with 403, not 401
    select = ("test_auth.py", "-k", "missing_key and agents")
    rule = "refusal_is_401_error"

    def rewrite(self, exchange):
        if exchange.status == 401:
            exchange.status = 403


class SignedWebhookRefused(Modifier):  # a validly signed LiveKit event is refused
    select = ("test_auth.py", "-k", "signed_webhook")
    rule = "signed_webhook_accepted"
    extra_options = ("--livekit-api-key", LIVEKIT_KEY, "--livekit-api-secret", LIVEKIT_SECRET)

    def rewrite(self, exchange):
        if exchange.path == "/webhooks/livekit" and exchange.status == 200:
            exchange.set_json({"error": "unauthorized", "message": "Bad signature"}, 401)


class AuthCheckMeetsServerError(Modifier):  # a request without a key fails with 500
    select = ("test_auth.py", "-k", "missing_key and agents")
    rule = "not_a_server_error"

    def rewrite(self, exchange):
        if exchange.status == 401:
            exchange.set_json({"error": "internal", "message": "boom"}, 500)


class ErrorsAre422Detail(Modifier):  # invalid input is refused with 422 {"detail": ...}
    select = (PROPERTIES, "-k", "contract and tools")
    rule = "error_body_conforms"
    cause_in = IN_PROPERTIES

    def rewrite(self, exchange):
        if exchange.status == 400:
            exchange.set_json({"detail": "invalid agentId"}, 422)


# --- the custom schemathesis checks as the cause, in the property tests -----------------

TOKEN_PROPERTIES = (PROPERTIES, "-k", "contract and token")


class UnprefixedRoomInProperties(UnprefixedRoom):  # caught by the room_is_prefixed check
    select = TOKEN_PROPERTIES
    cause_in = IN_PROPERTIES


class TokenForAnotherIdentityInProperties(TokenForAnotherIdentity):  # token_claims check
    select = TOKEN_PROPERTIES
    cause_in = IN_PROPERTIES


class DispatchesDespiteNoAgentInProperties(DispatchesDespiteNoAgent):  # no_agent check
    select = TOKEN_PROPERTIES
    cause_in = IN_PROPERTIES


class AuthIgnoredInProperties(AuthNotEnforced):  # schemathesis's ignored_auth check
    select = (PROPERTIES, "-k", "contract and agents and not tools")
    rule = "ignored_auth"


def _descendants(cls: type) -> list[type]:
    return [d for sub in cls.__subclasses__() for d in (sub, *_descendants(sub))]


MODIFIERS: tuple[type[Modifier], ...] = tuple(_descendants(Modifier))


class CorrectButDifferent(Modifier):
    """Differs from the mock only where the docs are silent.

    Extra fields, other IDs and order; a token answered with 201; refusals with 403;
    invalid input refused with 422 and every error as ``{"detail": ...}``; search results
    under ``matches``; the ended session nested under ``session``.
    """

    def rewrite(self, exchange):
        body = exchange.json()
        if exchange.status >= 400:
            message = body.get("message", "refused") if isinstance(body, dict) else "refused"
            status = {400: 422, 401: 403}.get(exchange.status, exchange.status)
            exchange.set_json({"detail": message}, status)
            return
        if not isinstance(body, dict):
            return
        body["x_served_by"] = "another-implementation"  # extra fields are allowed
        for key in ("agents", "rooms", "participants"):
            if isinstance(body.get(key), list):
                # Order is not documented for these listings.
                random.Random(time.time_ns()).shuffle(body[key])
        if "id" in body and isinstance(body["id"], int) and "room_name" in body:
            body["id"] += 1000  # session IDs are the target's own
        if exchange.path == "/api/v1/token":
            exchange.status = 201
        if exchange.path == "/api/v1/knowledge/search":
            body["matches"] = body.pop("results")
        if exchange.path.endswith("/end"):
            body = {"session": body}
        exchange.set_json(body)
        exchange.set_header("X-Request-Id", f"req-{time.time_ns()}")
