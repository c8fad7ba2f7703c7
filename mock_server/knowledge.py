"""searchKnowledge: BM25 over each seeded knowledge base, indexed when the seed loads."""

from __future__ import annotations

import re
from typing import Any

from rank_bm25 import BM25Okapi

from .errors import ApiError

_WORD = re.compile(r"[a-z0-9]+")
# Function words carry no topic; without them BM25 stops ranking "to my a" matches.
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i if in is it its me my of on or our"
    " so that the their then there this to we what when where which who why will with you"
    " your".split()
)


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


class KnowledgeIndex:
    """BM25 over one knowledge base's documents (title + section + content)."""

    def __init__(self, documents: tuple[dict[str, Any], ...]) -> None:
        self.documents = documents
        corpus = [
            _tokens(f"{d['title']} {d['title']} {d.get('section', '')} {d['content']}")
            for d in documents
        ]
        self.bm25 = BM25Okapi(corpus) if corpus else None

    def search(self, query: str, top_k: int) -> list[dict[str, Any]]:
        terms = _tokens(query)
        if not self.bm25 or not terms:
            return []
        scores = self.bm25.get_scores(terms)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        results = []
        for i in ranked[:top_k]:
            if scores[i] <= 0:
                break
            doc = self.documents[i]
            meta = {k: v for k, v in doc.items() if k not in ("id", "title", "content")}
            results.append(
                {
                    "document_id": doc["id"],
                    "title": doc["title"],
                    "content": doc["content"],
                    "score": round(float(scores[i]), 4),
                    "metadata": meta,
                }
            )
        return results


class Knowledge:
    def __init__(self, state) -> None:
        self.state = state
        self.reindex()

    def reindex(self) -> None:
        """Index the seed's knowledge bases (again, after a reset re-reads the seed)."""
        bases = self.state.seed.knowledge_bases
        self.indexes = {kb_id: KnowledgeIndex(kb.documents) for kb_id, kb in bases.items()}

    def search(self, project, kb_id: int, query: str, top_k: int) -> dict[str, Any]:
        """:raise 404: no such knowledge base in this project."""
        kb = self.state.seed.knowledge_bases.get(kb_id)
        if kb is None or kb.project_id != project.id:
            raise ApiError(404, f"No knowledge base {kb_id} in this project")
        results = self.indexes[kb_id].search(query, top_k)
        return {"knowledge_base_id": kb_id, "query": query, "results": results}
