"""The seed as ``GET /__mock/seed`` and the start-up banner show it: who can call the mock
and what is there to call (secret values are never shown, only which providers have them)."""

from __future__ import annotations

from typing import Any

#: Credentials everyone knows (livekit-server --dev); only these are shown in full.
PUBLIC_LIVEKIT_SECRETS = frozenset({"secret"})


def shown_secret(config) -> str:
    """The LiveKit secret if it is the public dev one, else a placeholder."""
    secret = config.livekit_api_secret
    return secret if secret in PUBLIC_LIVEKIT_SECRETS else "[set, not shown]"


def seed_summary(seed, config) -> dict[str, Any]:
    """Projects (with their fake API keys), agents, knowledge bases, secret providers,
    LiveKit credentials (``SeedSummary`` in mock-admin.yaml)."""
    return {
        "projects": [
            {
                "id": p.id,
                "name": p.name,
                "room_prefix": p.room_prefix,
                "api_key": p.api_key,
                "default_agent_id": p.default_agent_id,
            }
            for p in seed.projects.values()
        ],
        "agents": [
            {
                "project_id": a.project_id,
                **a.public(),
                "tools": [t.get("function", {}).get("name", "") for t in seed.tools.get(a.id, [])],
            }
            for a in seed.agents.values()
        ],
        "knowledge_bases": [
            {
                "id": kb.id,
                "project_id": kb.project_id,
                "name": kb.name,
                "documents": len(kb.documents),
            }
            for kb in seed.knowledge_bases.values()
        ],
        "secret_providers": {
            str(pid): sorted(providers) for pid, providers in sorted(seed.secrets.items())
        },
        "livekit": {
            "api_key": config.livekit_api_key,
            "api_secret": shown_secret(config),
            "ws_url": config.livekit_ws_url,
        },
    }


def banner_lines(seed) -> list[str]:
    """The seed in a few banner lines: agents, knowledge bases and secret providers."""
    lines = []
    for p in seed.projects.values():
        agents = [f"{a.id} {a.name}" for a in seed.agents.values() if a.project_id == p.id]
        kbs = [str(kb.id) for kb in seed.knowledge_bases.values() if kb.project_id == p.id]
        providers = sorted(seed.secrets.get(p.id, {}))
        lines.append(
            f"    {p.name:<8} agents: {', '.join(agents) or '-'}; knowledge bases:"
            f" {', '.join(kbs) or '-'}; secrets: {', '.join(providers) or '-'}"
        )
    return lines
