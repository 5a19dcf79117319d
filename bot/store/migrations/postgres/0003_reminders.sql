-- Reminders a patient asked for after an estimate: one message at due_at, sent by whichever
-- worker claims it first (claimed_by/claimed_until; a claim that ran out without the row being
-- deleted is taken again). Only what the message needs: no answers, no amounts.
CREATE TABLE reminders (
    id            bigserial PRIMARY KEY,
    chat_id       bigint NOT NULL,
    user_id       bigint,
    kind          text NOT NULL,          -- plan_year | prescription | date
    language      text NOT NULL,
    due_at        timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    claimed_by    text,
    claimed_until timestamptz,
    UNIQUE (chat_id, kind, due_at)
);
CREATE INDEX reminders_due_at ON reminders (due_at);
CREATE INDEX reminders_user_id ON reminders (user_id);
