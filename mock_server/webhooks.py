"""LiveKit webhooks, applied once: a redelivered event id is acknowledged and ignored.

The ids live in the store, so with ``--state-file`` a redelivery is recognised across a
restart, and with ``--workers`` by every worker (the id is recorded in the same write
transaction that applies the event). The newest ``webhook_ids_kept`` ids are remembered.
"""

from __future__ import annotations

from typing import Any


class Webhooks:
    def __init__(self, state) -> None:
        self.state = state

    def apply(self, event: dict[str, Any]) -> bool:
        """Apply a verified LiveKit event once; ``True`` when its id was seen before.
        Events for rooms of no known project are acknowledged and ignored."""
        state = self.state
        now = state.clock()
        state.rooms.maybe_expire(now)
        with state.store.write() as tx:
            if not tx.remember_webhook(event["id"]):
                return True
            tx.forget_webhooks_beyond(state.config.webhook_ids_kept)
            project = state.seed.project_by_room((event.get("room") or {}).get("name", ""))
            if project is not None:
                state.rooms.apply_event(tx, project, event, now)
        return False
