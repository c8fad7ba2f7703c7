"""Secrets: getProviderSecrets."""

from flask import g

from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("secrets", __name__)


@bp.operation("getProviderSecrets")
def get_provider_secrets(projectId, provider):  # noqa: N803 - the spec's parameter names
    return get_state().provider_secrets.get(g.project, g.params["projectId"], g.params["provider"])
