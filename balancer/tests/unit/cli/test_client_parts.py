"""The client library's pure parts: where an endpoint puts the tenant, and
how an error answer becomes an exception."""

import pytest

from balancer.client import errors
from balancer.client.http import split_endpoint


@pytest.mark.parametrize("url, tenant, expected", [
    ("http://h:8181", None, ("http://h:8181", None)),
    ("http://h:8181/", "t1", ("http://h:8181", "t1")),
    # the original client's tenant endpoint
    ("http://h:8181/foo", None, ("http://h:8181", "foo")),
    ("http://h:8181/foo/", "foo", ("http://h:8181", "foo")),
    # an API behind a path prefix, with the tenant given
    ("http://h/balancer", "t1", ("http://h/balancer", "t1")),
    ("http://h/balancer/t1", "t1", ("http://h/balancer", "t1")),
])
def test_split_endpoint(url, tenant, expected):
    assert split_endpoint(url, tenant) == expected


def test_json_error_keeps_the_servers_message_and_field():
    doc = {"error": {"code": 400, "title": "Bad Request", "field": "nodes.0.port",
                     "message": "invalid nodes.0.port: 'x' is not an integer"}}
    err = errors.from_response(400, "Bad Request", doc, "")
    assert isinstance(err, errors.BadRequest) and err.field == "nodes.0.port"
    assert str(err) == "400 Bad Request: invalid nodes.0.port: 'x' is not an integer"


def test_non_json_error_still_says_something():
    err = errors.from_response(502, "Bad Gateway", None, "<html>proxy down</html>")
    assert type(err) is errors.ClientError and "proxy down" in str(err)
    assert err.status == 502 and err.error["code"] == 502

