"""The clinic's page (`GET /c/<slug>`) and its estimate form (`POST /c/<slug>/estimate`).

Server-rendered, no JavaScript: the page says what to have ready, opens the bot through the
clinic's start link (a button and the same link as a QR code), and has a plain HTML form for
patients without Telegram. The form's answers and the clinic's fees make the estimator's
scenario; the result page shows the total and the explanation the bot would give.

Templates (`templates/*.html`) are `string.Template`s holding structure only: every word comes
from here through gettext, and every value is HTML-escaped unless it is `Markup` built here
from escaped parts. Nothing a visitor types is stored.
"""

from __future__ import annotations

import html
import logging
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from pydantic import ValidationError

from estimator import Estimate, Scenario, estimate
from estimator.cases import describe

from ..clinics import Clinic, ClinicDirectory
from ..i18n import N_, SUPPORTED, Translator, translator
from ..interview.parsing import ParseError, parse_amount, parse_code, parse_count, parse_percent
from ..metrics import Metrics
from ..render import cost_span, cost_text, explain, recommendation_text
from .lang import choose
from .links import qr_svg, start_link

__all__ = ["ClinicPages", "Markup", "escape", "render"]

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
MAX_FIELD_LENGTH = 200
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


# --- a tiny escaping renderer ----------------------------------------------------------------


class Markup(str):
    """HTML that is safe as it is (built from escaped parts): `render` does not escape it."""


def escape(value: Any) -> Markup:
    return value if isinstance(value, Markup) else Markup(html.escape(str(value), quote=True))


def join(parts: list[Markup] | tuple[Markup, ...], separator: str = "\n") -> Markup:
    return Markup(separator.join(escape(part) for part in parts))


def _attributes(attributes: Mapping[str, Any]) -> str:
    text = ""
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        key = key.rstrip("_").replace("_", "-")
        text += f" {key}" if value is True else f' {key}="{escape(value)}"'
    return text


def tag(name: str, content: Any = "", /, **attributes: Any) -> Markup:
    """`<name attr="value">content</name>`, everything escaped; `class_` gives `class`,
    `aria_label` gives `aria-label`; an attribute that is True is written bare, one that is
    None or False is left out."""
    return Markup(f"<{name}{_attributes(attributes)}>{escape(content)}</{name}>")


def void_tag(name: str, /, **attributes: Any) -> Markup:
    """An element without content, such as `<input ...>`."""
    return Markup(f"<{name}{_attributes(attributes)}>")


@cache
def _template(name: str) -> string.Template:
    return string.Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(name: str, /, **values: Any) -> Markup:
    """Fill the template `name`; every value is escaped unless it is `Markup`."""
    return Markup(_template(name).substitute({k: escape(v) for k, v in values.items()}))


# --- the form ------------------------------------------------------------------------------

UNKNOWN = "unknown"
OTHER_INSURER = "other"


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # a message id
    kind: str  # "select", "amount", "percent", "count", "code"
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, message id)
    default: str = ""
    low: int | None = None
    high: int | None = None


PAYERS = (
    ("commercial", N_("Health insurance plan")),
    ("medicare", N_("Original Medicare")),
    ("medicare_advantage", N_("Medicare Advantage")),
    ("medicaid", N_("Medicaid")),
    ("workers_comp", N_("Workers' comp (injury at work)")),
    ("auto", N_("Auto insurance (car accident)")),
    ("self_pay", N_("No insurance: I pay myself")),
)
PLAN_TYPES = (
    ("ppo", N_("PPO")),
    ("hmo", N_("HMO")),
    ("epo", N_("EPO")),
    ("pos", N_("POS")),
    ("hdhp", N_("High-deductible plan (HDHP, often with an HSA)")),
)
YES_NO_UNKNOWN = (("yes", N_("Yes")), ("no", N_("No")), (UNKNOWN, N_("I don't know")))
PREAUTH = (
    ("not_required", N_("No, it is not needed")),
    ("obtained", N_("Yes, and I have it")),
    ("required", N_("Yes, and I don't have it yet")),
    (UNKNOWN, N_("I don't know")),
)

