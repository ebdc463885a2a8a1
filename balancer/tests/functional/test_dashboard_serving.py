"""How the pipeline serves the dashboard (balancer/dashboard/): its files
before authentication, its sign-in route's errors, who the page is signed
in as, and the tenant routes it must not take.  The page itself is tested in
a real browser (balancer/tests/integration/test_dashboard.py)."""

import re

import pytest

from balancer.dashboard import static_files
from balancer.tests import conftest as base


def test_the_page_and_its_files_are_served_with_a_strict_policy(api):
    page = api.get("/dashboard/")
    assert page.content_type == "text/html" and "<main" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get("/dashboard/index.html").body == page.body
    assert api.get("/dashboard/static/dashboard.css").content_type == "text/css"
    assert api.get("/dashboard/static/js/app.js").content_type == "text/javascript"
    moved = api.get("/dashboard", status=301)
    assert moved.headers["Location"].endswith("/dashboard/")


def test_an_unchanged_file_is_not_sent_again(api):
    first = api.get("/dashboard/static/js/app.js")
    again = api.get("/dashboard/static/js/app.js",
                    headers={"If-None-Match": first.headers["ETag"]}, status=304)
    assert again.body == b""
    assert api.get("/dashboard/static/js/app.js",
                   headers={"If-None-Match": '"other"'}).body == first.body


def test_every_file_the_page_loads_is_served(api):
    """index.html's links and every module's imports, followed to the end:
    a file missing from the package (setup.cfg package_data) fails here."""
    wanted, seen = ["/dashboard/"], set()
    while wanted:
        path = wanted.pop()
        if path in seen:
            continue
        seen.add(path)
        text = api.get(path).text
        for ref in re.findall(r'(?:href|src)="(/dashboard/static/[^"]+)"', text):
            wanted.append(ref)
        for ref in re.findall(r'from "\./([^"]+)"', text):
            wanted.append(path.rsplit("/", 1)[0] + "/" + ref)
    assert "/dashboard/static/js/app.js" in seen and len(seen) > 8, seen


@pytest.mark.parametrize("path", ["/dashboard/static/nothing.js",
                                  "/dashboard/static/../static_files.py",
                                  "/dashboard/static/js/../../static_files.py",
                                  "/dashboard/static/%2e%2e/signin.py"])
def test_only_the_dashboards_own_files(api, path):
    answer = api.get(path, status=404, expect_errors=True)
    assert answer.json["error"]["code"] == 404


def test_files_answer_get_only(api):
    answer = api.post_json("/dashboard/static/js/app.js", {}, status=405)
    assert answer.headers["Allow"] == "GET, HEAD" and answer.json["error"]["code"] == 405


def test_a_tenant_named_dashboard_keeps_its_routes(api):
    api.add_device()
    lb = api.add_seed_lb(tenant="dashboard")
    listed = api.get("/dashboard/loadbalancers").json["loadbalancers"]
    assert [x["id"] for x in listed] == [lb["id"]]


def test_the_session_on_the_noauth_pipeline(api):
    me = api.get("/dashboard/api/session").json
    assert me["authenticated"] is False and me["project_id"] is None
    assert api.post_json("/dashboard/api/session", {}, status=405).json["error"]["code"] == 405


def test_sign_in_needs_the_keystone_pipeline(api):
    answer = api.post_json("/dashboard/signin", {"username": "u", "password": "p"}, status=404)
    assert "Keystone pipeline" in answer.json["error"]["message"]


@pytest.mark.parametrize("body, field", [({"username": "u"}, "password"),
                                         ({"password": "p"}, "username"),
                                         ({"username": "", "password": "p"}, "username"),
                                         ({"username": "u", "password": "p", "x": 1}, "x")])
def test_sign_in_names_the_bad_field_and_never_repeats_a_password(api, body, field):
    answer = api.post_json("/dashboard/signin", body, status=400).json["error"]
    assert answer["field"] == field
    bad = api.post_json("/dashboard/signin", {"username": "u", "password": "\x01secret"},
                        status=400).json["error"]
    assert bad["field"] == "password" and "secret" not in bad["message"]


def test_sign_in_takes_json_posts_only(api):
    assert api.get("/dashboard/signin", status=405).headers["Allow"] == "POST"
    form = api.post("/dashboard/signin", "username=u&password=p",
                    content_type="application/x-www-form-urlencoded", status=400)
    assert form.json["error"]["field"] == "body"


def test_on_the_keystone_pipeline_files_need_no_token_and_the_api_does(tmp_path):
    conf = base.make_conf(tmp_path, paste_deploy__flavor="keystone")
    client = base.Api(conf)
    try:
        assert client.get("/dashboard/").status_int == 200
        assert client.get("/dashboard/static/js/api.js").status_int == 200
        # behind authtoken (unconfigured here: it cannot validate anything)
        assert client.get("/dashboard/api/session", status="*").status_int >= 400
        assert client.get("/t1/loadbalancers", status="*").status_int >= 400
    finally:
        client.service.close()


def test_the_dashboard_can_be_turned_off(tmp_path):
    client = base.Api(base.make_conf(tmp_path, dashboard__enabled=False))
    try:
        assert client.get("/dashboard/", status=404).json["error"]["code"] == 404
    finally:
        client.service.close()


def test_file_names_outside_the_safe_set_are_never_loaded(tmp_path):
    (tmp_path / "ok.js").write_text("export {};")
    (tmp_path / "odd name.js").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    assert sorted(static_files.load_files(str(tmp_path))) == ["ok.js"]


@pytest.mark.parametrize("path", ["/dashboard/static/%FF.js", "/dashboard/%FF",
                                  "/dashboard/api/session%FF"])
def test_paths_that_are_not_utf8_are_never_a_500(api, path):
    answer = api.get(path, status="*", expect_errors=True)
    assert answer.status_int in (400, 404) and answer.json["error"]["code"] == answer.status_int
