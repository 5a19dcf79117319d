"""The web channel: one aiohttp server for the Telegram webhook, the JSON estimate API, the
clinic pages, and health, readiness and Prometheus metrics.

    massage-bot serve                          bot.web.server.run
    massage-bot clinic-link SLUG [--qr FILE]   bot.web.links.run

Modules: `server` (the application and its lifecycle, the webhook, health), `api` (the JSON
API), `openapi` (its OpenAPI 3.1 document), `pages` (server-rendered clinic pages), `links`
(start links and QR codes), `lang` (the visitor's language from Accept-Language).
"""
