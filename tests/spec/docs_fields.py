"""The public docs page's promises, held as data (transcribed from API_DOCS.md).

The kit never reads the docs at run time: these tables are the docs' fields,
types, required-ness, defaults and enums as published, so a test can hold the
spec to them. Types are the docs' own words ("number", "number[]").
"""

from __future__ import annotations

from typing import NamedTuple


class DocumentedOperation(NamedTuple):
    operation_id: str
    method: str
    path: str
    summary: str
    description: str


class DocumentedField(NamedTuple):
    operation_id: str
    location: str  # body | path | query
    name: str
    docs_type: str  # as the docs write it
    required: bool
    default: object = None
    enum: tuple[str, ...] | None = None


class DocumentedResponseField(NamedTuple):
    operation_id: str
    pointer: str  # where the field sits in the docs' example response
    name: str
    example_value: object


OPERATIONS = [
    DocumentedOperation(
        "createToken",
        "POST",
        "/api/v1/token",
        "Generate a LiveKit room token",
        "Generate a LiveKit token to join a room. Optionally dispatches one or more agents.",
    ),
    DocumentedOperation(
        "listAgents",
        "GET",
        "/api/v1/agents",
        "List agents for your project",
        "Returns all agent configurations for the project associated with your API key.",
    ),
    DocumentedOperation(
        "listAgentTools",
        "GET",
        "/api/v1/agents/{agentId}/tools",
        "Get tool definitions for an agent",
        "Returns the list of tool definitions configured for a specific agent.",
    ),
    DocumentedOperation(
        "listRooms",
        "GET",
        "/api/v1/rooms",
        "List active rooms",
        "Returns all currently active LiveKit rooms for your project.",
    ),
    DocumentedOperation(
        "listRoomParticipants",
        "GET",
        "/api/v1/rooms/{roomName}/participants",
        "List room participants",
        "Returns participants currently in a specific room.",
    ),
    DocumentedOperation(
        "createSession",
        "POST",
        "/api/v1/sessions",
        "Create a session log",
        "Creates a new session log entry for tracking agent conversations.",
    ),
    DocumentedOperation(
        "addTranscriptEntry",
        "POST",
        "/api/v1/sessions/{roomName}/transcript",
        "Add transcript entry",
        "Adds a transcript entry to an active session for a given room.",
    ),
    DocumentedOperation(
        "endSession",
        "POST",
        "/api/v1/sessions/{roomName}/end",
        "End a session",
        "Ends an active session, marking it as completed.",
    ),
    DocumentedOperation(
        "searchKnowledge",
        "POST",
        "/api/v1/knowledge/search",
        "Search a knowledge base",
        "Performs a RAG (semantic) search against a knowledge base.",
    ),
    DocumentedOperation(
        "getUsage",
        "GET",
        "/api/v1/usage",
        "Get usage and cost data",
        "Returns usage and cost data for your project, with optional period and grouping.",
    ),
    DocumentedOperation(
        "getProviderSecrets",
        "GET",
        "/api/v1/projects/{projectId}/secrets/{provider}",
        "Get decrypted secrets for a provider",
        "Returns decrypted secrets for the specified provider. Used by agent servers at runtime.",
    ),
    DocumentedOperation(
        "receiveLivekitWebhook",
        "POST",
        "/webhooks/livekit",
        "Receive a LiveKit webhook event",
        "LiveKit sends webhook events to POST /webhooks/livekit with content type",
    ),
]

FIELDS = [
    # POST /api/v1/token
    DocumentedField("createToken", "body", "identity", "string", True),
    DocumentedField("createToken", "body", "room", "string", True),
    DocumentedField("createToken", "body", "agent_config_id", "number", False),
    DocumentedField("createToken", "body", "agent_config_ids", "number[]", False),
    DocumentedField("createToken", "body", "no_agent", "boolean", False),
    DocumentedField("createToken", "body", "grants", "object", False),
    # GET /api/v1/agents/:agentId/tools
    DocumentedField("listAgentTools", "path", "agentId", "number", True),
    # GET /api/v1/rooms/:roomName/participants
    DocumentedField("listRoomParticipants", "path", "roomName", "string", True),
    # POST /api/v1/sessions
    DocumentedField("createSession", "body", "room_name", "string", True),
    DocumentedField("createSession", "body", "agent_config_id", "number", False),
    DocumentedField("createSession", "body", "caller_identity", "string", False),
    DocumentedField(
        "createSession", "body", "session_type", "string", False, "voice", ("voice", "sip")
    ),
    DocumentedField("createSession", "body", "metadata", "object", False),
    # POST /api/v1/sessions/:roomName/transcript
    DocumentedField(
        "addTranscriptEntry", "body", "speaker", "string", True, None, ("agent", "user", "system")
    ),
    DocumentedField("addTranscriptEntry", "body", "content", "string", True),
    DocumentedField("addTranscriptEntry", "body", "timestamp_ms", "number", False),
    DocumentedField("addTranscriptEntry", "body", "is_final", "boolean", False, True),
    # POST /api/v1/sessions/:roomName/end
    DocumentedField("endSession", "body", "summary", "string", False),
    DocumentedField("endSession", "body", "duration", "number", False),
    # POST /api/v1/knowledge/search
    DocumentedField("searchKnowledge", "body", "knowledge_base_id", "number", True),
    DocumentedField("searchKnowledge", "body", "query", "string", True),
    DocumentedField("searchKnowledge", "body", "top_k", "number", False, 5),
    # GET /api/v1/usage
    DocumentedField(
        "getUsage", "query", "period", "string", False, "30d", ("today", "7d", "30d", "all")
    ),
    DocumentedField(
        "getUsage",
        "query",
        "group_by",
        "string",
        False,
        "day",
        ("day", "model", "agent", "service"),
    ),
    # GET /api/v1/projects/:projectId/secrets/:provider
    DocumentedField("getProviderSecrets", "path", "projectId", "number", True),
    DocumentedField("getProviderSecrets", "path", "provider", "string", True),
]

#: The docs' example responses, verbatim.
EXAMPLE_RESPONSES = {
    "createToken": {
        "token": "eyJ...",
        "room": "proj_my-room",
        "wsUrl": "wss://livekit.example.com",
        "agents_dispatched": [1],
    },
    "listAgents": {
        "agents": [
            {
                "id": 1,
                "name": "Support Agent",
                "agent_type": "voice",
                "llm_provider": "openai",
                "llm_model": "gpt-4o",
                "is_active": True,
            }
        ]
    },
    "listRooms": {
        "rooms": [
            {
                "name": "my-room",
                "fullName": "proj_my-room",
                "numParticipants": 2,
                "createdAt": 1711800000,
            }
        ]
    },
}

#: The webhook event names the docs list ("Events include: ..., etc.").
WEBHOOK_EVENTS = (
    "room_started",
    "room_finished",
    "participant_joined",
    "participant_left",
    "track_published",
)
WEBHOOK_CONTENT_TYPE = "application/webhook+json"
API_KEY_HEADER = "X-API-Key"
PRODUCTION_ORIGIN = "https://voxai.ai0.dev"
