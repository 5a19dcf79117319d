-- Clinics that onboard themselves in chat (/newclinic). CLINICS_FILE's clinics stay in YAML,
-- read-only; a slug is taken once across both (the bot checks the YAML ones, this table the
-- rest, compared casefolded: slug_key). Times are unix seconds. No table here holds a patient's
-- chat id, answer or amount.
CREATE TABLE clinics (
    slug_key   text PRIMARY KEY,          -- the slug, casefolded
    slug       text NOT NULL,
    owner_id   bigint NOT NULL,           -- the Telegram user who created it
    status     text NOT NULL,             -- active | paused | deleted | disabled (operator)
    profile    text NOT NULL,             -- the Clinic model as JSON
    version    integer NOT NULL,
    changed_by bigint,                    -- null: the operator (massage-bot clinic ...)
    changed_at double precision NOT NULL
);
CREATE INDEX clinics_owner ON clinics (owner_id);
-- Every version of every clinic, the current one included: who changed what, and when.
CREATE TABLE clinic_versions (
    id         bigserial PRIMARY KEY,
    slug_key   text NOT NULL,
    version    integer NOT NULL,
    status     text NOT NULL,
    profile    text NOT NULL,
    changed_by bigint,
    changed_at double precision NOT NULL,
    UNIQUE (slug_key, version)
);
CREATE TABLE clinic_staff (
    slug_key  text NOT NULL,
    user_id   bigint NOT NULL,
    added_by  bigint,
    added_at  double precision NOT NULL,
    PRIMARY KEY (slug_key, user_id)
);
-- One-time staff invites and short-lived stats logins: only a hash of the token is kept.
CREATE TABLE clinic_tokens (
    token_hash text PRIMARY KEY,
    kind       text NOT NULL,             -- invite | stats
    slug_key   text NOT NULL,
    created_by bigint NOT NULL,
    expires_at double precision NOT NULL,
    used_by    bigint,
    used_at    double precision
);
-- Bumped by every change to the four tables above: workers reload their clinics when it moves.
CREATE TABLE clinic_epoch (
    id integer PRIMARY KEY CHECK (id = 1),
    n  bigint NOT NULL
);
INSERT INTO clinic_epoch (id, n) VALUES (1, 0);
-- The funnel: counts per clinic, ISO week, event and detail (a verdict, a route, a number of
-- answers). Never a chat id, an answer or an amount.
CREATE TABLE clinic_funnel (
    slug_key text NOT NULL,
    week     text NOT NULL,               -- 2026-W49
    event    text NOT NULL,
    detail   text NOT NULL,
    count    bigint NOT NULL,
    PRIMARY KEY (slug_key, week, event, detail)
);
