"""Known secrets never appear in the suite's console output, JUnit file or curl commands.

The run uses a mock whose secrets are known (API keys, a distinctive LiveKit secret, the
seeded provider secrets) and a fault that makes the secrets operation fail its schema, so
the failure report prints the very response that carries the secret values.
"""

from __future__ import annotations

import json
import shlex

import requests

from tests.contract.runner import run_suite

DEMO_KEY, ACME_KEY = "vx_demo_key", "vx_acme_key"
LIVEKIT_SECRET = "lk-secret-for-the-redaction-test-7f3a9c"
PROVIDERS = ("openai", "deepgram", "elevenlabs", "cartesia")


def _seeded_secret_values(base_url: str) -> list[str]:
    values = []
    for key, project_id in ((DEMO_KEY, 1), (ACME_KEY, 2)):
        for provider in PROVIDERS:
            response = requests.get(
                f"{base_url}/api/v1/projects/{project_id}/secrets/{provider}",
                headers={"X-API-Key": key},
                timeout=10,
            )
            if response.status_code == 200:
                values += [v for v in response.json()["secrets"].values() if len(v) >= 6]
    return values


def test_known_secrets_never_appear_in_any_artifact(make_live_mock, tmp_path):
    target = make_live_mock(check_responses=False, livekit_api_secret=LIVEKIT_SECRET)
    provider_secrets = _seeded_secret_values(target.base_url)
    assert provider_secrets, "the seed has no provider secrets to test with"
    # The secrets response loses a required field, so its body lands in the failure report.
    target.set_fault("getProviderSecrets", drop_field="project_id")
    run = run_suite(
        target.base_url,
        options=(
            "--second-api-key",
            ACME_KEY,
            "--livekit-api-key",
            "devkey",
            "--livekit-api-secret",
            LIVEKIT_SECRET,
        ),
        select=(
            "test_properties.py",
            "-k",
            "contract and secrets",
            "test_isolation.py",
            "test_tokens.py",
        ),
        tmp_path=tmp_path,
    )
    assert run.red, run.output[-3000:]
    assert "Reproduce: curl " in run.output  # repro commands shown
    assert "[Filtered]" in run.output and "[Filtered]" in run.junit
    for secret in (DEMO_KEY, ACME_KEY, LIVEKIT_SECRET, *provider_secrets):
        assert secret not in run.output, f"{secret[:4]}… leaked into the console output"
        assert secret not in run.junit, f"{secret[:4]}… leaked into the JUnit file"


def test_a_secret_that_is_a_common_word_does_not_garble_the_report(make_live_mock, tmp_path):
    # LiveKit's dev secret is `secret`: redacting it inside words would turn the failing
    # request's path into /[Filtered]s/openai and break the curl line.
    target = make_live_mock(check_responses=False)
    provider_secrets = _seeded_secret_values(target.base_url)
    target.set_fault("getProviderSecrets", drop_field="project_id")
    run = run_suite(
        target.base_url,
        options=(
            "--livekit-api-key",
            "devkey",
            "--livekit-api-secret",
            "secret",
            "--report-dir",
            str(tmp_path / "report"),
        ),
        select=("test_properties.py", "-k", "contract and secrets"),
        tmp_path=tmp_path,
    )
    reports = "".join(
        path.read_text(errors="replace")
        for path in (tmp_path / "report").rglob("*")
        if path.is_file()
    )
    assert "getProviderSecrets" in reports  # the report covers the failing operation
    assert run.red, run.output[-3000:]
    curls = [line for line in run.output.splitlines() if line.startswith("Reproduce: curl ")]
    assert curls, run.output[-3000:]
    for line in curls:
        argv = shlex.split(line.removeprefix("Reproduce: "))
        assert any("/secrets/" in arg for arg in argv), line
    assert "[Filtered]s/" not in run.output + run.junit
    for secret in provider_secrets:
        for artifact in (run.output, run.junit, reports):
            assert secret not in artifact, f"{secret[:4]}… leaked"


def test_common_word_secrets_are_replaced_as_values_never_inside_text(monkeypatch):
    from contract_tests import redact as redaction

    monkeypatch.setattr(redaction, "_known_values", set())
    redaction.register_secrets(["secret", "openai", "1", "sk-demo-openai-0123456789"])
    curl = redaction.redact(
        "curl -X GET -H 'X-API-Key: openai' "
        "'http://127.0.0.1:8080/api/v1/projects/1/secrets/openai?key=secret'"
    )
    argv = shlex.split(curl)  # still valid shell
    assert argv[-1] == "http://127.0.0.1:8080/api/v1/projects/1/secrets/openai?key=[Filtered]"
    assert argv[4] == "X-API-Key: [Filtered]"
    body = redaction.redact(
        '{"api_key": "sk-demo-openai-0123456789", "project_id": 1, "provider": "openai", '
        '"message": "the secret of project 1 for openai"}'
    )
    assert json.loads(body) == {  # still valid JSON; whole values replaced, text kept
        "api_key": "[Filtered]",
        "project_id": 1,
        "provider": "[Filtered]",
        "message": "the secret of project 1 for openai",
    }
    prose = redaction.redact("leaked sk-demo-openai-0123456789 at /secrets/openai")
    assert prose == "leaked [Filtered] at /secrets/openai"
