"""Every cURL example of API_DOCS.md, run as written against the mock (host changed, YOUR_KEY =
vx_demo_key), answers with the documented status and a body valid against the spec."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

import openapi
from mock_server.validation import product_rules
from tests.conftest import DEMO_KEY

DOCS_ORIGIN = "https://voxai.ai0.dev"

# Verbatim from API_DOCS.md, in the docs' order (the page flattened the line continuations).
DOCS_CURLS = [
    """curl -X POST https://voxai.ai0.dev/api/v1/token \\ -H "Content-Type: application/json" \\ -H "X-API-Key: YOUR_KEY" \\ -d '{"identity":"user1","room":"my-room"}'""",  # noqa: E501
    """curl https://voxai.ai0.dev/api/v1/agents \\ -H "X-API-Key: YOUR_KEY\"""",
    """curl https://voxai.ai0.dev/api/v1/agents/1/tools \\ -H "X-API-Key: YOUR_KEY\"""",
    """curl https://voxai.ai0.dev/api/v1/rooms \\ -H "X-API-Key: YOUR_KEY\"""",
    """curl https://voxai.ai0.dev/api/v1/rooms/my-room/participants \\ -H "X-API-Key: YOUR_KEY\"""",  # noqa: E501
    """curl -X POST https://voxai.ai0.dev/api/v1/sessions \\ -H "Content-Type: application/json" \\ -H "X-API-Key: YOUR_KEY" \\ -d '{"room_name":"proj_my-room","caller_identity":"user1"}'""",  # noqa: E501
    """curl -X POST https://voxai.ai0.dev/api/v1/sessions/proj_my-room/transcript \\ -H "Content-Type: application/json" \\ -H "X-API-Key: YOUR_KEY" \\ -d '{"speaker":"user","content":"Hello agent"}'""",  # noqa: E501
    """curl -X POST https://voxai.ai0.dev/api/v1/sessions/proj_my-room/end \\ -H "Content-Type: application/json" \\ -H "X-API-Key: YOUR_KEY" \\ -d '{"summary":"User asked about pricing"}'""",  # noqa: E501
    """curl -X POST https://voxai.ai0.dev/api/v1/knowledge/search \\ -H "Content-Type: application/json" \\ -H "X-API-Key: YOUR_KEY" \\ -d '{"knowledge_base_id":1,"query":"How do I reset password?"}'""",  # noqa: E501
    """curl "https://voxai.ai0.dev/api/v1/usage?period=7d&group_by=model" \\ -H "X-API-Key: YOUR_KEY\"""",  # noqa: E501
    """curl https://voxai.ai0.dev/api/v1/projects/1/secrets/openai \\ -H "X-API-Key: YOUR_KEY\"""",  # noqa: E501
]


@dataclass
class Curl:
    method: str
    url: str
    headers: dict[str, str]
    data: str | None


def parse_curl(command: str) -> Curl:
    """The few cURL options the docs use: -X, -H, -d and the URL."""
    words = shlex.split(command.replace(" \\ ", " "))
    assert words[0] == "curl"
    method, url, headers, data = None, None, {}, None
    it = iter(words[1:])
    for word in it:
        if word == "-X":
            method = next(it)
        elif word == "-H":
            name, _, value = next(it).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = next(it)
        else:
            url = word
    return Curl(method or ("POST" if data else "GET"), url, headers, data)


def operation_for(method: str, path: str) -> openapi.Operation:
    for op in openapi.iter_operations():
        pattern = op.path.replace("{", "(?P<").replace("}", ">[^/]+)")
        if op.method == method and re.fullmatch(pattern, path):
            return op
    raise AssertionError(f"no spec operation for {method} {path}")


def test_docs_hold_eleven_curl_examples_covering_every_keyed_operation():
    ops = {
        operation_for(c.method, c.url.split("?")[0].removeprefix(DOCS_ORIGIN)).operation_id
        for c in map(parse_curl, DOCS_CURLS)
    }
    assert ops == {op.operation_id for op in openapi.iter_operations() if op.secured}


def independent_validator(base_url: str) -> OpenAPI:
    """openapi-core over the spec: a second validator that shares no code with the mock's."""
    spec = openapi.load_spec()
    spec["servers"] = [{"url": base_url}]
    return OpenAPI.from_dict(spec, base_uri=openapi.spec_path().as_uri())


def test_every_docs_curl_returns_the_documented_shape(live_mock):
    rules = product_rules()
    validator = independent_validator(live_mock.base_url)
    with requests.Session() as http:
        for command in DOCS_CURLS:
            curl = parse_curl(command)
            headers = {k: v.replace("YOUR_KEY", DEMO_KEY) for k, v in curl.headers.items()}
            url = curl.url.replace(DOCS_ORIGIN, live_mock.base_url)
            response = http.request(curl.method, url, headers=headers, data=curl.data)
            path = curl.url.split("?")[0].removeprefix(DOCS_ORIGIN)
            rule = rules[operation_for(curl.method, path).operation_id]
            assert response.status_code == rule.success_status, (command, response.text)
            errors = rule.response_errors(
                response.status_code, response.headers["Content-Type"], response.json()
            )
            assert errors == [], (command, errors)
            validator.validate_response(
                RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
            )


@pytest.mark.parametrize(
    ("index", "check"),
    [
        (
            0,
            lambda b: (
                b["room"] == "proj_my-room"
                and b["token"].startswith("eyJ")
                and b["agents_dispatched"] == [1]
            ),
        ),
        (
            1,
            lambda b: (
                b["agents"][0]
                == {
                    "id": 1,
                    "name": "Support Agent",
                    "agent_type": "voice",
                    "llm_provider": "openai",
                    "llm_model": "gpt-4o",
                    "is_active": True,
                }
            ),
        ),
        (8, lambda b: b["results"][0]["title"] == "Resetting your password"),
        (9, lambda b: (b["period"], b["group_by"]) == ("7d", "model")),
    ],
)
def test_docs_example_values_come_back(live_mock, index, check):
    curl = parse_curl(DOCS_CURLS[index])
    headers = {k: v.replace("YOUR_KEY", DEMO_KEY) for k, v in curl.headers.items()}
    response = requests.request(
        curl.method,
        curl.url.replace(DOCS_ORIGIN, live_mock.base_url),
        headers=headers,
        data=curl.data,
    )
    assert check(json.loads(response.text))
