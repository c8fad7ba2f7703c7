"""The spec says what the docs say, its examples obey its schemas, and every guess is marked."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

import openapi
from tests.spec.docs_fields import (
    API_KEY_HEADER,
    EXAMPLE_RESPONSES,
    FIELDS,
    OPERATIONS,
    PRODUCTION_ORIGIN,
    WEBHOOK_CONTENT_TYPE,
    WEBHOOK_EVENTS,
    DocumentedField,
)

SPEC = openapi.load_spec()
OPS = {op.operation_id: op for op in openapi.iter_operations(SPEC)}
# The docs write "number" for IDs and counts; the spec may narrow that to integer.
DOCS_TYPES = {
    "string": {"string"},
    "boolean": {"boolean"},
    "object": {"object"},
    "number": {"number", "integer"},
}


def resolved(node):
    return openapi.resolve_refs(node, SPEC)


def flatten(schema: dict) -> dict:
    """Merge a property schema with its allOf parts, as the spec uses allOf for described $refs."""
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        merged = {**flatten(part), **merged}
    return merged


def field_schema(field: DocumentedField) -> tuple[dict, bool]:
    op = OPS[field.operation_id]
    if field.location == "body":
        body = resolved(op.definition["requestBody"])
        schema = body["content"]["application/json"]["schema"]
        assert field.name in schema["properties"], f"{field.operation_id}: body has no {field.name}"
        return flatten(schema["properties"][field.name]), field.name in schema.get("required", [])
    params = {(p["name"], p["in"]): p for p in resolved(op.parameters)}
    param = params.get((field.name, field.location))
    assert param is not None, f"{field.operation_id}: no {field.location} parameter {field.name}"
    return flatten(param["schema"]), bool(param.get("required"))


def test_spec_is_valid_openapi_3_1():
    spec_dict, base_uri = read_from_filename(str(openapi.spec_path()))
    validate(spec_dict, base_uri=base_uri)
    admin_dict, admin_uri = read_from_filename(str(openapi.admin_spec_path()))
    validate(admin_dict, base_uri=admin_uri)
    assert SPEC["openapi"].startswith("3.1")


@pytest.mark.parametrize("documented", OPERATIONS, ids=lambda d: d.operation_id)
def test_every_documented_operation_is_in_the_spec(documented):
    op = OPS.get(documented.operation_id)
    assert op is not None, f"missing operation {documented.operation_id}"
    assert (op.method, op.path) == (documented.method, documented.path)
    assert op.definition["summary"] == documented.summary
    assert op.definition["description"].startswith(documented.description)


def test_spec_has_no_operation_the_docs_do_not():
    assert set(OPS) == {d.operation_id for d in OPERATIONS}


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f"{f.operation_id}.{f.name}")
def test_documented_field_has_the_documented_type_requiredness_default_and_enum(field):
    schema, required = field_schema(field)
    assert required == field.required
    if field.docs_type.endswith("[]"):
        assert schema["type"] == "array"
        item_type = flatten(resolved(schema["items"]))["type"]
        assert item_type in DOCS_TYPES[field.docs_type[:-2]]
    else:
        assert schema["type"] in DOCS_TYPES[field.docs_type]
    if field.default is None:
        # A default the docs do not state is a choice, so it must be marked as one.
        assert "default" not in schema or openapi.ASSUMPTION_KEY in schema
    else:
        assert schema.get("default") == field.default
    if field.enum is None:
        assert "enum" not in schema
    else:
        assert tuple(schema["enum"]) == field.enum


@pytest.mark.parametrize("operation_id", sorted(EXAMPLE_RESPONSES))
def test_docs_example_response_is_a_spec_example_and_valid(operation_id):
    response = resolved(OPS[operation_id].definition["responses"])["200"]
    media = response["content"]["application/json"]
    values = [example["value"] for example in media["examples"].values()]
    assert EXAMPLE_RESPONSES[operation_id] in values, "the docs' example is kept verbatim"
    jsonschema.validate(EXAMPLE_RESPONSES[operation_id], media["schema"])
    # Every field the docs show is required by the schema, so a target that drops it fails.
    top = media["schema"]
    for key, value in EXAMPLE_RESPONSES[operation_id].items():
        assert key in top["required"]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            item = flatten(top["properties"][key]["items"])
            assert set(value[0]) <= set(item["required"])


def iter_examples():
    """Every example in the spec with the schema it must satisfy."""
    for op in OPS.values():
        definition = resolved(op.definition)
        for param in resolved(op.parameters):
            if "example" in param:
                yield f"{op.operation_id} param {param['name']}", param["example"], param["schema"]
        body = definition.get("requestBody", {}).get("content", {})
        for media_type, media in body.items():
            for name, example in media.get("examples", {}).items():
                yield (
                    f"{op.operation_id} request {media_type} {name}",
                    example["value"],
                    media["schema"],
                )
        for status, response in definition["responses"].items():
            for media in response.get("content", {}).values():
                examples = media.get("examples", {})
                assert examples, f"{op.operation_id} {status} has no example"
                for name, example in examples.items():
                    yield f"{op.operation_id} {status} {name}", example["value"], media["schema"]
    for name, schema in SPEC["components"]["schemas"].items():
        if "example" in schema:
            yield f"schema {name}", schema["example"], resolved(schema)


EXAMPLES = list(iter_examples())


def test_every_request_body_and_response_has_an_example():
    labels = {label for label, _, _ in EXAMPLES}
    for op in OPS.values():
        for status in op.definition["responses"]:
            assert any(label.startswith(f"{op.operation_id} {status} ") for label in labels)
        if "requestBody" in op.definition:
            assert any(label.startswith(f"{op.operation_id} request ") for label in labels)


@pytest.mark.parametrize(("label", "value", "schema"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_validates_against_its_own_schema(label, value, schema):
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [e.message for e in validator.iter_errors(value)]
    assert not errors, f"{label}: {errors}"


def test_every_api_operation_requires_the_api_key_header():
    scheme = SPEC["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", API_KEY_HEADER)
    for op in OPS.values():
        if op.path.startswith("/api/v1/"):
            assert op.secured, op.operation_id
            assert "401" in op.definition["responses"], op.operation_id


def test_webhook_takes_livekit_signed_webhook_json():
    op = OPS["receiveLivekitWebhook"]
    assert not op.secured
    assert op.definition["security"] == [{"LivekitWebhookSignature": []}]
    assert list(op.definition["requestBody"]["content"]) == [WEBHOOK_CONTENT_TYPE]
    events = SPEC["components"]["schemas"]["WebhookEvent"]["properties"]["event"]["enum"]
    assert set(WEBHOOK_EVENTS) <= set(events)


def test_servers_are_production_and_the_local_mock():
    assert [s["url"] for s in SPEC["servers"]] == [PRODUCTION_ORIGIN, "http://127.0.0.1:8080"]


def test_error_responses_the_api_needs_are_documented():
    """400 for inputs, 404 for path resources, 413/415 for bodies, 409 where state can conflict."""
    for op in OPS.values():
        responses = op.definition["responses"]
        has_body = "requestBody" in op.definition
        if has_body or op.parameters:
            assert "400" in responses, op.operation_id
        if has_body:
            assert {"413", "415"} <= set(responses), op.operation_id
        if any(p["in"] == "path" for p in resolved(op.parameters)):
            assert "404" in responses, op.operation_id
    for conflicting in ("createToken", "createSession", "addTranscriptEntry", "endSession"):
        assert "409" in OPS[conflicting].definition["responses"]
    assert "403" in OPS["getProviderSecrets"].definition["responses"]


def test_every_error_response_uses_the_one_error_schema():
    for op in OPS.values():
        for status, response in op.definition["responses"].items():
            if not status.startswith("2"):
                assert response["$ref"].startswith("#/components/responses/"), (
                    op.operation_id,
                    status,
                )
    for name, response in SPEC["components"]["responses"].items():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, name


def test_every_assumption_is_marked_with_a_reason():
    marks = openapi.assumptions(SPEC)
    assert len(marks) >= 20
    for pointer, reason in marks:
        assert isinstance(reason, str) and len(reason) >= 30, pointer
        assert reason.rstrip().endswith((".", ")")), f"{pointer}: a reason is a full sentence"
    text = openapi.spec_path().read_text()
    assert text.count(f"{openapi.ASSUMPTION_KEY}:") == len(marks)


def test_every_response_the_docs_do_not_show_is_an_assumption():
    """A 2xx body the docs show is a guarantee; every other response rests on a marked choice."""
    for op in OPS.values():
        for status, response in resolved(op.definition["responses"]).items():
            documented_body = status == "200" and op.operation_id in EXAMPLE_RESPONSES
            if not documented_body:
                assert openapi.ASSUMPTION_KEY in response, (op.operation_id, status)


def test_stateful_links_follow_token_and_session_flows():
    def links(operation_id, status):
        return OPS[operation_id].definition["responses"][status]["links"]

    token = links("createToken", "200")["ListRoomParticipants"]
    assert token == {
        **token,
        "operationId": "listRoomParticipants",
        "parameters": {"roomName": "$request.body#/room"},
    }
    created = links("createSession", "201")
    assert created["AddTranscriptEntry"]["parameters"] == {"roomName": "$request.body#/room_name"}
    assert created["EndSession"]["parameters"] == {"roomName": "$request.body#/room_name"}
    assert links("addTranscriptEntry", "201")["EndSession"]["operationId"] == "endSession"


def test_kit_never_reads_the_shared_docs_at_run_time():
    root = Path(__file__).resolve().parents[2]
    for package in (
        "openapi",
        "mock_server",
        "contract_tests",
        "contract_diff",
        "postman",
        "load_tests",
    ):
        for source in (root / package).rglob("*.py"):
            assert not re.search(r"\.\./shared|API_DOCS\.md", source.read_text()), source
