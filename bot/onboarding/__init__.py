"""Clinics that onboard themselves: the rules a self-chosen slug and name follow (`rules`), the
live directory every worker reads (`live`: CLINICS_FILE plus the store's clinics, reloaded when
they change), the profile interview as data (`fields`), the typical patient's estimate shown
on every edit (`typical`) and the anonymous funnel counters (`funnel`).
The Telegram side is bot.telegram.clinic_commands; the rows are bot.store.clinic_rows.
"""
