"""schemathesis against the running API: no 5xx, answers as documented.

The app is the real paste pipeline (noop device, SQLite) and the document
is the OpenAPI one the docs publish (balancer/api/schemas/openapi.py).  Two
runs share one service:

- every operation alone, with generated valid and invalid inputs
  (``STATELESS_EXAMPLES`` each);
- a stateful run that follows the document's links: create a load
  balancer, then use its id on its children's routes, create a node and use
  its id, and so on, so the ids are real and the deep routes are reached.

Every answer must not be a 5xx, must have a documented status and content
type, must match its documented schema, and every error must be the JSON
error shape.  The budget is fixed and Hypothesis derandomized, so CI runs
the same cases each time; ``BALANCER_FUZZ_SCALE=10`` searches ten times
longer on a workstation.
"""

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as base_checks
from schemathesis.specs.openapi import checks as openapi_checks

from balancer.api.schemas import openapi
from balancer.tests.conftest import make_conf
from balancer.tests.functional.conftest import running_api

SCALE = int(os.environ.get("BALANCER_FUZZ_SCALE", "1"))
STATELESS_EXAMPLES = 6 * SCALE
STATEFUL_SCENARIOS = 25 * SCALE
QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
         HealthCheck.function_scoped_fixture]


def json_error(ctx, response, case):
    """Every 4xx is ``{"error": {"code", "title", "message"}}`` with its code."""
    if response.status_code < 400:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), \
        "error %d is not JSON" % response.status_code
    error = json.loads(response.content)["error"]
    assert error["code"] == response.status_code, error
    assert error["title"] and error["message"], error
    assert "Traceback" not in response.text
    return None


CHECKS = [base_checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance,
          openapi_checks.response_schema_conformance, json_error]
DOCUMENT = openapi.build()
OPERATIONS = [(path, method) for path, item in DOCUMENT["paths"].items() for method in item]


@pytest.fixture(scope="module")
def schema(tmp_path_factory, migrated_db):
    conf = make_conf(tmp_path_factory.mktemp("fuzz"))
    with running_api(conf, migrated_db) as client:
        client.add_device(name="noop-1")
        client.add_device(name="noop-2")
        loaded = schemathesis.openapi.from_dict(DOCUMENT)
        loaded.app = client.wsgi

        @loaded.hook("map_body")
        def only_noop_devices(context, body):
            """A generated HAProxy device would make the service SSH to a
            generated address; every device the run registers is a noop one."""
            if context.operation.method.upper() == "POST" and \
                    context.operation.path == "/devices" and isinstance(body, dict):
                body = dict(body, type="noop")
            return body

        yield loaded
        types = {d["type"] for d in client.get("/devices").json["devices"]}
        assert types == {"NOOP"}, types


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_every_operation_alone(schema, path, method):
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=STATELESS_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=QUIET)
    def run(case):
        case.call_and_validate(checks=CHECKS)

    run()


def test_stateful_runs_along_the_links(schema):
    machine = schema.as_state_machine()

    class Linked(machine):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Linked.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=8,
                                 derandomize=True, database=None, deadline=None,
                                 suppress_health_check=QUIET))
