"""createToken's rules: which agents a token dispatches, the LiveKit JWT, the simulated join."""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .livekit import Dispatch, dispatch_metadata, mint_token


class Tokens:
    def __init__(self, state) -> None:
        self.state = state

    def dispatch_for(self, project, body: dict[str, Any]) -> list[Dispatch]:
        """Agents a token request dispatches: none with ``no_agent``, else the ids given
        (``agent_config_ids`` then ``agent_config_id``), else the project's default agent.

        :raise 404: an unknown agent or another project's.
        :raise 409: an inactive agent.
        """
        if body.get("no_agent"):
            return []
        ids = list(body.get("agent_config_ids") or [])
        if body.get("agent_config_id") is not None:
            ids.append(body["agent_config_id"])
        explicit = bool(ids)
        if not ids and project.default_agent_id is not None:
            ids = [project.default_agent_id]
        dispatches, seen = [], set()
        for agent_id in ids:
            agent_id = int(agent_id)
            if agent_id in seen:
                continue
            seen.add(agent_id)
            agent = self.state.agents.find(project, agent_id)
            if not agent.is_active:
                if not explicit:
                    return []  # an inactive default agent just means nobody is dispatched
                raise ApiError(409, f"Agent {agent_id} is inactive")
            dispatches.append(
                Dispatch(agent.id, agent.dispatch_name, dispatch_metadata(agent.id, project.id))
            )
        return dispatches

    def issue_token(self, project, body: dict[str, Any]) -> dict[str, Any]:
        """A LiveKit token for the prefixed room; simulates the join unless switched off.

        :raise 404: an unknown or other project's agent. :raise 409: an inactive agent.
        """
        config = self.state.config
        dispatches = self.dispatch_for(project, body)
        room = project.room_prefix + body["room"]
        token = mint_token(
            config.livekit_api_key,
            config.livekit_api_secret,
            identity=body["identity"],
            room=room,
            grants=body.get("grants"),
            dispatches=dispatches,
        )
        if config.simulate_join:
            self.state.rooms.join(project, room, body["identity"], dispatches)
        return {
            "token": token,
            "room": room,
            "wsUrl": config.livekit_ws_url,
            "agents_dispatched": [d.agent_id for d in dispatches],
        }