ABOUT_YOU = (
    Field("payer", N_("Who pays for your care?"), "select", choices=PAYERS,
          hint=N_("A health insurance plan is one from an employer, the marketplace or a "
                  "union.")),
    Field("insurer", N_("Your insurance company"), "select",
          hint=N_("The clinic is in network with the companies listed.")),
    Field("plan_type", N_("Type of plan"), "select", choices=PLAN_TYPES,
          hint=N_("It is printed on your insurance card.")),
    Field("prescription", N_("Do you have a prescription or referral for massage?"), "select",
          choices=YES_NO_UNKNOWN, default=UNKNOWN),
    Field("diagnosis", N_("Diagnosis code on the prescription (ICD-10, such as M54.50)"), "code",
          hint=N_("Leave it empty if you don't know it.")),
    Field("preauth", N_("Does your plan require pre-authorization for massage?"), "select",
          choices=PREAUTH, default=UNKNOWN),
    Field("sessions", N_("How many sessions?"), "count", default="12", low=1, high=365,
          hint=N_("The prescription says it, for example 12 sessions over 6 weeks.")),
)
YOUR_PLAN = (
    Field("deductible", N_("Yearly deductible"), "amount"),
    Field("deductible_met", N_("Deductible already paid this year"), "amount"),
    Field("copay", N_("Copay per visit"), "amount", hint=N_("Type 0 if you have none.")),
    Field("coinsurance", N_("Coinsurance (percent)"), "percent",
          hint=N_("Type 0 if you have none.")),
    Field("oop_max", N_("Out-of-pocket maximum"), "amount"),
    Field("visit_limit", N_("Visits a year the plan allows"), "count", low=0, high=365,
          hint=N_("Often shared with physical therapy and chiropractic.")),
    Field("visits_used", N_("Visits already used this year"), "count", low=0, high=365),
)
FIELDS = {field.name: field for field in ABOUT_YOU + YOUR_PLAN}

PARSE_ERRORS = {
    "not_a_number": N_("“%(text)s” is not a number."),
    "negative": N_("Enter a number that is not negative."),
    "too_many_decimals": N_("Use at most %(places)s decimals."),
    "ambiguous": N_("“%(text)s” could be read two ways: type it without a separator."),
    "out_of_range": N_("Enter a number from %(low)s to %(high)s."),
    "not_whole": N_("Enter a whole number."),
    "not_an_amount": N_("Enter an amount in dollars, not a percent."),
    "not_a_percent": N_("Enter a percent, not an amount of money."),
    "wrong_currency": N_("Enter the amount in US dollars."),
    "not_a_code": N_("Enter a diagnosis code such as M54.50, or leave it empty."),
}
BAD_CHOICE = N_("Choose one of the options.")


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _parse_error_text(exc: ParseError, t: Translator) -> str:
    details = {key: ("…" if value is None else value) for key, value in exc.details.items()}
    message = PARSE_ERRORS.get(exc.kind, PARSE_ERRORS["not_a_number"])
    try:
        return t.gettext(message, **details)
    except (KeyError, TypeError, ValueError):
        return t.gettext(PARSE_ERRORS["not_a_number"], text=exc.details.get("text", ""))


def _options(field: Field, clinic: Clinic, t: Translator) -> list[tuple[str, str]]:
    """(value, label in t's language) of a select field."""
    if field.name != "insurer":
        return [(value, t.gettext(label)) for value, label in field.choices]
    # Insurer names are data, not messages: they are shown as they are.
    return [
        *((payer.name, payer.name) for payer in clinic.payers),
        (OTHER_INSURER, t.gettext("Another company (not in the clinic's network)")),
        (UNKNOWN, t.gettext("I don't know")),
    ]


