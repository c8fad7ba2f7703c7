"""The mock's configuration: one dataclass, filled defaults → env (``VOXAI_MOCK_*``) → overrides."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_SEED = Path(__file__).resolve().parent / "seed.yaml"
ENV_PREFIX = "VOXAI_MOCK_"


@dataclass
class MockConfig:
    """Everything the mock can be told; every field has a ``VOXAI_MOCK_<NAME>`` env variable."""

    seed_path: Path = DEFAULT_SEED
    """YAML seed: projects, agents, tools, knowledge, secrets, usage history."""
    state_file: Path | None = None
    """SQLite file keeping state across restarts; ``None`` keeps state in memory."""
    shared_store: bool = False
    """Keep the journal and fault rules in the SQLite store too, so several worker processes
    sharing one store file behave as one mock (``voxai-mock --workers N`` sets it)."""
    livekit_api_key: str = "devkey"
    """LiveKit API key that signs tokens and verifies webhooks (``livekit-server --dev``)."""
    livekit_api_secret: str = "secret"
    """LiveKit API secret (the ``livekit-server --dev`` default)."""
    livekit_ws_url: str = "ws://localhost:7880"
    """``wsUrl`` returned with every token."""
    simulate_join: bool = True
    """Issuing a token puts the identity (and dispatched agents) into the room."""
    validate_responses: bool = False
    """Validate every response against the spec; tests turn this on."""
    max_body_bytes: int = 65536
    """Larger request bodies get 413 (the spec's PayloadTooLarge)."""
    max_rooms_per_project: int = 2000
    """Rooms kept per project; the oldest are evicted beyond this."""
    room_ttl_seconds: int = 6 * 3600
    """A room nobody joined (token or webhook) for this long expires (LiveKit's token TTL)."""
    max_participants_per_room: int = 100
    """Participants kept per room; joins beyond it evict the oldest."""
    max_sessions_per_project: int = 5000
    """Sessions kept per project; the oldest ended (then oldest) are evicted beyond this."""
    max_transcript_entries: int = 20000
    """Entries per session; more is a 409 conflict."""
    max_project_transcript_entries: int = 200_000
    """Entries kept per project over all sessions; beyond it the oldest ended sessions go."""
    journal_size: int = 2000
    """Requests kept in the ``/__mock/requests`` journal."""
    webhook_ids_kept: int = 10000
    """Webhook event ids remembered for at-least-once dedupe."""
    testing: bool = False
    """Flask's TESTING flag (exceptions propagate to the test client)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Extra Flask config keys."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> MockConfig:
        """Defaults, then ``VOXAI_MOCK_*`` variables, then ``overrides`` (highest)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and f.name != "extra":
                values[f.name] = _coerce(f, raw)
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes: Any) -> MockConfig:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


def _coerce(f: dataclasses.Field, raw: str) -> Any:
    kind = str(f.type)
    if "bool" in kind:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if "int" in kind:
        return int(raw)
    if "Path" in kind:
        return Path(raw) if raw else None
    return raw
