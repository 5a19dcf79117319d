-- One row per chat: the interview state and nothing else about the person.
CREATE TABLE chats (
    chat_id    bigint PRIMARY KEY,
    user_id    bigint,
    state      text,           -- JSON, or a Fernet token when encryption is on
    language   text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chats_user_id ON chats (user_id);
CREATE INDEX chats_updated_at ON chats (updated_at);

-- Telegram re-delivers a webhook it got no answer for: remember what was applied.
CREATE TABLE processed_updates (
    chat_id   bigint NOT NULL,
    update_id bigint NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, update_id)
);
CREATE INDEX processed_updates_at ON processed_updates (at);