def read_form(form: Mapping[str, str], clinic: Clinic, lang: str) -> dict[str, Any]:
    """The typed answers as values: None for "I don't know" (an empty box); FormErrors names
    each field that cannot be read, with a message in `lang`."""
    t = translator(lang)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in FIELDS.values():
        raw = (form.get(field.name) or "").strip()[:MAX_FIELD_LENGTH]
        if field.kind == "select":
            allowed = [value for value, _ in _options(field, clinic, t)]
            chosen = raw or field.default or allowed[0]
            if chosen not in allowed:
                errors[field.name] = t.gettext(BAD_CHOICE)
            values[field.name] = chosen
            continue
        if not raw:
            values[field.name] = None
            continue
        try:
            if field.kind == "amount":
                values[field.name] = parse_amount(raw, lang)
            elif field.kind == "percent":
                values[field.name] = parse_percent(raw, lang)
            elif field.kind == "count":
                values[field.name] = parse_count(raw, lang, low=field.low, high=field.high)
            else:
                values[field.name] = parse_code(raw)
        except ParseError as exc:
            errors[field.name] = _parse_error_text(exc, t)
    if values.get("sessions") is None and "sessions" not in errors:
        values["sessions"] = int(FIELDS["sessions"].default)
    if errors:
        raise FormErrors(errors)
    return values


def build_scenario(values: Mapping[str, Any], clinic: Clinic) -> Scenario:
    """The scenario for the form's answers; the clinic's profile fills in the rest."""
    payer = clinic.payer(values["insurer"])
    if payer is not None:
        network: str | None = "in"
    elif values["insurer"] == OTHER_INSURER:
        network = "out"
    else:
        network = None
    prescription = {"yes": True, "no": False}.get(values["prescription"])
    code = values.get("diagnosis")
    if code:
        diagnoses: list[str] | None = [code]
    else:
        diagnoses = [] if prescription is False else None
    data: dict[str, Any] = {
        "payer": values["payer"],
        "plan_type": values["plan_type"],
        "network": network,
        "purpose": "medical",
        "prescription": prescription,
        "diagnosis_codes": diagnoses,
        "preauth": values["preauth"],
        "provider_type": clinic.provider_type,
        "state": clinic.state,
        "sessions": values["sessions"],
        "session_minutes": clinic.session_minutes,
        "cpt_code": clinic.cpt_code,
        "fees": {
            "billed_per_unit": clinic.billed_per_unit,
            "allowed_per_unit": payer.allowed_per_unit if payer else None,
            "cash_per_session": clinic.cash_per_session,
        },
        "plan": {
            "deductible": values["deductible"],
            "deductible_met": values["deductible_met"],
            "copay": values["copay"],
            "coinsurance_pct": values["coinsurance"],
            "oop_max": values["oop_max"],
            "visit_limit": values["visit_limit"],
            "visits_used": values["visits_used"],
        },
    }
    return Scenario.model_validate(data)


# --- the pages -----------------------------------------------------------------------------


