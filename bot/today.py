"""The day a channel passes to the interview and the estimator: the clinic's state's time zone
when known, else UTC. The channels call these functions; nothing below them reads the clock.

`now` can be passed in; else the clock is read, unless MASSAGE_BOT_TODAY (YYYY-MM-DD) fixes the
day, for demonstrations and for tests, which must not depend on the day they run.
"""

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clinics import ClinicDirectory
from bot.interview.model import InterviewState

TODAY_ENV = "MASSAGE_BOT_TODAY"
# Each state's time zone: where most of its people live, for states that span two.
STATE_ZONES = {
    **dict.fromkeys("CT DE DC FL GA KY ME MD MA NH NJ NY NC OH PA RI SC VT VA WV".split(),
                    "America/New_York"),
    **dict.fromkeys("AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI".split(), "America/Chicago"),
    **dict.fromkeys("CO MT NM UT WY".split(), "America/Denver"),
    **dict.fromkeys("CA NV OR WA".split(), "America/Los_Angeles"),
    "AZ": "America/Phoenix", "ID": "America/Boise", "IN": "America/Indiana/Indianapolis",
    "MI": "America/Detroit", "AK": "America/Anchorage", "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico", "VI": "America/St_Thomas", "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan", "AS": "Pacific/Pago_Pago",
}


def today_for(state: str | None, now: datetime | None = None) -> date:
    """Today in the state's time zone (UTC when the state, or its zone data, is not known)."""
    fixed = os.environ.get(TODAY_ENV)
    if now is None and fixed:
        return date.fromisoformat(fixed)
    now = now or datetime.now(UTC)
    zone = STATE_ZONES.get(state or "")
    if zone is not None:
        try:
            return now.astimezone(ZoneInfo(zone)).date()
        except ZoneInfoNotFoundError:  # no time zone data installed: UTC
            pass
    return now.astimezone(UTC).date()


def clinic_today(clinics: ClinicDirectory | None, interview: InterviewState | None,
                 now: datetime | None = None) -> date:
    """Today for a chat: in the time zone of its clinic's state, or of the state the patient
    gave (auto insurance asks it), else UTC."""
    state = None
    if interview is not None:
        clinic = clinics.get(interview.clinic) if clinics is not None and interview.clinic else None
        state = clinic.state if clinic is not None else interview.answers.get("state")
    return today_for(state if isinstance(state, str) else None, now)
