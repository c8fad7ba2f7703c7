"""Knowledge (RAG): searchKnowledge."""

from flask import g

from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("knowledge", __name__)


@bp.operation("searchKnowledge")
def search_knowledge():
    body = g.body
    return get_state().knowledge.search(
        g.project, int(body["knowledge_base_id"]), body["query"], int(body["top_k"])
    )
