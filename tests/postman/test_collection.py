"""The committed Postman collection: valid v2.1.0, complete against the spec, deterministic,
and guarded by ``voxai-postman --check``."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from click.testing import CliRunner

from contract_tests.rules import RULES
from mock_server import MockConfig
from openapi import iter_operations, load_spec, operation, resolve_refs
from postman import behaviours
from postman.cli import main as postman_cli
from postman.export import COLLECTION_PATH, build_collection, item_id, render
from postman.scenarios import follow_steps
from tests.postman.helpers import (
    SCHEMA_PATH,
    committed_collection,
    embedded_schemas,
    requests_of,
    script,
)

OPERATIONS = list(iter_operations())
SUMMARIES = {op.definition["summary"] for op in OPERATIONS}


@pytest.fixture(scope="module")
def collection():
    return committed_collection()


@pytest.fixture(scope="module")
def items(collection):
    return {item["id"]: item for item in requests_of(collection)}


@pytest.fixture(scope="module")
def postman_schema_validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _item(items, op):
    return items[item_id(op.operation_id)]


def test_collection_is_valid_postman_v2_1_0(collection, postman_schema_validator):
    errors = postman_schema_validator.iter_errors(collection)
    errors = [f"{error.json_path}: {error.message}" for error in errors]
    assert errors == []
    assert collection["info"]["schema"].endswith("/collection/v2.1.0/collection.json")


def test_postman_schema_rejects_a_malformed_collection(collection, postman_schema_validator):
    # Proves the validation above has teeth: a non-object URL and an unknown variable type.
    broken = copy.deepcopy(collection)
    broken["item"][0]["item"][0]["request"]["url"] = 42
    broken["variable"][0]["type"] = "password"
    assert len(list(postman_schema_validator.iter_errors(broken))) >= 2


def test_committed_collection_matches_a_fresh_export():
    assert COLLECTION_PATH.read_text(encoding="utf-8") == render(build_collection(load_spec()))


def test_export_is_byte_identical_and_ids_are_unique():
    first, second = render(build_collection(load_spec())), render(build_collection(load_spec()))
    assert first == second and first.endswith("}\n")
    ids: list[str] = []

    def collect(node):
        if isinstance(node, dict):
            ids.extend(v for k, v in node.items() if k in ("id", "_postman_id"))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(json.loads(first))
    assert len(ids) == len(set(ids)) > len(OPERATIONS)


def test_folders_follow_the_spec_tag_order(collection):
    spec = load_spec()
    follow = follow_steps(spec)
    assert [folder["name"] for folder in collection["item"]] == [t["name"] for t in spec["tags"]]
    for folder in collection["item"]:
        ops = [op for op in OPERATIONS if op.tag == folder["name"]]
        # Each operation's own request, then the steps that follow it (postman/scenarios.py).
        expected = [
            (op.operation_id, name)
            for op in ops
            for name in [op.definition["summary"]]
            + [s.name for s in follow.get(op.operation_id, [])]
        ]
        assert [item["name"] for item in folder["item"]] == [name for _, name in expected]
        own = [item["id"] for item in folder["item"] if item["name"] in SUMMARIES]
        assert own == [item_id(op.operation_id) for op in ops]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_operation_is_a_request_with_its_summary_and_description(items, op):
    item = _item(items, op)
    request = item["request"]
    assert item["name"] == op.definition["summary"]
    assert request["method"] == op.method
    assert request["description"].startswith(op.definition["description"].strip())
    path = op.path.replace("{", ":").replace("}", "")
    assert request["url"]["raw"].split("?")[0] == "{{baseUrl}}" + path
    assert request["url"]["host"] == ["{{baseUrl}}"]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_parameter_is_a_variable_with_its_description_and_default(items, op):
    url = _item(items, op)["request"]["url"]
    by_place = {
        "path": {v["key"]: v for v in url.get("variable", [])},
        "query": {q["key"]: q for q in url.get("query", [])},
    }
    params = [resolve_refs(p) for p in op.parameters]
    assert sum(len(found) for found in by_place.values()) == len(params)
    for param in params:
        found = by_place[param["in"]][param["name"]]
        assert found["description"].startswith(param["description"])
        default = param["schema"].get("default")
        if default is not None:
            assert found["value"] == str(default)
        else:
            assert found["value"] not in ("", None)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_request_example_is_in_the_collection(items, op):
    body = resolve_refs(op.definition.get("requestBody"))
    request = _item(items, op)["request"]
    if not body:
        assert "body" not in request
        return
    media_type, content = next(iter(body["content"].items()))
    examples = [ex["value"] for ex in content["examples"].values()]
    sent = json.loads(request["body"]["raw"])
    # The body is the first example; only run variables (room names, no_agent, event ids) differ.
    assert set(sent) >= set(examples[0])
    unchanged = {k: v for k, v in examples[0].items() if "{{" not in json.dumps(sent[k])}
    assert {k: sent[k] for k in unchanged} == unchanged
    assert {"key": "Content-Type", "value": media_type} in request["header"]
    for example in examples:
        assert json.dumps(example, indent=2) in request["description"]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_saved_responses_are_the_operations_own_examples(items, op):
    saved = [(r["code"], json.loads(r["body"])) for r in _item(items, op)["response"]]
    examples = [
        (int(code), example["value"])
        for code, response in resolve_refs(op.definition["responses"]).items()
        for content in (response.get("content") or {}).values()
        for example in (content.get("examples") or {}).values()
    ]
    assert saved and all(entry in examples for entry in saved)
    # A shared error example that fits another operation is left out (x-voxai-operations),
    # never the operation's success or refusal.
    assert {c for c, _ in examples if c < 300 or c == 401} <= {c for c, _ in saved}
    body = resolve_refs(op.definition.get("requestBody")) or {}
    media_type, content = next(iter(body.get("content", {"": {}}).items()))
    fields = set(content.get("schema", {}).get("properties", {}))
    fields |= {resolve_refs(p)["name"] for p in op.parameters}
    for code, value in saved:
        # Each error example is about this operation: its key or signature, its media type,
        # its own fields.
        if code == 401:
            assert ("X-API-Key" in value["message"]) == op.secured, value
        if code == 415:
            assert value["message"].endswith(media_type), value
        for detail in value.get("details", []) if code == 400 else []:
            assert detail["field"] in fields, (detail, sorted(fields))


def test_api_key_auth_on_the_collection_and_webhooks_signed_instead(collection, items):
    assert collection["auth"]["type"] == "apikey"
    auth = {entry["key"]: entry["value"] for entry in collection["auth"]["apikey"]}
    assert auth == {"key": "X-API-Key", "value": "{{apiKey}}", "in": "header"}
    webhooks = [i for i in requests_of(collection) if i["request"]["url"]["path"][0] == "webhooks"]
    assert len(webhooks) == 7
    for item in requests_of(collection):
        if item in webhooks:
            assert item["request"]["auth"] == {"type": "noauth"}
            assert "Authorization" in script(item, "prerequest")
        else:
            assert "auth" not in item["request"], f"{item['name']} must inherit the collection auth"
    variables = {v["key"]: v["value"] for v in collection["variable"]}
    assert variables["baseUrl"].startswith("http")
    assert variables["apiKey"] == variables["livekitApiKey"] == variables["livekitApiSecret"] == ""


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_request_tests_status_content_type_and_schema(items, op):
    source = script(_item(items, op), "test")
    for name in ("status is documented", "content-type is application/json", "body matches schema"):
        assert f'pm.test("{name}"' in source
    expected = min(int(c) for c in op.definition["responses"] if c.startswith("2"))
    assert f'pm.test("status is {expected}"' in source
    assert "pm.response.to.have.jsonSchema(" in source
    assert "tv4" not in source


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_embedded_schemas_accept_the_spec_examples_and_reject_a_dropped_field(items, op):
    schemas = embedded_schemas(_item(items, op))
    responses = resolve_refs(op.definition["responses"])
    assert set(schemas) == {c for c, r in responses.items() if r.get("content")}
    for code, response in responses.items():
        content = response["content"]["application/json"]
        validator = jsonschema.Draft7Validator(schemas[code])
        for example in content["examples"].values():
            assert validator.is_valid(example["value"]), (code, example["value"])
            required = content["schema"].get("required", [])
            if required:
                broken = {k: v for k, v in example["value"].items() if k != required[0]}
                assert not validator.is_valid(broken)


def test_run_is_chained_from_the_token_request(items):
    token = next(i for i in items.values() if i["id"] == item_id("createToken"))
    body = json.loads(token["request"]["body"]["raw"])
    assert body["no_agent"] is True, "a Postman run must never dispatch paid agents"
    assert body["room"] == "{{room}}"
    assert 'pm.collectionVariables.set("room"' in script(token, "prerequest")
    assert 'pm.collectionVariables.set("fullRoomName"' in script(token, "test")
    session = items[item_id("createSession")]
    assert json.loads(session["request"]["body"]["raw"])["room_name"] == "{{fullRoomName}}"
    for operation_id in ("addTranscriptEntry", "endSession"):
        variables = items[item_id(operation_id)]["request"]["url"]["variable"]
        assert variables == [{**variables[0], "value": "{{fullRoomName}}"}]
    participants = items[item_id("listRoomParticipants")]["request"]["url"]["variable"]
    assert participants[0]["value"] == "{{room}}"


def test_environments_keep_secrets_secret_and_staging_off_production():
    folder = COLLECTION_PATH.parent / "environments"
    mock = json.loads((folder / "mock.postman_environment.json").read_text())
    staging = json.loads((folder / "staging.postman_environment.json").read_text())
    mock_values = {v["key"]: v for v in mock["values"]}
    staging_values = {v["key"]: v for v in staging["values"]}
    config = MockConfig.from_env(environ={})
    assert mock_values["baseUrl"]["value"] == "http://127.0.0.1:8080"
    assert mock_values["apiKey"]["value"] == "vx_demo_key"
    assert mock_values["livekitApiKey"]["value"] == config.livekit_api_key
    assert mock_values["livekitApiSecret"]["value"] == config.livekit_api_secret
    for values in (mock_values, staging_values):
        assert values["apiKey"]["type"] == values["livekitApiSecret"]["type"] == "secret"
    assert staging_values["apiKey"]["value"] == staging_values["livekitApiSecret"]["value"] == ""
    # A template never points at production by default: the base URL is left to fill in.
    production = [s["url"] for s in load_spec()["servers"] if "Production" in s["description"]]
    assert production and staging_values["baseUrl"]["value"] == ""


def test_check_passes_on_a_fresh_export_and_fails_on_a_stale_file(tmp_path):
    runner = CliRunner()
    target = tmp_path / "collection.json"
    assert runner.invoke(postman_cli, ["--check", "--output", str(target)]).exit_code == 1
    assert runner.invoke(postman_cli, ["--output", str(target)]).exit_code == 0
    assert runner.invoke(postman_cli, ["--check", "--output", str(target)]).exit_code == 0
    stale = json.loads(target.read_text())
    stale["item"][0]["item"][0]["name"] = "Renamed by hand"
    target.write_text(render(stale))
    result = runner.invoke(postman_cli, ["--check", "--output", str(target)])
    assert result.exit_code == 1
    assert "stale" in result.output


def test_cli_help_explains_itself_with_an_example():
    result = CliRunner().invoke(postman_cli, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "--check" in result.output
    assert "VOXAI_POSTMAN_OUTPUT" in result.output


def test_behaviour_tests_are_named_and_sourced_like_the_contract_suites_rules():
    rules = [v for v in vars(behaviours).values() if isinstance(v, behaviours.Behaviour)]
    rules += [r for rs in behaviours.by_operation(load_spec()).values() for r in rs]
    assert len(rules) >= 10
    webhook_text = " ".join(operation("receiveLivekitWebhook").definition["description"].split())
    for rule in rules:
        if rule.rule in RULES:  # a failure reads the same in Postman and voxai-contract
            assert rule.docs == RULES[rule.rule].docs, rule.rule
        else:  # the webhook run's own rules quote the operation's description
            assert rule.docs == behaviours.WEBHOOK_DOCS and webhook_text.startswith(rule.docs)
