"""Webhooks: receiveLivekitWebhook. The signature was verified at the edge over the raw body."""

from flask import g

from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("webhooks", __name__)


@bp.operation("receiveLivekitWebhook")
def receive_livekit_webhook():
    event = g.body
    duplicate = get_state().webhooks.apply(event)
    return {"received": True, "event": event["event"], "id": event["id"], "duplicate": duplicate}
