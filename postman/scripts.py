"""The JavaScript of the collection's ``pm`` scripts, as lists of lines (pure functions).

- :func:`test_script`: the contract tests every request carries (documented status,
  expected status, content type, body against the resolved schema), then the item's
  behaviour tests (:mod:`postman.behaviours`), then what later requests need.
- :func:`sign_webhook`: a pre-request script that signs a LiveKit webhook as LiveKit
  does, with CryptoJS from the Postman sandbox.
- :func:`run_room`: the pre-request script picking a run-unique room.
"""

from __future__ import annotations

import json
from typing import Any

from postman.behaviours import Behaviour

__all__ = ["SIGNING_MODES", "run_room", "sign_webhook", "test_script"]


def test_script(
    label: str,
    expected: int,
    media_type: str,
    schemas_by_status: dict[str, dict[str, Any]],
    behaviours: tuple[Behaviour, ...] = (),
    stores: list[tuple[str, str]] | None = None,
) -> list[str]:
    """The item's test script: the four contract tests, its behaviours, then its stores.

    ``stores`` are ``(collection variable, JS expression on body)`` set when the status
    is ``expected``, for later requests of the run.
    """
    schemas: list[dict[str, Any]] = []
    by_status: dict[str, int] = {}
    for code, schema in schemas_by_status.items():
        if schema not in schemas:
            schemas.append(schema)
        by_status[code] = schemas.index(schema)
    lines = [
        f"// Generated from the spec ({label}); re-export, do not edit.",
        "// Documented status -> index of its response schema (resolved from the spec).",
        f"const schemaIndex = {json.dumps(by_status)};",
        "const schemas = [",
        *(f"    {json.dumps(schema, separators=(',', ':'))}," for schema in schemas),
        "];",
        'pm.test("status is documented", function () {',
        "    pm.expect(Object.keys(schemaIndex)).to.include(String(pm.response.code));",
        "});",
        f'pm.test("status is {expected}", function () {{',
        f"    pm.response.to.have.status({expected});",
        "});",
        f'pm.test("content-type is {media_type}", function () {{',
        f'    pm.expect(pm.response.headers.get("Content-Type") || "").to.include("{media_type}");',
        "});",
        'pm.test("body matches schema", function () {',
        "    const index = schemaIndex[String(pm.response.code)];",
        '    pm.expect(index, "a schema for status " + pm.response.code).to.be.a("number");',
        "    pm.response.to.have.jsonSchema(schemas[index]);",
        "});",
    ]
    if behaviours:
        lines += _behaviour_tests(behaviours)
    if stores:
        lines += [
            "// Chaining: later requests of this run use what this one returned.",
            f"if (pm.response.code === {expected}) {{",
            "    const body = pm.response.json();",
        ]
        for variable, expression in stores:
            lines += [
                f"    const {variable} = {expression};",
                f'    if ({variable} !== undefined) pm.collectionVariables.set("{variable}", '
                f"{variable});",
            ]
        lines.append("}")
    return lines


def _behaviour_tests(behaviours: tuple[Behaviour, ...]) -> list[str]:
    lines = [
        "// Documented behaviours, named like the contract suite's rules (voxai-contract).",
        "const behaviour = (function () {",
        "    let body, sent = {};",
        "    try { body = pm.response.json(); } catch (e) { body = undefined; }",
        "    const raw = pm.request.body && pm.request.body.raw;",
        "    if (raw) { try { sent = JSON.parse(pm.variables.replaceIn(raw)); } catch (e) {} }",
        "    return { body: body, sent: sent, query: pm.request.url.query.toObject() };",
        "})();",
    ]
    for rule in behaviours:
        run = "pm.test" if rule.when_status is None else (
            f"(pm.response.code === {rule.when_status} ? pm.test : pm.test.skip)"
        )  # fmt: skip
        lines += [
            f"// docs: {rule.docs}",
            f'{run}("{rule.rule}", function () {{',
            "    const body = behaviour.body, sent = behaviour.sent, query = behaviour.query;",
            *(f"    {line}" for line in rule.lines),
            "});",
        ]
    return lines


def run_room() -> list[str]:
    """Pick a run-unique room: sessions of an earlier run on the same target stay apart."""
    return [
        "// A run-unique room: sessions of an earlier run on the same target stay apart.",
        'pm.collectionVariables.set("room", "pm-" + Date.now().toString(36) + "-" +',
        "    Math.random().toString(36).slice(2, 8));",
    ]


#: How a webhook request is signed: as LiveKit does, not at all (a JWT with ``alg: none``),
#: or with a secret that is not the LiveKit API secret.
SIGNING_MODES = ("livekit", "unsigned", "forged")


def sign_webhook(mode: str = "livekit") -> list[str]:
    """Pre-request lines that set ``Authorization`` for this webhook body.

    LiveKit (``webhook/url_notifier.go``) sends the raw JWT, no ``Bearer``: HS256 with
    the API secret, ``iss`` = the API key, ``sha256`` = base64 SHA-256 of the exact body.
    The body's ``{{variables}}`` are resolved first and the resolved text is what is
    sent, so the hash covers the bytes on the wire. ``unsigned`` sends the same claims
    with ``alg: none`` and no signature (a request with no ``Authorization`` at all is
    refused by the spec's security before it reaches a target, e.g. by Prism);
    ``forged`` signs with a secret that is not ``livekitApiSecret``.
    """
    if mode not in SIGNING_MODES:
        raise ValueError(f"unknown signing mode {mode!r}")
    lines = [
        f"// Generated ({mode}): LiveKit's webhook signature, computed with CryptoJS.",
        'const CryptoJS = require("crypto-js");',
        "const body = pm.variables.replaceIn(pm.request.body.raw);",
        "pm.request.body.update(body); // send exactly the bytes that are hashed",
        "const b64url = function (words) {",
        "    return CryptoJS.enc.Base64.stringify(words)",
        '        .replace(/=+$/, "").replace(/\\+/g, "-").replace(/\\//g, "_");',
        "};",
        "const part = function (value) {",
        "    return b64url(CryptoJS.enc.Utf8.parse(JSON.stringify(value)));",
        "};",
        "const now = Math.floor(Date.now() / 1000);",
        "const claims = {",
        '    iss: pm.variables.get("livekitApiKey"), nbf: now, exp: now + 300,',
        "    sha256: CryptoJS.SHA256(body).toString(CryptoJS.enc.Base64),",
        "};",
    ]
    if mode == "unsigned":
        lines += [
            'const jwt = part({ alg: "none", typ: "JWT" }) + "." + part(claims) + ".";',
        ]
    else:
        secret = 'pm.variables.get("livekitApiSecret") || ""'
        if mode == "forged":
            secret = f'"forged-" + ({secret})'
        lines += [
            'const input = part({ alg: "HS256", typ: "JWT" }) + "." + part(claims);',
            f"const secret = {secret};",
            'const jwt = input + "." + b64url(CryptoJS.HmacSHA256(input, secret));',
        ]
    lines.append('pm.request.headers.upsert({ key: "Authorization", value: jwt });')
    # A function scope: `CryptoJS` is also a legacy global of the sandbox (a top-level
    # `const CryptoJS` is a SyntaxError there).
    return [lines[0], "(function () {", *(f"    {line}" for line in lines[1:]), "})();"]
