"""schemathesis over our OpenAPI document against a live server: no input gives a 5xx."""

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.generation import GenerationMode

EXAMPLES = 150  # over all operations together; keeps the run well under a minute


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_a_server_error(mode, transactional_db, live_server, tables):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    failures = []

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=schema.as_strategy(generation_mode=mode))
    def check(case):
        # ids that exist, now and then, so the query endpoints run for real
        for name in ("version_id", "resource_id"):
            value = (case.path_parameters or {}).get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value % 3 == 0:
                case.path_parameters[name] = (
                    tables["open"].pk if name == "version_id" else tables["open"].resource_id
                )
        response = case.call(base_url=live_server.url, timeout=30)
        if response.status_code >= 500:
            failures.append(
                (
                    case.method,
                    case.formatted_path,
                    case.query,
                    response.status_code,
                    response.text[:300],
                )
            )
        if response.status_code >= 400:
            assert response.json()["error"]["code"], response.text

    check()
    assert not failures, failures
