-- Updates accepted from Telegram but not yet applied: the webhook stores one here before it
-- answers 200, so a chat's next update (which Telegram sends only after that answer) always
-- finds it, and whichever worker holds the chat applies them in update_id order. A row lives
-- for milliseconds; one left behind by a crashed worker is applied by the others' sweeper.
CREATE TABLE inbox (
    chat_id     bigint NOT NULL,
    update_id   bigint NOT NULL,
    payload     text NOT NULL,   -- the update's JSON, or a Fernet token when encryption is on
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, update_id)
);
CREATE INDEX inbox_received_at ON inbox (received_at);
