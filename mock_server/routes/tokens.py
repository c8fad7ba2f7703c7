"""Tokens: createToken."""

from flask import g

from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("tokens", __name__)


@bp.operation("createToken")
def create_token():
    return get_state().tokens.issue_token(g.project, g.body)
