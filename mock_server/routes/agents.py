"""Agents: listAgents, listAgentTools."""

from flask import g

from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("agents", __name__)


@bp.operation("listAgents")
def list_agents():
    return {"agents": get_state().agents.list_agents(g.project)}


@bp.operation("listAgentTools")
def list_agent_tools(agentId):  # noqa: N803 - the spec's parameter name
    return get_state().agents.agent_tools(g.project, g.params["agentId"])
