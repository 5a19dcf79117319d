-- Reminders a patient asked for (see the PostgreSQL migration).
CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id       INTEGER NOT NULL,
    user_id       INTEGER,
    kind          TEXT NOT NULL,          -- plan_year | prescription | date
    language      TEXT NOT NULL,
    due_at        REAL NOT NULL,          -- unix seconds (UTC)
    created_at    REAL NOT NULL,          -- unix seconds (UTC)
    claimed_by    TEXT,
    claimed_until REAL,                   -- unix seconds (UTC)
    UNIQUE (chat_id, kind, due_at)
);
CREATE INDEX reminders_due_at ON reminders (due_at);
CREATE INDEX reminders_user_id ON reminders (user_id);
