"""Usage & Costs: getUsage."""

from flask import g

from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("usage", __name__)


@bp.operation("getUsage")
def get_usage():
    return get_state().usage.report(g.project, g.params["period"], g.params["group_by"])
