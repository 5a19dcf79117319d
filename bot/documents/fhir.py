"""The Good Faith Estimate as a FHIR R4 bundle, for clinics whose systems take one.

It follows HL7 Da Vinci Patient Cost Transparency (STU 2; DOMAIN.md "Documents"): a
`PCTGFEBundle` (type collection) whose first entry is the GFE summary `Claim`, then the
`PCTGFEProfessional` claim (use predetermination) with the provider's taxonomy on its care
team, the diagnoses, the items (service code, quantity, unit price, net), the total and the
GFE disclaimers; then the patient, the provider and the (self-pay) coverage the claims name.
Built as data and read by the `fhir.resources` models (R4B, FHIR 4.3: the same Claim, Bundle,
Patient, Organization, Practitioner and Coverage as R4): `Bundle.model_validate` validates
every entry as the resource its resourceType names, so an invalid bundle is never served.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from bot.i18n import Translator

from .content import GfeLine, GoodFaithEstimate
from .gfe import disclaimers

__all__ = ["MEDIA_TYPE", "bundle", "bundle_json"]

MEDIA_TYPE = "application/fhir+json"
PCT = "http://hl7.org/fhir/us/davinci-pct/StructureDefinition/"
NPI = "http://hl7.org/fhir/sid/us-npi"
TIN = "urn:oid:2.16.840.1.113883.4.4"  # US IRS taxpayer identification numbers
TAXONOMY = "http://nucc.org/provider-taxonomy"
CPT = "http://www.ama-assn.org/go/cpt"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    return {"coding": [coding | ({"display": display} if display else {})]}


def _money(value: Any) -> dict[str, Any]:
    return {"value": value, "currency": "USD"}


def _item(line: GfeLine, sequence: int, diagnoses: list[int], when: date | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sequence": sequence, "careTeamSequence": [1],
        "productOrService": _coding(CPT, line.cpt_code),
        "quantity": {"value": line.quantity},
        "unitPrice": _money(line.unit_price), "net": _money(line.total)}
    if diagnoses:
        item["diagnosisSequence"] = diagnoses
    if when is not None:
        item["servicedDate"] = when
    return item


class _Urls:
    def __init__(self) -> None:
        self.ids = {name: uuid.uuid4() for name in
                    ("summary", "claim", "patient", "provider", "clinician", "coverage")}

    def __getitem__(self, name: str) -> str:
        return f"urn:uuid:{self.ids[name]}"

    def ref(self, name: str) -> dict[str, str]:
        return {"reference": self[name]}


def _claim(gfe: GoodFaithEstimate, urls: _Urls, created: datetime, profile: str,
           notes: list[str], items: bool) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "resourceType": "Claim", "meta": {"profile": [PCT + profile]},
        "status": "active", "use": "predetermination",
        "type": _coding(TERMINOLOGY + "claim-type", "professional"),
        "patient": urls.ref("patient"), "created": created,
        "provider": urls.ref("provider"),
        "priority": _coding(TERMINOLOGY + "processpriority", "normal"),
        "insurance": [{"sequence": 1, "focal": True, "coverage": urls.ref("coverage")}],
        "total": _money(gfe.total),
        "extension": [{"url": PCT + "gfeSubmitter", "valueReference": urls.ref("provider")},
                      *({"url": PCT + "gfeDisclaimer", "valueString": text}
                        for text in notes)],
    }
    if items:
        who = "clinician" if gfe.provider.clinician else "provider"
        claim["careTeam"] = [{"sequence": 1, "provider": urls.ref(who),
                              "qualification": _coding(TAXONOMY, gfe.provider.taxonomy)}]
        claim["diagnosis"] = [
            {"sequence": n, "diagnosisCodeableConcept": _coding(ICD10CM, code, name or None)}
            for n, (code, name) in enumerate(gfe.diagnoses, 1)]
        sequences = list(range(1, len(gfe.diagnoses) + 1))
        claim["item"] = [_item(line, n, sequences, gfe.expected_date)
                         for n, line in enumerate(gfe.lines, 1)]
    return claim


def _parties(gfe: GoodFaithEstimate, urls: _Urls) -> list[tuple[str, dict[str, Any]]]:
    p = gfe.provider
    identifiers = [{"system": NPI, "value": p.npi}] if p.npi else []
    identifiers += [{"system": TIN, "value": p.tin}] if p.tin else []
    org: dict[str, Any] = {"resourceType": "Organization", "name": p.name,
                           "identifier": identifiers, "active": True,
                           "address": [{"text": p.address}],
                           "type": [_coding(TERMINOLOGY + "organization-type", "prov")]}
    if p.phone:
        org["telecom"] = [{"system": "phone", "value": p.phone}]
    parties: list[tuple[str, dict[str, Any]]] = [
        ("patient", {"resourceType": "Patient", "name": [{"text": gfe.patient.name}],
                     "birthDate": gfe.patient.birth_date}),
        ("provider", org),
        # Self-pay: the patient is the coverage's payor (HL7 coverage-selfpay code "pay").
        ("coverage", {"resourceType": "Coverage", "status": "active",
                      "type": _coding(TERMINOLOGY + "coverage-selfpay", "pay"),
                      "beneficiary": urls.ref("patient"), "payor": [urls.ref("patient")]}),
    ]
    if p.clinician:
        parties.append(("clinician", {
            "resourceType": "Practitioner", "name": [{"text": p.clinician}],
            "qualification": [{"code": _coding(TAXONOMY, p.taxonomy)}]}))
    return parties


def bundle(gfe: GoodFaithEstimate, t: Translator) -> Bundle:
    """The GFE as a PCTGFEBundle, its disclaimers in `t`'s language."""
    urls = _Urls()
    created = datetime.combine(gfe.issued, time(0), tzinfo=UTC)
    texts = disclaimers(gfe, t)
    resources: list[tuple[str, dict[str, Any]]] = [
        ("summary", _claim(gfe, urls, created, "davinci-pct-gfe-summary", [], items=False)),
        ("claim", _claim(gfe, urls, created, "davinci-pct-gfe-professional", texts, items=True)),
        *_parties(gfe, urls)]
    return Bundle.model_validate({
        "resourceType": "Bundle", "meta": {"profile": [PCT + "davinci-pct-gfe-bundle"]},
        "type": "collection", "language": t.lang, "timestamp": created,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "entry": [{"fullUrl": urls[name], "resource": resource}
                  for name, resource in resources]})


def bundle_json(gfe: GoodFaithEstimate, t: Translator) -> bytes:
    """The bundle as FHIR JSON (UTF-8), served as application/fhir+json."""
    return bundle(gfe, t).model_dump_json(exclude_none=True).encode("utf-8")
