"""The ``balancer`` command line and ``balancer.client`` against a real
``balancer-api`` process with noop devices.

Every subcommand of ``balancer.cli.registry.COMMANDS`` runs here as the
installed console script, twice: with a noop device
(``test_every_subcommand_with_a_noop_device``) and with a real HAProxy box,
whose served traffic is checked (``test_every_subcommand_with_a_real_haproxy_device``).
test_cli_haproxy.py runs the doc's CLI session (tools/gen_cli_session.py)
against a real box; Keystone's ``--os-*`` path and ``openstack balancer``
are in test_cli_keystone.py.
"""

import json

import pytest

from balancer.cli import registry
from balancer.client import BadRequest, Client, Conflict, NotFound, WaitFailed
from balancer.tests.integration import cli_runner, cli_tenant_steps
from balancer.tests.integration.cli_runner import Cli
from balancer.tests.integration.conftest import need_box


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with cli_runner.ApiServer(str(tmp_path_factory.mktemp("cli-api"))) as api:
        yield api


@pytest.fixture(scope="module")
def cli(server):
    """The original client's way: the endpoint ends with the tenant id."""
    return Cli(server.url + "/t1", "--token", "fake")


@pytest.fixture(scope="module")
def noop(cli):
    return cli.json("device-create", "--name", "noop1", "--type", "noop", "--version", "1",
                    "--ip", "127.0.0.1", "--port", "22", "--user", "user",
                    "--password", "swordfish", "--extra", "supports_ipv6=0")


def every_subcommand(cli, device, vip_address, vip_ports, backend, workdir, serving=None,
                     effects=None):
    """Every subcommand once, on ``device``: the original README's bodies.
    ``serving(lb)`` checks the device while everything is in place;
    ``effects`` (cli_tenant_steps.BoxEffects) what the tenant features did.
    No private key the CLI sent is ever printed."""
    noop = device
    assert "ROUND_ROBIN" in [r["algorithms"] for r in cli.json("algorithms-list")]
    assert "HTTP" in [r["protocols"] for r in cli.json("protocols-list")]
    assert noop["id"] in [d["id"] for d in cli.json("device-list")]
    assert cli.json("device-show", noop["id"])["name"] == noop["name"]
    assert cli.json("device-update", noop["id"], "--name", noop["name"] + "-1",
                    "--extra", "rack=r1")["rack"] == "r1"

    lb = cli.json("lb-create", "--name", "test-lb", "--algorithm", "RoundRobin",
                  "--protocol", "HTTP", "--device-id", noop["id"], "--extra", "transport=TCP",
                  "--wait")
    assert (lb["status"], lb["algorithm"], lb["transport"]) == ("ACTIVE", "ROUND_ROBIN", "TCP")
    assert lb["id"] in [r["id"] for r in cli.json("lb-list")]
    assert cli.json("lb-show", lb["id"])["name"] == "test-lb"
    updated = cli.json("lb-update", lb["id"], "--name", "renamed", "--algorithm",
                       "LEAST_CONNECTION", "--wait")
    assert (updated["name"], updated["algorithm"], updated["status"]) == (
        "renamed", "LEAST_CONNECTION", "ACTIVE")

    # the original README's bodies: strings for every number
    vip = cli.json("vip-create", "--name", "test-vip", "--address", vip_address,
                   "--mask", "255.255.255.255", "--port", str(vip_ports[0]), "--vlan", "200",
                   "--wait", lb["id"])
    assert (vip["port"], vip["VLAN"], vip["deployed"]) == (vip_ports[0], "200", "True")
    assert [v["id"] for v in cli.json("vip-list", lb["id"])] == [vip["id"]]
    assert cli.json("vip-show", lb["id"], vip["id"])["name"] == "test-vip"
    moved = cli.json("vip-update", lb["id"], vip["id"], "--port", str(vip_ports[1]),
                     "--name", "front", "--wait")
    assert (moved["port"], moved["name"], moved["deployed"]) == (vip_ports[1], "front", "True")

    node = cli.json("node-create", "--name", "node-uno", "--type", "dummy", "--address",
                    backend[0], "--port", str(backend[1]), "--weight", "1",
                    "--condition", "ENABLED", "--extra", "vm_id=42", "--wait", lb["id"])
    assert (node["port"], node["weight"], node["vm_id"], node["deployed"]) == (
        backend[1], 1, 42, "True")
    assert [n["id"] for n in cli.json("node-list", lb["id"])] == [node["id"]]
    assert cli.json("node-show", lb["id"], node["id"])["name"] == "node-uno"
    assert cli.json("node-update", "--condition", "DISABLED", "--wait", lb["id"],
                    node["id"])["condition"] == "DISABLED"
    assert cli.json("node-condition", lb["id"], node["id"], "inservice",
                    "--wait")["condition"] == \
        "ENABLED"
    assert [r["id"] for r in cli.json("lb-find-for-vm", "42")] == [lb["id"]]
    assert cli.json("lb-find-for-vm", "43") == []

    # the 2012 README's probe: --extra url=/ --extra method=GET --extra status=200
    probe = cli.json("probe-create", "--name", "test-probe", "--type", "HTTP",
                     "--extra", "url=/", "--extra", "method=GET", "--extra", "status=200",
                     "--wait", lb["id"])
    assert (probe["expected"], probe["path"], probe["delay"], probe["status"]) == (
        "200", "/", 30, "200")
    assert [p["id"] for p in cli.json("probe-list", lb["id"])] == [probe["id"]]
    assert cli.json("probe-show", lb["id"], probe["id"])["name"] == "test-probe"

    sticky = cli.json("sticky-create", "--name", "st1", "--type", "HTTP_COOKIE", "--wait",
                      lb["id"])
    assert [s["id"] for s in cli.json("sticky-list", lb["id"])] == [sticky["id"]]
    assert cli.json("sticky-show", lb["id"], sticky["id"])["type"] == "HTTP_COOKIE"

    # nested records are nested in -f json, and JSON text in -f value
    details = cli.json("lb-details", lb["id"])
    assert [n["id"] for n in details["nodes"]] == [node["id"]]
    assert len(details["healthMonitor"]) == 1
    assert json.loads(cli.ok("lb-details", "-f", "value", "-c", "nodes", lb["id"])[0]) == \
        details["nodes"]

    stats = cli.json("lb-stats", lb["id"])
    assert stats["liveStatus"] == "KNOWN"
    assert [n["id"] for n in stats["nodes"]] == [node["id"]]
    defaults = cli.json("limits-show")      # the server's [limits] section
    assert cli.json("limits-set", "--load-balancers", "7", "--nodes", "9") == dict(
        defaults, loadBalancers=7, nodesPerLoadBalancer=9)
    assert cli.json("limits-show")["loadBalancers"] == 7 != defaults["loadBalancers"]
    cli.ok("limits-reset")
    assert cli.json("limits-show") == defaults

    cli_tenant_steps.run_all(cli, lb["id"], vip_address, workdir, effects)

    if serving:
        serving(lb)
    for command, child in (("sticky-delete", sticky), ("probe-delete", probe),
                           ("node-delete", node), ("vip-delete", vip)):
        cli.ok(command, lb["id"], child["id"], "--wait")
    assert cli.json("node-list", lb["id"]) == []
    assert cli.json("lb-show", lb["id"])["status"] == "ACTIVE"
    cli.ok("lb-delete", lb["id"], "--wait")
    assert lb["id"] not in [r["id"] for r in cli.json("lb-list")]

    spare = cli.json("device-create", "--name", "spare", "--type", "noop", "--ip", "10.1.1.1")
    cli.ok("device-delete", spare["id"])
    assert spare["id"] not in [d["id"] for d in cli.json("device-list")]
    return lb


