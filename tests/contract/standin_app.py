"""A tiny stand-in VoxAI target, used only until the mock is available to smoke the suite.

Not a second mock: just enough of the contract (spec-validated input, the Error body,
prefixed rooms, LiveKit JWTs, sessions) to exercise the suite end to end.
"""

from __future__ import annotations

import base64
import hashlib
import time

import jsonschema
import jwt
from flask import Flask, jsonify, request

from openapi import load_spec, resolve_refs

KEYS = {"vx_demo_key": (1, "proj_"), "vx_acme_key": (2, "acme_")}
SECRETS = {1: {"openai": {"api_key": "sk-demo-0000000000000000", "organization": "org-demo"}},
           2: {"openai": {"api_key": "sk-acme-1111111111111111"}}}
AGENTS = {1: [{"id": 1, "name": "Support Agent", "agent_type": "voice", "llm_provider": "openai",
               "llm_model": "gpt-4o", "is_active": True}],
          2: [{"id": 5, "name": "Acme Receptionist", "agent_type": "voice",
               "llm_provider": "openai", "llm_model": "gpt-4o-mini", "is_active": True}]}


def create_app() -> Flask:
    app = Flask(__name__)
    spec = load_spec()
    schemas = {k: resolve_refs(v, spec) for k, v in spec["components"]["schemas"].items()}
    rooms: dict[str, dict] = {}
    sessions: dict[str, dict] = {}

    def err(status, code, message):
        return jsonify(error=code, message=message), status

    def project():
        return KEYS.get(request.headers.get("X-API-Key", ""))

    def body_of(schema_name, required=True):
        if request.mimetype != "application/json":
            if not required and not request.get_data():
                return {}, None
            return None, err(415, "unsupported_media_type", "Content-Type must be JSON")
        data = request.get_json(silent=True)
        try:
            jsonschema.validate(data, schemas[schema_name])
        except jsonschema.ValidationError as exc:
            return None, err(400, "invalid_request", exc.message[:200])
        return data, None

    @app.before_request
    def auth():
        if request.path.startswith("/api/") and project() is None:
            return err(401, "unauthorized", "Missing or wrong X-API-Key header")
        return None

    @app.errorhandler(404)
    def not_found(_):
        return err(404, "not_found", "No such resource")

    @app.errorhandler(405)
    def not_allowed(exc):
        body, status = err(405, "method_not_allowed", "Method not allowed")
        return body, status, {"Allow": ", ".join(exc.valid_methods or [])}

    @app.post("/api/v1/token")
    def token():
        data, problem = body_of("TokenRequest")
        if problem:
            return problem
        pid, prefix = project()
        full = prefix + data["room"]
        now = int(time.time())
        claims = {"iss": "devkey", "sub": data["identity"], "nbf": now, "exp": now + 3600,
                  "video": {"roomJoin": True, "room": full, **data.get("grants", {})}}
        rooms.setdefault(full, {"pid": pid, "participants": set(), "created": now})
        rooms[full]["participants"].add(data["identity"])
        return jsonify(token=jwt.encode(claims, "secret", algorithm="HS256"), room=full,
                       wsUrl="ws://localhost:7880", agents_dispatched=[])

    @app.get("/api/v1/agents")
    def agents():
        return jsonify(agents=AGENTS[project()[0]])

    @app.get("/api/v1/agents/<raw>/tools")
    def tools(raw):
        if not raw.isdigit() or not 1 <= int(raw) <= 2147483647:
            return err(400, "invalid_request", "agentId must be an integer")
        if int(raw) not in [a["id"] for a in AGENTS[project()[0]]]:
            return err(404, "not_found", "No such agent")
        return jsonify(agent_id=int(raw), tools=[])

    @app.get("/api/v1/rooms")
    def list_rooms():
        pid, prefix = project()
        return jsonify(rooms=[{"name": n[len(prefix):], "fullName": n,
                               "numParticipants": len(r["participants"]),
                               "createdAt": r["created"]}
                              for n, r in rooms.items() if r["pid"] == pid])

    @app.get("/api/v1/rooms/<name>/participants")
    def participants(name):
        pid, prefix = project()
        try:
            jsonschema.validate(name, schemas["RoomName"])
        except jsonschema.ValidationError:
            return err(400, "invalid_request", "bad room name")
        room = rooms.get(prefix + name)
        if room is None:
            return err(404, "not_found", "No such room")
        return jsonify(room=name, fullName=prefix + name, participants=[
            {"sid": "PA_x", "identity": i, "name": i, "kind": "STANDARD", "state": "ACTIVE",
             "joinedAt": room["created"], "isPublisher": True, "metadata": ""}
            for i in sorted(room["participants"])])

    def session_view(s):
        return {k: v for k, v in s.items() if k != "pid"}

    @app.post("/api/v1/sessions")
    def create_session():
        data, problem = body_of("SessionCreate")
        if problem:
            return problem
        pid, prefix = project()
        name = data["room_name"]
        if not name.startswith(prefix):
            return err(404, "not_found", "No such room in this project")
        if name in sessions and sessions[name]["status"] == "active":
            return err(409, "conflict", "Session already active")
        sessions[name] = {"pid": pid, "id": len(sessions) + 1, "room_name": name,
                          "agent_config_id": data.get("agent_config_id"),
                          "caller_identity": data.get("caller_identity"),
                          "session_type": data.get("session_type", "voice"),
                          "status": "active", "metadata": data.get("metadata", {}),
                          "started_at": "2026-11-23T10:00:00Z", "ended_at": None,
                          "duration": None, "summary": None, "transcript_count": 0}
        return jsonify(session_view(sessions[name])), 201

    def own_session(name):
        s = sessions.get(name)
        if s is None or s["pid"] != project()[0]:
            return None
        return s

    @app.post("/api/v1/sessions/<name>/transcript")
    def add_entry(name):
        data, problem = body_of("TranscriptEntryCreate")
        if problem:
            return problem
        s = own_session(name)
        if s is None:
            return err(404, "not_found", "No session")
        if s["status"] != "active":
            return err(409, "conflict", "Session has ended")
        s["transcript_count"] += 1
        return jsonify(session_id=s["id"], room_name=name, sequence=s["transcript_count"],
                       speaker=data["speaker"], content=data["content"],
                       timestamp_ms=data.get("timestamp_ms"), is_final=data.get("is_final", True),
                       created_at="2026-11-23T10:00:01Z"), 201

    @app.post("/api/v1/sessions/<name>/end")
    def end(name):
        data, problem = body_of("SessionEnd", required=False)
        if problem:
            return problem
        s = own_session(name)
        if s is None:
            return err(404, "not_found", "No session")
        if s["status"] != "active":
            return err(409, "conflict", "Session has ended")
        s.update(status="completed", ended_at="2026-11-23T10:03:04Z",
                 duration=data.get("duration", 184), summary=data.get("summary"))
        return jsonify(session_view(s))

    @app.post("/api/v1/knowledge/search")
    def search():
        data, problem = body_of("KnowledgeSearchRequest")
        if problem:
            return problem
        if data["knowledge_base_id"] != 1:
            return err(404, "not_found", "No such knowledge base")
        results = [{"document_id": f"d{i}", "title": "t", "content": "c", "score": 1.0 / (i + 1)}
                   for i in range(data.get("top_k", 5))]
        return jsonify(knowledge_base_id=1, query=data["query"], results=results)

    @app.get("/api/v1/usage")
    def usage():
        period = request.args.get("period", "30d")
        group_by = request.args.get("group_by", "day")
        if period not in ("today", "7d", "30d", "all") or group_by not in (
                "day", "model", "agent", "service"):
            return err(400, "invalid_request", "bad period or group_by")
        zero = {"sessions": 0, "duration_seconds": 0, "llm_tokens": 0, "cost_usd": 0}
        return jsonify(period=period, group_by=group_by, currency="USD", start="2026-10-25",
                       end="2026-11-23", totals=zero, groups=[])

    @app.get("/api/v1/projects/<pid>/secrets/<provider>")
    def secrets(pid, provider):
        if not pid.isdigit() or not 1 <= int(pid) <= 2147483647:
            return err(400, "invalid_request", "bad projectId")
        try:
            jsonschema.validate(provider, {"type": "string",
                                           "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"})
        except jsonschema.ValidationError:
            return err(400, "invalid_request", "bad provider")
        if int(pid) != project()[0]:
            return err(403, "forbidden", "Not your project")
        found = SECRETS[int(pid)].get(provider)
        if found is None:
            return err(404, "not_found", "No such provider")
        return jsonify(project_id=int(pid), provider=provider, secrets=found)

    @app.post("/webhooks/livekit")
    def webhook():
        auth = request.headers.get("Authorization", "")
        raw = request.get_data(as_text=True)
        try:
            claims = jwt.decode(auth, "secret", algorithms=["HS256"], issuer="devkey")
            digest = base64.b64encode(hashlib.sha256(raw.encode()).digest()).decode()
            if claims.get("sha256") != digest:
                raise ValueError("hash mismatch")
        except (jwt.PyJWTError, ValueError):
            return err(401, "unauthorized", "Bad webhook signature")
        if request.mimetype != "application/webhook+json":
            return err(415, "unsupported_media_type", "Content-Type must be webhook+json")
        data = request.get_json(force=True, silent=True)
        try:
            jsonschema.validate(data, schemas["WebhookEvent"])
        except jsonschema.ValidationError as exc:
            return err(400, "invalid_request", exc.message[:200])
        return jsonify(received=True, event=data["event"], id=data["id"], duplicate=False)

    return app


if __name__ == "__main__":
    import sys

    create_app().run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
