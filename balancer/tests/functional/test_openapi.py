"""The OpenAPI document describes exactly the API that runs.

It is generated (balancer/api/schemas/openapi.py); these checks keep the
committed copy current and tie it to the route table and to real answers:
every route is documented with its method and success code, nothing is
documented that is not routed, and the recorded example answers of the API
reference (doc/source/api/examples, made by tools/gen_api_examples.py from a
real run) match the documented response schemas.
"""

import json
import os
import re

import jsonschema
import pytest
import yaml

from balancer.api import router
from balancer.api.schemas import openapi, responses
from balancer.tests.conftest import TOP

DOC = os.path.join(TOP, "doc", "source", "api")
COMMITTED = os.path.join(DOC, "openapi.yaml")


@pytest.fixture(scope="module")
def document():
    with open(COMMITTED) as f:
        return yaml.safe_load(f)


def test_the_committed_document_is_current():
    with open(COMMITTED) as f:
        committed = f.read()
    assert committed == openapi.as_yaml(), (
        "doc/source/api/openapi.yaml is stale: run "
        ".venv/bin/python -m balancer.api.schemas.openapi > doc/source/api/openapi.yaml")


def _documented(document):
    return {(method.upper(), path) for path, item in document["paths"].items()
            for method in item}


def test_every_route_is_documented_and_nothing_else(document):
    routed = {(method, path) for method, path, _name, _action in router.ROUTES}
    assert routed - _documented(document) == set(), "routes missing from the document"
    beside_the_router = {(m, p) for m, p in _documented(document) if p in openapi.PIPELINE_PATHS}
    assert beside_the_router == {("GET", "/healthcheck"), ("HEAD", "/healthcheck"),
                                 ("GET", "/"), ("HEAD", "/")}
    assert _documented(document) - routed - beside_the_router == set(), \
        "documented but not routed"
    assert document["openapi"].startswith("3.1")


def test_each_operation_names_its_route_and_success_code(document):
    for method, path, name, action in router.ROUTES:
        assert path not in openapi.PIPELINE_PATHS
        operation = document["paths"][path][method.lower()]
        assert operation["operationId"] == "%s_%s" % (name, action)
        code, _schema = responses.SUCCESS[(name, action)]
        successes = [c for c in operation["responses"] if c.isdigit() and int(c) < 400]
        assert successes == [str(code)], (method, path, successes)
        parameters = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert parameters == set(re.findall(r"{(\w+)}", path))
        if method in ("POST", "PUT") and action != "change_status":
            assert "requestBody" in operation, (method, path)


def test_links_point_at_operations_that_exist(document):
    operation_ids = {op["operationId"] for item in document["paths"].values()
                     for op in item.values()}
    links = [link for item in document["paths"].values() for op in item.values()
             for answer in op["responses"].values() for link in answer.get("links", {}).values()]
    assert len(links) > 20
    for link in links:
        assert link["operationId"] in operation_ids


def _recorded_examples():
    """(method, path, status, answer) of every recorded example with a JSON answer."""
    examples = []
    for name in sorted(os.listdir(os.path.join(DOC, "examples"))):
        text = open(os.path.join(DOC, "examples", name)).read()
        method, path = re.search(r"^    ([A-Z]+) (/\S*)$", text, re.M).groups()
        status = int(re.search(r"^Response ``(\d+)", text, re.M).group(1))
        blocks = re.findall(r"\.\. code-block:: json\n\n((?:   .*\n|\n)+)", text)
        answer_block = text.split("Response ``", 1)[1]
        if status != 204 and blocks and ".. code-block:: json" in answer_block:
            answer = json.loads("\n".join(line[3:] for line in blocks[-1].splitlines()))
            examples.append((name, method, path.split("?")[0], status, answer))
    return examples


def test_recorded_answers_match_the_documented_schemas(document):
    mapper = router.build_mappers()[0]
    checked = set()
    for name, method, path, status, answer in _recorded_examples():
        match = mapper.match(path, environ={"REQUEST_METHOD": method})
        if path in openapi.PIPELINE_PATHS:      # answered by a filter (GET /)
            schema = document["paths"][path][method.lower()]["responses"][str(status)][
                "content"]["application/json"]["schema"]
        elif match is None:          # an unrouted request: the error shape only
            assert status >= 400, name
            schema = responses.ref("Error")
        else:
            template = next(p for m, p, n, a in router.ROUTES if m == method and (n, a) == (
                match["controller"], match["action"]))
            operation = document["paths"][template][method.lower()]
            documented = operation["responses"].get(str(status)) or \
                operation["responses"]["default"]
            if "$ref" in documented:
                documented = document["components"]["responses"]["Error"]
            schema = documented["content"]["application/json"]["schema"]
            checked.add((match["controller"], match["action"]))
        validator = jsonschema.Draft202012Validator(
            dict(schema, components=document["components"]))
        errors = [e.message for e in validator.iter_errors(answer)]
        assert errors == [], (name, errors[:3])
    assert len(checked) >= 25        # most operations have a recorded answer


def test_the_schemas_do_refuse_wrong_answers(document):
    """The check above can fail: answers of the wrong shape do not pass."""
    operation = document["paths"]["/{tenant_id}/loadbalancers/{lb_id}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator(dict(schema, components=document["components"]))
    assert not validator.is_valid({"loadbalancers": []})
    assert not validator.is_valid({"loadbalancer": {"id": 5, "name": "x", "status": "ACTIVE",
                                                    "tenant_id": "t"}})
    assert not validator.is_valid({"loadbalancer": {"id": "a", "name": "x", "status": "GOOD",
                                                    "tenant_id": "t"}})
    assert validator.is_valid({"loadbalancer": {"id": "a", "name": "x", "status": "ACTIVE",
                                                "tenant_id": "t", "anything": [1]}})
