"""Agents and their tools: seeded reference data, read per project."""

from __future__ import annotations

from typing import Any

from .errors import ApiError


class Agents:
    def __init__(self, state) -> None:
        self.state = state

    def list_agents(self, project) -> list[dict[str, Any]]:
        seed = self.state.seed
        return [a.public() for a in seed.agents.values() if a.project_id == project.id]

    def agent_tools(self, project, agent_id: int) -> dict[str, Any]:
        """:raise 404: no such agent in this project."""
        agent = self.find(project, agent_id)
        return {"agent_id": agent.id, "tools": self.state.seed.tools.get(agent.id, [])}

    def find(self, project, agent_id: int):
        """:raise 404: no such agent in this project."""
        agent = self.state.seed.agents.get(agent_id)
        if agent is None or agent.project_id != project.id:
            raise ApiError(404, f"No agent {agent_id} in this project")
        return agent
