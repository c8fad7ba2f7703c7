"""Property tests: every operation of the spec, positive and negative data, every check.

schemathesis generates requests from ``openapi/voxai.yaml`` (examples, coverage and
fuzzing phases, ``--max-examples`` per operation) and runs its built-in checks (server
errors, status codes, content types, response schemas and headers, negative data
rejection, positive data acceptance, ignored auth, ...) plus the custom ones of
:mod:`contract_tests.checks`. Failures resting on an assumption are warnings unless
``--strict``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

from contract_tests import checks  # noqa: F401  (registers the custom checks)
from contract_tests.settings import current
from contract_tests.target import build_schema, validate

RUN = current()
schema = build_schema(RUN)


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # No shrinking: a CI run wants the first failure fast, and the report already
    # carries the request that broke the rule.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    max_examples=RUN.max_examples,
)
def test_operation_conforms_to_contract(case):
    """Each generated request gets a documented, schema-valid answer."""
    response = case.call()
    validate(case, response, RUN)