def test_every_subcommand_with_a_noop_device(server, noop, tmp_path):
    assert (noop["name"], noop["version"], noop["port"], noop["supports_ipv6"]) == (
        "noop1", "1", 22, 0)
    assert "swordfish" not in json.dumps(noop)
    cli = Cli(server.url + "/t3", "--token", "fake")
    every_subcommand(cli, noop, "10.0.0.5", (80, 8080), ("10.0.1.1", 8001), tmp_path)
    assert cli.used == set(registry.COMMANDS)


@pytest.fixture(scope="module")
def box():
    need_box()
    from balancer.tests.lab import HaproxyBox
    with HaproxyBox(backends=1) as lab_box:
        yield lab_box


def test_every_subcommand_with_a_real_haproxy_device(server, box, tmp_path):
    cli = Cli(server.url + "/t4")
    body = box.api_device_body()
    extra = [arg for key, value in sorted(box.device_extra().items())
             for arg in ("--extra", "%s=%s" % (key, value))]
    device = cli.json("device-create", "--name", "box", "--type", "HAPROXY", "--ip",
                      body["ip"], "--port", body["port"], "--user", body["user"],
                      "--password=" + body["password"], *extra)   # it may begin with "-"
    ports = (box.free_vip_port(80), box.free_vip_port(8080))
    address, node_port, name = box.backend_nodes()[0]
    served = []

    def serving(lb):
        # the VIP moved to its second port, and the node behind it answers
        served.append((lb["id"] in box.read_config(), box.get(box.vip_url(ports[1]))[:2]))

    lb = every_subcommand(cli, device, box.ip, ports, (address, node_port), tmp_path,
                          serving, cli_tenant_steps.BoxEffects(box, ports[1]))
    assert cli.used == set(registry.COMMANDS)
    assert served == [(True, (200, name + "\n"))] or served == [(True, (200, name))], served
    # deleted: the box keeps only the operator's own sections
    assert lb["id"] not in box.read_config() and cli.json("lb-list") == []


