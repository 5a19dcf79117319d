-- Updates accepted from Telegram but not yet applied (see the PostgreSQL migration).
CREATE TABLE inbox (
    chat_id     INTEGER NOT NULL,
    update_id   INTEGER NOT NULL,
    payload     TEXT NOT NULL,   -- the update's JSON, or a Fernet token when encryption is on
    received_at REAL NOT NULL,   -- unix seconds (UTC)
    PRIMARY KEY (chat_id, update_id)
) WITHOUT ROWID;
CREATE INDEX inbox_received_at ON inbox (received_at);
