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
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

from balancer.api.schemas import openapi
from balancer.tests import databases
from balancer.tests.conftest import make_conf
from balancer.tests.functional.conftest import running_api

SCALE = int(os.environ.get("BALANCER_FUZZ_SCALE", "1"))
STATELESS_EXAMPLES = 6 * SCALE
STATEFUL_SCENARIOS = 30 * SCALE
QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
         HealthCheck.function_scoped_fixture]


def json_error(ctx, response, case):
    """Every 4xx is ``{"error": {"code", "title", "message"}}`` with its code
    (``/healthcheck`` is oslo.middleware's, documented as text)."""
    if response.status_code < 400 or case.operation.path in openapi.PIPELINE_PATHS:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), \
        "error %d is not JSON" % response.status_code
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError("error %d is not {\"error\": ...}" % response.status_code) from None
    assert isinstance(error, dict) and error.get("code") == response.status_code, error
    assert error.get("title") and error.get("message"), error
    assert "Traceback" not in response.text
    return None


CHECKS = [base_checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance,
          openapi_checks.response_schema_conformance, json_error]
DOCUMENT = openapi.build()
OPERATIONS = [(path, method) for path, item in DOCUMENT["paths"].items() for method in item]


@pytest.fixture(scope="module")
def schema(tmp_path_factory, migrated_db):
    # every request waits for its deploy however loaded the machine is: an
    # answer that depends on timing (202 instead of 200) would change which
    # links the stateful run can follow, and Hypothesis calls that flaky
    conf = make_conf(tmp_path_factory.mktemp("fuzz"), deploy__wait_timeout=120.0)
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

        loaded.balancer_client = client
        yield loaded
        types = {d["type"] for d in client.get("/devices").json["devices"]}
        assert types <= {"NOOP"}, types        # a scenario may have deleted them all


def fresh_start(client):
    """The state every stateful scenario starts from: two noop devices and
    nothing else.  Following links draws from what earlier answers held, so
    a scenario that found what an earlier one left would draw differently
    from its own replay (Hypothesis then stops: "data generation depending
    on external state")."""
    databases.empty(client.service.engine)
    client.service.drivers.close_all()
    client.add_device(name="noop-1")
    client.add_device(name="noop-2")


def fuzz_one(operation, examples):
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=QUIET)
    def run(case):
        case.call_and_validate(checks=CHECKS)

    run()


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_every_operation_alone(schema, path, method):
    fuzz_one(schema[path][method], STATELESS_EXAMPLES)


class Broken:
    """The app, except that one route answers like a crashed server would."""

    def __init__(self, app, path, status, content_type, body):
        self.app, self.path = app, path
        self.answer = (status, content_type, body)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != self.path:
            return self.app(environ, start_response)
        status, content_type, body = self.answer
        start_response(status, [("Content-Type", content_type)])
        return [body]


@pytest.mark.parametrize("answer", [
    ("500 Internal Server Error", "application/json", b'{"error": {"code": 500}}'),
    ("404 Not Found", "text/html", b"<html>not found</html>"),
    ("200 OK", "application/json", b'{"protocols": "HTTP"}'),
    ("201 Created", "application/json", b'{"protocols": []}'),
])
def test_the_checks_catch_a_broken_answer(schema, answer):
    """The run above can fail: a 5xx, an HTML error, a wrong shape and an
    undocumented status on ``GET /protocols`` are each caught."""
    broken = schemathesis.openapi.from_dict(DOCUMENT)
    broken.app = Broken(schema.app, "/protocols", *answer)
    with pytest.raises((Failure, FailureGroup)):
        fuzz_one(broken["/protocols"]["get"], 3)


def test_stateful_runs_along_the_links(schema):
    machine = schema.as_state_machine()

    class Linked(machine):
        def setup(self):
            fresh_start(schema.balancer_client)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Linked.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=10,
                                 derandomize=True, database=None, deadline=None,
                                 suppress_health_check=QUIET))
