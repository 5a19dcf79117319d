-- Clinics that onboard themselves in chat (see the PostgreSQL migration).
CREATE TABLE clinics (
    slug_key   TEXT PRIMARY KEY,          -- the slug, casefolded
    slug       TEXT NOT NULL,
    owner_id   INTEGER NOT NULL,           -- the Telegram user who created it
    status     TEXT NOT NULL,             -- active | paused | deleted | disabled (operator)
    profile    TEXT NOT NULL,             -- the Clinic model as JSON
    version    INTEGER NOT NULL,
    changed_by INTEGER,                    -- null: the operator (massage-bot clinic ...)
    changed_at REAL NOT NULL
);
CREATE INDEX clinics_owner ON clinics (owner_id);
-- Every version of every clinic, the current one included: who changed what, and when.
CREATE TABLE clinic_versions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug_key   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    status     TEXT NOT NULL,
    profile    TEXT NOT NULL,
    changed_by INTEGER,
    changed_at REAL NOT NULL,
    UNIQUE (slug_key, version)
);
CREATE TABLE clinic_staff (
    slug_key  TEXT NOT NULL,
    user_id   INTEGER NOT NULL,
    added_by  INTEGER,
    added_at  REAL NOT NULL,
    PRIMARY KEY (slug_key, user_id)
);
-- One-time staff invites and short-lived stats logins: only a hash of the token is kept.
CREATE TABLE clinic_tokens (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,             -- invite | stats
    slug_key   TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    used_by    INTEGER,
    used_at    REAL
);
-- Bumped by every change to the four tables above: workers reload their clinics when it moves.
CREATE TABLE clinic_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO clinic_epoch (id, n) VALUES (1, 0);
-- The funnel: counts per clinic, ISO week, event and detail (a verdict, a route, a number of
-- answers). Never a chat id, an answer or an amount.
CREATE TABLE clinic_funnel (
    slug_key TEXT NOT NULL,
    week     TEXT NOT NULL,               -- 2026-W49
    event    TEXT NOT NULL,
    detail   TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (slug_key, week, event, detail)
);
