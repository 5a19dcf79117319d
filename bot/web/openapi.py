"""The OpenAPI 3.1 document of the JSON API, generated from the estimator's pydantic models.

OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what pydantic writes: the models' schemas
go into `components/schemas`. On the input side, decimals (money, percents) are described
exactly (`_ContractSchema`): pydantic's own string pattern for a decimal with `max_digits` is not
anchored at its end (it lets "12abc" through) and does not carry the lower bound, and its number
form leaves out the places and the largest value; `state` lists the postal codes its validator
takes, and `plan.visit_limit` its bounds. On the output side there are three adjustments:

- every property of an output object is listed as required: `model_dump(mode="json")` always
  writes every field (a field with a default is written with it, `null` included);
- `SessionRow` is a stdlib dataclass inside the `Estimate` model (`SkipValidation`), so its
  schema does not say that it has no other properties: it is closed here like the models;
- `EstimateResponse` is the `Estimate` with the optional `explanation` the API adds.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from estimator import Estimate, Scenario
from estimator.scenario import US_STATES

from .documents import DocumentRequest

__all__ = ["DOCUMENT_PATHS", "ESTIMATE_PATH", "OPENAPI_PATH", "document"]

ESTIMATE_PATH = "/api/v1/estimate"
DOCUMENT_PATHS = {kind: f"/api/v1/documents/{kind}" for kind in ("gfe", "lmn", "summary")}
OPENAPI_PATH = "/api/v1/openapi.json"
_REF = "#/components/schemas/{model}"
_OUTPUT_MODELS = ("Estimate", "SessionRow", "Totals", "CostRange", "Route", "Recommended",
                  "Accounts", "NextStep", "DiagnosisCheck")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _problem(description: str, name: str = "Problem") -> dict[str, Any]:
    return {"description": description, "content": _json(_ref(name))}


def _retry(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {"Retry-After": {
        "description": "Whole seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1}, "required": True}}
    return response


class _ContractSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, with decimals on input described as the validator reads them."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        json_schema = super().decimal_schema(schema)
        if self.mode != "validation" or "anyOf" not in json_schema:
            return json_schema
        number, text = json_schema["anyOf"]
        places, digits = schema.get("decimal_places"), schema.get("max_digits")
        ge, le = schema.get("ge"), schema.get("le")
        if places is None or digits is None or ge is None or Decimal(ge) < 0:
            return json_schema  # not a bounded, non-negative amount: keep pydantic's
        whole = digits - places
        number["multipleOf"] = float(Decimal(1).scaleb(-places))
        if le is None:
            number["maximum"] = float(Decimal(10) ** whole - Decimal(1).scaleb(-places))
        fraction = rf"(?:\.[0-9]{{1,{places}}})?"
        pattern = rf"^[0-9]{{1,{whole}}}{fraction}$"
        top = Decimal(le) if le is not None else None
        if top is not None and top > 0 and top == 10 ** (len(str(int(top))) - 1):
            # Up to a power of ten (a percent: 0 to 100): that power exactly, or fewer digits.
            zeros = len(str(int(top))) - 1
            pattern = (rf"^(?:1{'0' * zeros}(?:\.0{{1,{places}}})?|"
                       rf"[0-9]{{1,{zeros}}}{fraction})$")
        text["pattern"] = pattern
        text["examples"] = ["30.00"] if le is None else ["20"]
        return json_schema


@cache
def _model_schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [(Scenario, "validation"), (Estimate, "serialization"),
         (DocumentRequest, "validation")],
        ref_template=_REF,
        schema_generator=_ContractSchema,
    )
    schemas: dict[str, Any] = top["$defs"]
    # `state` is a string checked by a validator: list what it accepts (in capitals; the
    # validator also takes lower case and surrounding spaces).
    schemas["Scenario"]["properties"]["state"]["anyOf"] = [
        {"enum": sorted(US_STATES)},
        {"type": "null"},
    ]
    # `visit_limit` is bounded by a validator too (0 to 365, or "none").
    for option in schemas["Plan"]["properties"]["visit_limit"]["anyOf"]:
        if option.get("type") == "integer":
            option.update(minimum=0, maximum=365)
    for name in _OUTPUT_MODELS:
        schema = schemas[name]
        schema["required"] = list(schema.get("properties", {}))
        schema["additionalProperties"] = False
    response = copy.deepcopy(schemas["Estimate"])
    response["title"] = "EstimateResponse"
    response["description"] = (
        "The estimate (the same JSON as `massage-estimate`), with a plain-language "
        "`explanation` when the request asked for one (`explain=true`)."
    )
    response["properties"]["explanation"] = {
        "type": "string",
        "title": "Explanation",
        "description": "The estimate explained in the language chosen by Accept-Language.",
    }
    schemas["EstimateResponse"] = response
    schemas["FieldError"] = {
        "type": "object",
        "title": "FieldError",
        "properties": {
            "loc": {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "description": "Path of the field in the scenario, e.g. [\"plan\", \"copay\"].",
            },
            "msg": {"type": "string"},
            "type": {"type": "string", "description": "pydantic's error type."},
        },
        "required": ["loc", "msg", "type"],
        "additionalProperties": False,
    }
    schemas["Problem"] = {
        "type": "object",
        "title": "Problem",
        "properties": {
            "error": {"type": "string", "description": "A stable snake_case code."},
            "message": {"type": "string"},
        },
        "required": ["error", "message"],
        "additionalProperties": False,
    }
    schemas["ValidationProblem"] = {
        "type": "object",
        "title": "ValidationProblem",
        "properties": {
            "error": {"const": "invalid_scenario"},
            "message": {"type": "string", "description": "One line per problem."},
            "errors": {"type": "array", "items": _ref("FieldError")},
        },
        "required": ["error", "message", "errors"],
        "additionalProperties": False,
    }
    schemas["DocumentProblem"] = {
        "type": "object",
        "title": "DocumentProblem",
        "properties": {
            "error": {"enum": ["missing_clinic_field", "unknown_clinic", "invalid_patient",
                               "not_applicable"]},
            "message": {"type": "string", "description": "In the Accept-Language language."},
            "field": {"type": "string", "description": "The clinic field to add (npi, tin, "
                      "address, phone, name, clinic), the patient field, or why not."},
        },
        "required": ["error", "message", "field"],
        "additionalProperties": False,
    }
    return schemas


_DOCUMENTS = {
    "gfe": ("documentGfe", "The Good Faith Estimate (45 CFR 149.610)",
            "The model GFE's fields for the course at the clinic's self-pay charges. Needs "
            "`clinic` (with name, address, phone, NPI and TIN in its profile) and `patient`. "
            "With `Accept: application/fhir+json`, the Da Vinci PCT GFE bundle (FHIR R4)."),
    "lmn": ("documentLmn", "A letter of medical necessity, drafted for the clinician to sign",
            "For an HSA, FSA or HRA: the diagnosis, the treatment and the IRC 213(d) statement, "
            "the clinician's lines left blank. Needs `clinic` (name and address)."),
    "summary": ("documentSummary", "The estimate summary",
                "The estimate, the ways to pay, the range and the session table, dated."),
}


def _document_operation(kind: str, secured: bool) -> dict[str, Any]:
    operation_id, summary, description = _DOCUMENTS[kind]
    content: dict[str, Any] = {"application/pdf": {"schema": {"type": "string",
                                                              "format": "binary"}}}
    if kind == "gfe":
        content["application/fhir+json"] = {"schema": {"type": "object"}}
    problem_422 = {"anyOf": [_ref("ValidationProblem"), _ref("DocumentProblem")]}
    operation = _estimate_operation(secured)
    operation.update(operationId=operation_id, summary=summary, description=description)
    operation["parameters"] = [p for p in operation["parameters"] if p["in"] == "header"]
    operation["parameters"][0]["description"] = "Language of the document: en, es or ru."
    operation["requestBody"] = {"required": True, "content": _json(_ref("DocumentRequest"))}
    operation["responses"]["200"] = {"description": "The document.", "content": content}
    operation["responses"]["400"]["description"] = (
        "The body is not JSON (`not_json`), names a key twice (`duplicate_key`), or cannot be "
        "read (`unreadable_body`).")
    operation["responses"]["422"] = {
        "description": "The request is not valid (`invalid_scenario`), or the document cannot "
                       "be made: `field` names what is missing.",
        "content": _json(problem_422)}
    return operation


def _estimate_operation(secured: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "The estimate.", "content": _json(_ref("EstimateResponse"))},
        "400": _problem("The body is not JSON (`not_json`), names a key twice in one object "
                         "(`duplicate_key`: the message names the key), cannot be read "
                         "(`unreadable_body`: not in the Content-Encoding it names, or cut "
                         "short), or a query parameter is malformed (`bad_parameter`)."),
        "413": _problem("The body is larger than 1 MB."),
        "422": _problem("The scenario is not valid: one entry per field.", "ValidationProblem"),
        "429": _retry(_problem("This client (its API key; without keys, its address) sent "
                               "more requests than the server's per-client limit "
                               "(`rate_limited`).")),
        "503": _retry(_problem("Every estimate process is busy and the line of requests "
                               "waiting for one is full (`busy`).")),
    }
    operation: dict[str, Any] = {
        "operationId": "estimate",
        "summary": "Estimate what a course of medical massage costs the patient",
        "description": (
            "Takes the estimator's scenario and returns its estimate, the same contract as "
            "the `massage-estimate` command. Omitted fields take their documented defaults; "
            "`null` means the patient does not know, and the estimate then gives a range."
        ),
        "parameters": [
            {
                "name": "explain",
                "in": "query",
                "required": False,
                "description": "Add a plain-language `explanation` to the response.",
                "schema": {"type": "boolean", "default": False},
            },
            {
                "name": "Accept-Language",
                "in": "header",
                "required": False,
                "description": "Language of the explanation: en, es or ru (default en).",
                "schema": {"type": "string"},
            },
        ],
        "requestBody": {"required": True, "content": _json(_ref("Scenario"))},
        "responses": responses,
    }
    if secured:
        operation["security"] = [{"apiKey": []}]
        responses["401"] = {
            "description": "Missing or unknown API key.",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
            "content": _json(_ref("Problem")),
        }
    return operation


def document(*, secured: bool = False, server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document; `secured` when API keys are configured."""
    status = {
        "type": "object",
        "properties": {
            "status": {"type": "string"},
            "checks": {"type": "object", "additionalProperties": {"type": "boolean"}},
        },
        "required": ["status"],
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "massage-cost-bot estimate API",
            "version": "1",
            "description": (
                "What medical massage will cost a US patient, from their insurance details. "
                "Money is a string with two decimals, in US dollars."
            ),
        },
        "paths": {
            ESTIMATE_PATH: {"post": _estimate_operation(secured)},
            **{path: {"post": _document_operation(kind, secured)}
               for kind, path in DOCUMENT_PATHS.items()},
            OPENAPI_PATH: {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": _json(
                        {"type": "object"})}},
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "The process is alive",
                    "responses": {"200": {"description": "Alive.", "content": _json(status)}},
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "The store is reachable and the bot initialised",
                    "responses": {
                        "200": {"description": "Ready.", "content": _json(status)},
                        "503": {"description": "Not ready.", "content": _json(status)},
                    },
                }
            },
        },
        "components": {"schemas": copy.deepcopy(_model_schemas())},
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    if secured:
        doc["components"]["securitySchemes"] = {
            "apiKey": {"type": "http", "scheme": "bearer", "description": "One of API_KEYS."}
        }
    return doc
