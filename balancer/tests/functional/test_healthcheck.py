"""GET /healthcheck: oslo.middleware's answer, before authentication, with
the database asked (balancer/api/middleware/healthcheck.py)."""

import os

import pytest

from balancer.tests import conftest as base


def test_healthcheck_answers_ok_when_the_database_does(api):
    resp = api.get("/healthcheck")
    assert resp.status_int == 200
    assert resp.text.strip() == "database OK"


@pytest.mark.sqlite_only       # takes the database away by moving its file
def test_healthcheck_is_503_without_a_database(api, conf):
    path = conf.database.connection[len("sqlite:///"):]
    os.rename(path, path + ".moved")
    try:
        resp = api.get("/healthcheck", status=503)
        assert "database" in resp.text
    finally:
        os.rename(path + ".moved", path)
    assert api.get("/healthcheck").status_int == 200


def test_healthcheck_needs_no_token_on_the_keystone_pipeline(tmp_path):
    conf = base.make_conf(tmp_path, paste_deploy__flavor="keystone")
    client = base.Api(conf)
    try:
        assert client.get("/healthcheck").status_int == 200
        # everything else is behind authtoken (unconfigured here, so it
        # cannot even validate: never served without a token)
        assert client.get("/devices", status="*").status_int >= 400
    finally:
        client.service.close()
