-- The SQLite store's tables (mock_server/store/sqlite.py). Every statement is idempotent:
-- it runs on each start against a new or an existing --state-file.
CREATE TABLE IF NOT EXISTS rooms (
    name TEXT PRIMARY KEY,
    project_id INTEGER NOT NULL,
    sid TEXT NOT NULL,
    created_at REAL NOT NULL,
    touched_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rooms_by_project ON rooms (project_id, created_at);
-- The room cap evicts a project's least recently touched rooms: ordered by this index, not
-- sorted (a temporary B-tree over the project's rooms every few inserts). Expiry, once a
-- second, scans.
CREATE INDEX IF NOT EXISTS rooms_by_project_touch ON rooms (project_id, touched_at);
-- arrival orders a room's participants by when they came (joined_at is whole seconds, so
-- ties would otherwise break by name); each join takes the room's highest arrival + 1.
CREATE TABLE IF NOT EXISTS participants (
    room TEXT NOT NULL,
    identity TEXT NOT NULL,
    sid TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    is_publisher INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    arrival INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room, identity)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    room_name TEXT NOT NULL,
    agent_config_id INTEGER,
    caller_identity TEXT,
    session_type TEXT NOT NULL,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    duration REAL,
    summary TEXT,
    transcript_count INTEGER NOT NULL DEFAULT 0,
    content_chars INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_room ON sessions (project_id, room_name, id);
CREATE TABLE IF NOT EXISTS transcripts (
    session_id INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    content TEXT NOT NULL,
    timestamp_ms TEXT,
    is_final INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (session_id, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_ids (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS usage_rollup (
    project_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    agent_id INTEGER,
    model TEXT NOT NULL,
    sessions INTEGER NOT NULL,
    duration_seconds REAL NOT NULL,
    llm_tokens INTEGER NOT NULL,
    cost_llm REAL NOT NULL,
    cost_stt REAL NOT NULL,
    cost_tts REAL NOT NULL,
    cost_livekit REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entry TEXT NOT NULL
);
