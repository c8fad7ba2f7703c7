"""The seed: projects, agents, tools, knowledge, secrets, usage history and rates, from YAML.

``load_seed(path)`` is the only reader; ``--seed FILE`` swaps the file, not the code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class SeedError(ValueError):
    """The seed file is missing something the mock needs."""


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    room_prefix: str
    api_key: str
    default_agent_id: int | None = None


@dataclass(frozen=True)
class Agent:
    id: int
    project_id: int
    name: str
    dispatch_name: str
    agent_type: str
    llm_provider: str
    llm_model: str
    is_active: bool

    def public(self) -> dict[str, Any]:
        """The agent as ``GET /agents`` shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "agent_type": self.agent_type,
            "llm_provider": self.llm_provider,
            "llm_model": self.llm_model,
            "is_active": self.is_active,
        }


@dataclass(frozen=True)
class KnowledgeBase:
    id: int
    project_id: int
    name: str
    documents: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Seed:
    """Read-only reference data; live state (rooms, sessions...) lives in ``MockState``."""

    projects: dict[int, Project]
    agents: dict[int, Agent]
    tools: dict[int, list[dict[str, Any]]]
    knowledge_bases: dict[int, KnowledgeBase]
    secrets: dict[int, dict[str, dict[str, str]]]
    usage_history: list[dict[str, Any]]
    rates: dict[str, Any] = field(default_factory=dict)
    by_key: dict[str, Project] = field(default_factory=dict)

    def project_by_key(self, api_key: str) -> Project | None:
        return self.by_key.get(api_key)

    def project_by_room(self, full_room: str) -> Project | None:
        """The project whose prefix starts this LiveKit room name (longest prefix wins)."""
        best = None
        for project in self.projects.values():
            if full_room.startswith(project.room_prefix) and len(full_room) > len(
                project.room_prefix
            ):
                if best is None or len(project.room_prefix) > len(best.room_prefix):
                    best = project
        return best


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_seed(path: Path | str) -> Seed:
    """Parse and check a seed file; ``SeedError`` names what is wrong.

    Parsed once per file version (path and mtime): every test app shares the result.
    """
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise SeedError(f"cannot read seed {path}: {exc}") from exc
    return _load_seed(path, stamp)


@functools.lru_cache(maxsize=8)
def _load_seed(path: Path, stamp: int) -> Seed:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"cannot read seed {path}: {exc}") from exc
    try:
        projects = {int(p["id"]): Project(**p) for p in raw["projects"]}
        agents = {int(a["id"]): Agent(**a) for a in raw.get("agents", [])}
        tools = {int(k): list(v or []) for k, v in (raw.get("tools") or {}).items()}
        kbs = {
            int(kb["id"]): KnowledgeBase(
                id=int(kb["id"]),
                project_id=int(kb["project_id"]),
                name=kb["name"],
                documents=tuple(kb.get("documents", [])),
            )
            for kb in raw.get("knowledge_bases", [])
        }
        secrets = {
            int(pid): {prov: {k: str(v) for k, v in vals.items()} for prov, vals in provs.items()}
            for pid, provs in (raw.get("secrets") or {}).items()
        }
        usage = list(raw.get("usage_history") or [])
        rates = dict(raw.get("rates") or {})
    except (KeyError, TypeError, ValueError) as exc:
        raise SeedError(f"seed {path} is malformed: {exc!r}") from exc
    by_key = {p.api_key: p for p in projects.values()}
    if len(by_key) != len(projects):
        raise SeedError("two projects share an API key")
    for agent in agents.values():
        if agent.project_id not in projects:
            raise SeedError(f"agent {agent.id} names unknown project {agent.project_id}")
    return Seed(projects, agents, tools, kbs, secrets, usage, rates, by_key)
