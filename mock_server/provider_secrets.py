"""getProviderSecrets: a project's seeded provider credentials, to that project only."""

from __future__ import annotations

from typing import Any

from .errors import ApiError


class ProviderSecrets:
    def __init__(self, state) -> None:
        self.state = state

    def get(self, project, project_id: int, provider: str) -> dict[str, Any]:
        """:raise 403: another project's id. :raise 404: no secrets for the provider."""
        if project_id != project.id:
            raise ApiError(403, f"Project {project_id} does not belong to this API key")
        values = self.state.seed.secrets.get(project.id, {}).get(provider)
        if values is None:
            raise ApiError(404, f"No secrets for provider '{provider}' in this project")
        return {"project_id": project.id, "provider": provider, "secrets": dict(values)}
