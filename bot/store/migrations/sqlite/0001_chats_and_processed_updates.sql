-- One row per chat: the interview state and nothing else about the person.
CREATE TABLE chats (
    chat_id    INTEGER PRIMARY KEY,
    user_id    INTEGER,
    state      TEXT,           -- JSON, or a Fernet token when encryption is on
    language   TEXT,
    updated_at REAL NOT NULL   -- unix seconds (UTC)
);
CREATE INDEX chats_user_id ON chats (user_id);
CREATE INDEX chats_updated_at ON chats (updated_at);

-- Telegram re-delivers a webhook it got no answer for: remember what was applied.
CREATE TABLE processed_updates (
    chat_id   INTEGER NOT NULL,
    update_id INTEGER NOT NULL,
    at        REAL NOT NULL,   -- unix seconds (UTC)
    PRIMARY KEY (chat_id, update_id)
) WITHOUT ROWID;
CREATE INDEX processed_updates_at ON processed_updates (at);
