"""Shared pieces of the Postman tests: the committed collection, its items and scripts,
and a newman runner that returns the parsed JSON report."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from postman.export import COLLECTION_PATH

POSTMAN_DIR = COLLECTION_PATH.parent
NODE_BIN = POSTMAN_DIR / "node_modules" / ".bin"
SCHEMA_PATH = POSTMAN_DIR / "schema" / "collection-v2.1.0.json"


def committed_collection() -> dict[str, Any]:
    return json.loads(COLLECTION_PATH.read_text(encoding="utf-8"))


def requests_of(collection: dict[str, Any]) -> list[dict[str, Any]]:
    """Every request item, depth first, in run order."""
    found = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if "item" in item:
                walk(item["item"])
            else:
                found.append(item)

    walk(collection["item"])
    return found


def script(item: dict[str, Any], listen: str) -> str:
    """The joined source of the item's ``listen`` script ('' when it has none)."""
    for event in item.get("event", []):
        if event["listen"] == listen:
            return "\n".join(event["script"]["exec"])
    return ""


def embedded_schemas(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Documented status -> the JSON Schema the item's test script validates it with."""
    source = script(item, "test")
    index = json.loads(re.search(r"^const schemaIndex = (.*);$", source, re.M).group(1))
    block = re.search(r"^const schemas = \[\n(.*?)\n\];$", source, re.M | re.S).group(1)
    schemas = [json.loads(line.strip().rstrip(",")) for line in block.splitlines()]
    return {status: schemas[position] for status, position in index.items()}


def tool(name: str) -> Path:
    """A Node tool installed by ``cd postman && npm ci`` (``make test`` does it)."""
    path = NODE_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make test` or `cd postman && npm ci` first.")
    return path


MOCK_ENVIRONMENT = POSTMAN_DIR / "environments" / "mock.postman_environment.json"


def run_newman(
    base_url: str,
    api_key: str,
    report: Path,
    timeout: float = 60,
    env_vars: dict[str, str] | None = None,
    folders: tuple[str, ...] = (),
) -> tuple:
    """Run the committed collection once, in folder order; (parsed JSON report, CLI output).

    The environment is the committed mock one (LiveKit ``devkey`` / ``secret``) with
    ``baseUrl``, ``apiKey`` and ``env_vars`` overriding it; ``folders`` limits the run to
    those folders (in collection order). The report holds request
    headers and response bodies, so it is deleted once read.
    """
    overrides = {"baseUrl": base_url, "apiKey": api_key, **(env_vars or {})}
    command = [
        str(tool("newman")), "run", str(COLLECTION_PATH),
        "--environment", str(MOCK_ENVIRONMENT),
        *(arg for key, value in overrides.items() for arg in ("--env-var", f"{key}={value}")),
        *(arg for folder in folders for arg in ("--folder", folder)),
        "--reporters", "cli,json",
        "--reporter-json-export", str(report),
        "--color", "off", "--disable-unicode", "--timeout-request", "10000",
    ]  # fmt: skip
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    try:
        parsed = json.loads(report.read_text(encoding="utf-8"))
    finally:
        report.unlink(missing_ok=True)
    return parsed, completed.stdout + completed.stderr


def response_text(execution: dict[str, Any]) -> str:
    """The response body of one execution of a newman JSON report."""
    stream = (execution.get("response") or {}).get("stream") or {}
    return bytes(stream.get("data") or []).decode("utf-8", "replace")


def executions_named(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in report["run"]["executions"] if e["item"]["name"] == name]


def failed_assertions(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(item name, assertion name) of every failed assertion in a newman JSON report."""
    failed = []
    for execution in report["run"]["executions"]:
        for assertion in execution.get("assertions", []):
            if assertion.get("error"):
                failed.append((execution["item"]["name"], assertion["assertion"]))
    return failed
