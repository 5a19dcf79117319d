"""The interview on Telegram (python-telegram-bot v22): inline keyboards, one interview message
edited in place, clinic start links, staff scenario tools, state kept in the store.

    app = build_application(settings, store=store, clinics=clinics)

`massage-bot polling` runs it by long polling (`bot.telegram.run`); the web server reuses
`build_application` for webhooks. Modules: `app` (the Application), `handlers` (the patient's
commands, buttons and messages), `pipeline` (what every update goes through: lease, store
section, rate limit, replies, metrics), `inbox` (the webhook's stored updates), `turn` (one
update's work and the stored chat state), `keyboards` (buttons and callback data), `outbox`
(replies, sent after the store section), `staff_commands` (/scenario, /whatif, scenario
files), `texts` (messages and HTML escaping).
"""

from .app import ALLOWED_UPDATES, build_application, register_profile

__all__ = ["ALLOWED_UPDATES", "build_application", "register_profile"]