def test_table_and_value_output(cli, noop):
    out, _err = cli.ok("device-list")
    assert "| id " in out and noop["id"] in out and out.startswith("+")
    out, _err = cli.ok("device-show", noop["id"], "-f", "value", "-c", "type")
    assert out.strip() == noop["type"]
    out, _err = cli.ok("device-show", noop["id"], "-f", "yaml")
    assert "name: " in out and noop["id"] in out


def test_server_errors_are_printed_and_exit_non_zero(cli, noop):
    missing = "0123456789abcdef0123456789abcdef"
    assert "load balancer %s not found" % missing in cli.fails("lb-show", missing)
    # DELETE's error too (the original client printed nothing)
    assert "404" in cli.fails("lb-delete", missing)
    lb = cli.json("lb-create", "--name", "busy", "--device-id", noop["id"])
    err = cli.fails("device-delete", noop["id"])
    assert "409" in err and lb["id"] in err
    err = cli.fails("node-create", "--address", "10.0.1.1", "--port", "eighty", lb["id"])
    assert "400" in err and "nodes.0.port" in err
    err = cli.fails("lb-update", lb["id"])
    assert "no arguments" in err
    cli.ok("lb-delete", lb["id"])


def test_tenant_feature_bad_input_is_a_clear_error_that_changes_nothing(cli, noop,
                                                                         tmp_path):
    lb = cli.json("lb-create", "--name", "guarded", "--device-id", noop["id"])
    cli_tenant_steps.refuse_bad_input(cli, lb["id"], tmp_path)
    cli.ok("lb-delete", lb["id"], "--wait")


def test_no_endpoint_is_a_clear_error():
    code, _out, err = cli_runner.balancer("lb-list")
    assert code != 0 and "--endpoint" in err


def test_wait_on_a_slow_device_shows_progress_until_active(cli):
    slow = cli.json("device-create", "--name", "slow", "--type", "noop", "--ip",
                    "10.2.2.2", "--extra", "noop_delay=3")
    code, out, err = cli.run("lb-create", "--name", "slowlb", "--device-id", slow["id"],
                             "--wait", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["status"] == "ACTIVE"
    # the answer came while it was BUILD; the indicator saw it become ACTIVE
    assert "BUILD" in err and err.rstrip().endswith("ACTIVE"), err
    lb_id = json.loads(out)["id"]
    code, out, err = cli.run("lb-delete", lb_id, "--wait")
    assert code == 0 and "deleted" in err, err
    cli.ok("device-delete", slow["id"])


def test_wait_exits_non_zero_when_the_lb_ends_in_error(cli):
    bad = cli.json("device-create", "--name", "bad", "--type", "noop", "--ip", "10.3.3.3",
                   "--extra", "noop_delay=2", "--extra", "noop_fail=the box said no")
    code, _out, err = cli.run("lb-create", "--name", "doomed", "--device-id", bad["id"],
                              "--wait")
    assert code == 1, err
    assert "BUILD" in err and "ERROR" in err and "the box said no" in err
    lb_id = [r["id"] for r in cli.json("lb-list") if r["name"] == "doomed"][0]
    # without --wait the request itself succeeded: exit 0, status shown
    code, out, err = cli.run("lb-show", lb_id, "-f", "value", "-c", "status")
    assert (code, out.strip()) == (0, "ERROR")
    cli.ok("lb-delete", lb_id, "--wait")
    cli.ok("device-delete", bad["id"])


def test_library_errors_carry_the_servers_json(server, noop):
    api = Client(endpoint=server.url, tenant_id="t2")
    with pytest.raises(NotFound) as err:
        api.load_balancers.get("nope")
    assert err.value.status == 404 and err.value.error["code"] == 404
    assert "nope" in err.value.message
    with pytest.raises(BadRequest) as err:
        api.load_balancers.create("x", nodes=[{"address": "10.0.0.1", "port": 0}])
    assert err.value.field == "nodes.0.port"
    lb = api.load_balancers.create("lib", device_id=noop["id"],
                                   virtualIps=[{"address": "10.0.9.9", "port": "9090"}])
    assert api.wait_for(lb["id"], timeout=30)["status"] == "ACTIVE"
    other = api.load_balancers.create("lib2", device_id=noop["id"])
    with pytest.raises(Conflict) as err:
        api.vips.create(other["id"], "10.0.9.9", 9090)
    assert err.value.status == 409 and "already used" in err.value.message
    # tenant isolation through the library: t1 cannot see t2's load balancer
    assert lb["id"] not in [r["id"] for r in Client(endpoint=server.url + "/t1")
                            .load_balancers.list()]
    for lb_id in (lb["id"], other["id"]):
        api.load_balancers.delete(lb_id)
        assert api.wait_for(lb_id, timeout=30, gone=True) is None
    with pytest.raises(WaitFailed):
        bad = api.devices.create(name="libbad", type="noop", ip="10.4.4.4",
                                 noop_fail="refused")
        api.wait_for(api.load_balancers.create("libbad", device_id=bad["id"])["id"])
