"""What the functional tests share: bodies, URLs, error and database checks.

Kept in one place so each test file reads as a list of behaviours, not of
request plumbing.  Bodies are small and valid; a test changes the one field
it is about.
"""

import itertools

import sqlalchemy as sa

TABLES = ("device", "loadbalancer", "serverfarm", "predictor", "server", "probe",
          "sticky", "virtualserver", "accesslist", "connectionthrottle")
SECRETS = ("swordfish", "BEGIN OPENSSH PRIVATE KEY", "s3cr3t-key-material",
           # any PEM private key (an HTTPS virtual IP's)
           "PRIVATE KEY-----")
# a private key the devices tests register; it must never come back
PRIVATE_KEY = ("-----BEGIN OPENSSH PRIVATE KEY-----\ns3cr3t-key-material\n"
               "-----END OPENSSH PRIVATE KEY-----\n")

_vip_ports = itertools.count(10000)


def lb_url(tenant, lb_id=None, *parts):
    """``/{tenant}/loadbalancers[/{lb_id}[/part...]]``."""
    return "/".join(["", tenant, "loadbalancers"] + ([lb_id] if lb_id else [])
                    + list(parts))


def node_body(**values):
    return dict({"address": "10.0.1.1", "port": 8080}, **values)


def vip_body(**values):
    """A VIP on a port no other test LB uses, so VIPs never conflict."""
    return dict({"address": "10.0.0.1", "port": next(_vip_ports)}, **values)


def monitor_body(**values):
    return dict({"type": "HTTP", "delay": 10, "timeout": 5,
                 "attemptsBeforeDeactivation": 3, "method": "GET", "path": "/health",
                 "expected": "200-204"}, **values)


def lb_body(**values):
    """A small valid load balancer: one VIP, one node, no monitor."""
    return dict({"name": "lb", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
                 "virtualIps": [vip_body()], "nodes": [node_body()]}, **values)


def create_lb(api, tenant="t1", status=202, **values):
    """POST a load balancer; the response's ``loadbalancer`` (or error)."""
    resp = api.post_json(lb_url(tenant), lb_body(**values), status=status)
    return resp.json.get("loadbalancer", resp.json)


def error_of(resp, code, field=None):
    """The ``error`` object of a JSON error response, its shape checked."""
    assert resp.status_int == code, resp.text
    assert resp.content_type == "application/json", resp.content_type
    error = resp.json["error"]
    assert error["code"] == code
    assert isinstance(error["title"], str) and error["title"]
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in resp.text
    if field is not None:
        assert error.get("field") == field, error
        if field != "body":
            assert field.split(".")[-1] in error["message"], error
    return error


def row_counts(api):
    """{table: number of rows}, read straight from the database."""
    with api.service.engine.connect() as conn:
        return {t: conn.execute(sa.text("SELECT count(*) FROM %s" % t)).scalar()
                for t in TABLES}


def sql(api, statement, **params):
    """Run raw SQL on the service's database (to plant or inspect rows)."""
    with api.service.engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        return result.fetchall() if result.returns_rows else None


def add_broken_device(api, device_id="broken0000000000000000000000000"):
    """A device row of a type no driver serves, as an old database may hold."""
    sql(api, "INSERT INTO device (id, name, type, ip, port, created_at, updated_at) "
             "VALUES (:id, 'broken', 'bogus', '10.9.9.9', 22, '2000-01-01', '2000-01-01')",
        id=device_id)
    return device_id


def last_deploy(api, device_id, lb_id):
    """The LoadBalancer record the driver was last asked to serve for ``lb_id``."""
    deploys = api.driver(device_id).deploys
    assert deploys, "the driver was never asked to deploy"
    matching = [lb for lb in deploys[-1] if lb.id == lb_id]
    return matching[0] if matching else None


def table_dump(api):
    """Every row of every table, to prove a request changed nothing."""
    with api.service.engine.connect() as conn:
        return {t: conn.execute(sa.text("SELECT * FROM %s ORDER BY id" % t)).fetchall()
                for t in TABLES}
