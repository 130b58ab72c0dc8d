-- Notifications to professionals' phones (issue 13): Web Push subscriptions, each
-- person's choice of what to be told, and the outbox that a post writes in its own
-- transaction and the host sends after the response.

-- One row per browser (device) that asked to be told; several per person. The endpoint is
-- a capability URL of the browser vendor's push service, on the allow-list when stored.
CREATE TABLE push_subscriptions (
    id               TEXT PRIMARY KEY,
    professional_id  TEXT NOT NULL REFERENCES professionals (id),
    endpoint         TEXT NOT NULL UNIQUE,
    p256dh           TEXT NOT NULL,                  -- base64url, 65 bytes
    auth             TEXT NOT NULL,                  -- base64url, 16 bytes
    created_at       TEXT NOT NULL,
    last_sent_at     TEXT
) STRICT;

CREATE INDEX push_subscriptions_professional ON push_subscriptions (professional_id);

-- What a person wants to hear of: everything, consultations and mentions only, or
-- nothing; quiet hours (Japan time, HH:MM) hold messages until they end.
CREATE TABLE notification_settings (
    professional_id  TEXT PRIMARY KEY REFERENCES professionals (id),
    level            TEXT NOT NULL DEFAULT 'all' CHECK (level IN ('all', 'consultation', 'none')),
    quiet_from       TEXT CHECK (quiet_from IS NULL OR quiet_from GLOB '[0-2][0-9]:[0-5][0-9]'),
    quiet_until      TEXT CHECK (quiet_until IS NULL OR quiet_until GLOB '[0-2][0-9]:[0-5][0-9]'),
    updated_at       TEXT NOT NULL
) STRICT;

-- One row per recipient and event. It holds no text: a kind and an opaque id (the
-- patient's, the project's or the sender's), which is all a push message may carry.
CREATE TABLE push_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id     TEXT NOT NULL REFERENCES professionals (id),
    kind             TEXT NOT NULL CHECK (kind IN ('post', 'comment', 'project_post', 'message')),
    ref              TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claim            TEXT                            -- the delivery run that holds it
) STRICT;

CREATE INDEX push_outbox_due ON push_outbox (next_attempt_at);
CREATE INDEX push_outbox_claim ON push_outbox (claim);
