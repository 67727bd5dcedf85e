"""Schema-driven fuzzing (schemathesis) of the backend's OpenAPI: requests generated from the schema,
valid and invalid, with the bot's token and without it, against the real app served by uvicorn.
Nothing may crash it (no 5xx), and every rejection says what is wrong in a JSON body."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from backend.app.main import create_app
from tests.backend.conftest import BOT_TOKEN, make_settings, served_in_thread


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    database = tmp_path_factory.mktemp("fuzz") / "backend.db"
    # A generous look-up limit: the fuzzer would otherwise spend its requests on 429s.
    app = create_app(make_settings(f"sqlite:///{database}", public_lookup_rate_limit=100000))
    with served_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def operations(served):
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) > 20, "the schema lists fewer operations than the backend has"
    return found


def assert_clear(response) -> None:
    # The procedure look-up answers 503 while its index is not loaded (these tests do not load it).
    unavailable = response.status_code == 503 and "knowledge_base_unavailable" in response.text
    assert response.status_code < 500 or unavailable, (response.status_code, response.text[:500])
    if response.status_code >= 400 and response.status_code != 405:
        body = json.loads(response.text)  # JSON, never an HTML error page or a traceback
        assert body.get("message") or body.get("detail") or body.get("error"), body
        assert "Traceback" not in response.text


def is_public(path: str) -> bool:
    return path.startswith(("/api/public", "/health", "/api/procedures", "/metrics"))


def fuzz(operation, mode: GenerationMode, examples: int, check) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        check(case)

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid form: nothing to fuzz negatively.
        assert mode == GenerationMode.NEGATIVE


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_as_the_bot(operations, served, mode):
    def check(case):
        assert_clear(case.call(base_url=served, headers={"Authorization": f"Bearer {BOT_TOKEN}"}, timeout=30))

    for operation in operations:
        fuzz(operation, mode, 15, check)


def test_fuzzed_requests_without_credentials(operations, served):
    def check(case):
        response = case.call(base_url=served, timeout=30)
        assert_clear(response)
        if not is_public(case.path):
            assert response.status_code >= 400, (case.method, case.path, response.status_code)

    for operation in operations:
        fuzz(operation, GenerationMode.POSITIVE, 5, check)
