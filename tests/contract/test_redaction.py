"""Known secrets never appear in the suite's console output, JUnit file or curl commands.

The run uses a mock whose secrets are known (API keys, a distinctive LiveKit secret, the
seeded provider secrets) and a fault that makes the secrets operation fail its schema, so
the failure report prints the very response that carries the secret values.
"""

from __future__ import annotations

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
        options=("--livekit-api-key", "devkey", "--livekit-api-secret", "secret"),
        select=("test_properties.py", "-k", "contract and secrets"),
        tmp_path=tmp_path,
    )
    assert run.red, run.output[-3000:]
    curls = [line for line in run.output.splitlines() if line.startswith("Reproduce: curl ")]
    assert curls, run.output[-3000:]
    for line in curls:
        argv = shlex.split(line.removeprefix("Reproduce: "))
        assert any("/secrets/" in arg for arg in argv), line
    assert "[Filtered]s/" not in run.output + run.junit
    for secret in provider_secrets:
        assert secret not in run.output and secret not in run.junit, f"{secret[:4]}… leaked"