class ClinicPages:
    """The clinic pages of one application."""

    def __init__(
        self,
        clinics: ClinicDirectory,
        metrics: Metrics,
        bot_username: Callable[[], str | None],
    ) -> None:
        self.clinics = clinics
        self.metrics = metrics
        self.bot_username = bot_username

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/c/{slug}", self.clinic_page, name="clinic"),
            web.post("/c/{slug}/estimate", self.estimate_page, name="clinic-estimate"),
        ]

    # Shared parts.

    def _page(
        self, t: Translator, title: str, content: Markup, path: str, status: int = 200
    ) -> web.Response:
        links = []
        for lang in SUPPORTED:
            name = translator(lang).language_name()
            links.append(tag("a", name, href=f"{path}?lang={lang}", hreflang=lang, lang=lang,
                             aria_current="true" if lang == t.lang else None))
        body = render(
            "base.html",
            lang=t.lang,
            title=title,
            languages_label=t.gettext("Language"),
            language_links=join(links, " "),
            content=content,
            footer=t.gettext("This page does not keep anything you type in it."),
        )
        headers = {**SECURITY_HEADERS, "Content-Language": t.lang, "Vary": "Accept-Language"}
        return web.Response(text=body, status=status, content_type="text/html",
                            charset="utf-8", headers=headers)

    def _not_found(self, request: web.Request, t: Translator) -> web.Response:
        path = f"/c/{quote(request.match_info.get('slug', ''), safe='')}"
        content = render(
            "not_found.html",
            title=t.gettext("Clinic not found"),
            message=t.gettext(
                "There is no clinic at this address. Check the link the clinic gave you."
            ),
        )
        return self._page(t, t.gettext("Clinic not found"), content, path, status=404)

    @staticmethod
    def _translator(request: web.Request, explicit: str | None = None) -> Translator:
        lang = choose(explicit or request.query.get("lang"),
                      request.headers.get("Accept-Language"))
        return translator(lang)

    def _telegram_section(self, clinic: Clinic, t: Translator) -> Markup:
        username = self.bot_username()
        if not username:
            return Markup("")
        link = start_link(username, clinic.slug)
        return render(
            "telegram.html",
            chat_title=t.gettext("Ask the bot in Telegram"),
            chat_intro=t.gettext(
                "The bot asks about your insurance one question at a time and explains what "
                "the massage will cost you at %(clinic)s.", clinic=clinic.name),
            link=link,
            button=t.gettext("Open the chat in Telegram"),
            qr=Markup(qr_svg(link, t.gettext("QR code of the link to the chat"))),
            qr_caption=t.gettext("On a computer? Scan this code with your phone's camera."),
        )

    def _field(self, field: Field, clinic: Clinic, t: Translator, values: Mapping[str, str],
               errors: Mapping[str, str], focus: bool = False) -> Markup:
        ident = f"f-{field.name}"
        current = values.get(field.name, field.default)
        error = errors.get(field.name)
        described = " ".join(
            part for part, present in ((f"{ident}-hint", field.hint), (f"{ident}-error", error))
            if present
        ) or None
        common = {"id": ident, "name": field.name, "aria_describedby": described,
                  "aria_invalid": "true" if error else None, "autofocus": focus or None}
        if field.kind == "select":
            options = [
                tag("option", label, value=value, selected=value == current)
                for value, label in _options(field, clinic, t)
            ]
            control = tag("select", Markup("".join(options)), **common)
        else:
            mode = {"amount": "decimal", "percent": "decimal", "count": "numeric"}
            control = void_tag(
                "input", **common, type="text", value=current, inputmode=mode.get(field.kind),
                autocomplete="off", maxlength=MAX_FIELD_LENGTH,
            )
        parts = [tag("label", t.gettext(field.label), for_=ident), control]
        if field.hint:
            parts.append(tag("p", t.gettext(field.hint), class_="hint", id=f"{ident}-hint"))
        if error:
            parts.append(tag("p", error, class_="error", id=f"{ident}-error"))
        return tag("div", join(parts), class_="field has-error" if error else "field")

    def _form_page(self, clinic: Clinic, t: Translator,
                   values: Mapping[str, str] | None = None,
                   errors: Mapping[str, str] | None = None) -> web.Response:
        values, errors = values or {}, errors or {}
        first_error = next((name for name in FIELDS if name in errors), None)
        about = [self._field(f, clinic, t, values, errors, f.name == first_error)
                 for f in ABOUT_YOU]
        plan = [self._field(f, clinic, t, values, errors, f.name == first_error)
                for f in YOUR_PLAN]
        fields = join([
            *about,
            tag("fieldset", join([
                tag("legend", t.gettext("Your plan's cost sharing")),
                tag("p", t.gettext(
                    "Find these on your plan's summary of benefits or ask your insurer. Leave "
                    "a box empty if you don't know: the estimate then shows a range."),
                    class_="hint"),
                *plan,
            ])),
        ])
        summary = Markup("")
        if errors:
            summary = tag("div", tag("p", t.gettext(
                "Some answers need another look: see the messages under them.")),
                class_="errors", role="alert")
        ready = [
            t.gettext("Your insurance card (front and back)."),
            t.gettext("The prescription or referral: the diagnosis code (such as M54.50), how "
                      "often and for how long (such as 12 sessions over 6 weeks)."),
            t.gettext("Your plan's deductible, copay or coinsurance, and how much you have "
                      "already paid this year, if you know them."),
        ]
        content = render(
            "clinic.html",
            clinic_name=clinic.name,
            lead=t.gettext("Find out what medical massage at %(clinic)s will cost you with your "
                           "insurance.", clinic=clinic.name),
            ready_title=t.gettext("What to have ready"),
            ready_items=join([tag("li", item) for item in ready]),
            telegram=self._telegram_section(clinic, t),
            form_title=t.gettext("Estimate without Telegram"),
            form_intro=t.gettext("Answer what you can and press the button: the estimate "
                                 "appears on the next page."),
            form_errors=summary,
            form_action=f"/c/{quote(clinic.slug)}/estimate",
            lang=t.lang,
            fields=fields,
            submit=t.gettext("Estimate my cost"),
        )
        title = t.gettext("%(clinic)s: what your massage will cost", clinic=clinic.name)
        return self._page(t, title, content, f"/c/{quote(clinic.slug)}",
                          status=422 if errors else 200)

    # Handlers.

    async def clinic_page(self, request: web.Request) -> web.Response:
        t = self._translator(request)
        clinic = self.clinics.get(request.match_info["slug"])
        if clinic is None:
            return self._not_found(request, t)
        return self._form_page(clinic, t)

    async def estimate_page(self, request: web.Request) -> web.Response:
        form: Mapping[str, Any] = {}
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
        text_form = {k: v for k, v in form.items() if isinstance(v, str)}
        t = self._translator(request, text_form.get("lang"))
        clinic = self.clinics.get(request.match_info["slug"])
        if clinic is None:
            return self._not_found(request, t)
        try:
            values = read_form(text_form, clinic, t.lang)
            scenario = build_scenario(values, clinic)
        except FormErrors as exc:
            return self._form_page(clinic, t, text_form, exc.errors)
        except ValidationError as exc:
            # Answers that parse but do not fit together: the one such rule is the visit limit.
            limit, used = values.get("visit_limit"), values.get("visits_used")
            if limit is not None and used is not None and used > limit:
                message = t.gettext("This is more than the visits the plan allows (%(limit)s): "
                                    "check both numbers.", limit=limit)
            else:
                log.warning("form answers refused by the scenario: %s", describe(exc))
                message = t.gettext("These answers do not fit together: %(details)s",
                                    details=describe(exc))
            return self._form_page(clinic, t, text_form, {"visits_used": message})
        with self.metrics.estimate_timer("page"):
            result = estimate(scenario)
        return self._result_page(clinic, t, scenario, result, values)

    def _result_page(self, clinic: Clinic, t: Translator, scenario: Scenario, result: Estimate,
                     values: Mapping[str, Any]) -> web.Response:
        blocks = explain(result, scenario, t).split("\n\n")
        explanation = join([tag("p", block) for block in blocks])
        # The recommended way to pay and its total (both ends when the answers left open matter).
        low, high = cost_span(result)
        total = cost_text(result, t)
        summary = [tag("p", recommendation_text(result, scenario, t),
                       class_="route", id="recommended")]
        if low != high:
            summary.append(tag("p", t.gettext(
                "It depends on the answers you left open; the explanation below says which "
                "one matters most."), class_="hint"))
        range_note = join(summary)
        answers = []
        for field in FIELDS.values():
            value = values.get(field.name)
            if field.kind == "select":
                shown = dict(_options(field, clinic, t)).get(value, value)
            elif value is None:
                shown = t.gettext("I don't know")
            elif field.kind == "amount":
                shown = t.money(Decimal(value))
            elif field.kind == "percent":
                shown = t.percent(Decimal(value))
            else:
                shown = str(value)
            answers.append(join([tag("dt", t.gettext(field.label)), tag("dd", shown)]))
        back = f"/c/{quote(clinic.slug)}?lang={t.lang}"
        content = render(
            "result.html",
            back_href=back,
            back=t.gettext("Back to %(clinic)s", clinic=clinic.name),
            title=t.gettext("Your estimate"),
            clinic_name=clinic.name,
            total_title=t.ngettext("What you would pay for %(n)s session",
                                   "What you would pay for %(n)s sessions", scenario.sessions),
            total=total,
            range=range_note,
            explanation_title=t.gettext("Why"),
            explanation=explanation,
            answers_title=t.gettext("Your answers"),
            answers=join(answers),
            again=t.gettext("Change the answers"),
        )
        title = t.gettext("Your estimate at %(clinic)s", clinic=clinic.name)
        return self._page(t, title, content, f"/c/{quote(clinic.slug)}")
