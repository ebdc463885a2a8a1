"""What the renderer refuses or leaves out for TLS, access lists and
throttles: the last line of defence behind the API's checks, naming only
the load balancer at fault."""

import pytest

from balancer.drivers.base import AccessItem, DriverError, Throttle, Tls, Vip
from balancer.drivers.haproxy import faults, render

from . import cases, cases_tenant


def _with(lb, **fields):
    return lb.__class__(**dict(lb.__dict__, **fields))


def _refused(lbs):
    with pytest.raises(DriverError) as caught:
        render.render(cases.BASE, lbs)
    return caught.value


def test_an_https_vip_without_a_certificate_is_refused():
    lb = _with(cases.lb(), vips=(Vip(id="v", address="10.9.9.9", port=443,
                                     protocol="HTTPS"),))
    err = _refused([lb])
    assert err.lb_ids == ("lb1",) and "without a certificate" in str(err)


@pytest.mark.parametrize("tls, words", [
    (Tls(certificates=(cases_tenant.placeholder("a"),), ciphers="HIGH ciphers"),
     "cipher list"),
    (Tls(certificates=(cases_tenant.placeholder("a"),), min_version="TLSv1.0"),
     "TLS version"),
    (Tls(certificates=(cases_tenant.placeholder("a"),), redirect_port=443),
     "HTTPS port itself"),
])
def test_bad_tls_settings_are_refused(tls, words):
    err = _refused([cases_tenant.https_lb(tls)])
    assert err.lb_ids == ("lb1",) and words in str(err)


def test_a_redirect_listener_conflicts_like_a_vip_and_names_no_one_else():
    https = cases_tenant.https_lb(Tls(certificates=(cases_tenant.placeholder("a"),),
                                      redirect_port=80), lb_id="lb2")
    err = _refused([cases.lb(vip=("10.9.9.9", 80)), https])
    assert set(err.lb_ids) == {"lb1", "lb2"}
    assert "lb1" not in err.user_fault_string and "lb2" not in err.user_fault_string


def test_a_redirect_listener_belongs_to_its_load_balancer_in_faults():
    https = cases_tenant.https_lb(Tls(certificates=(cases_tenant.placeholder("a"),),
                                      redirect_port=80))
    assert faults.owners(["balancer-vip-vip-lb1-redirect"], [cases.lb("lb0"), https]) == (
        "lb1",)


@pytest.mark.parametrize("item", [
    AccessItem(id="a", address="10.0.0.0/8 #", type="DENY"),
    AccessItem(id="a", address="not-a-network", type="DENY"),
    AccessItem(id="a", address="10.0.0.0/8", type="MAYBE"),
])
def test_bad_access_items_are_refused(item):
    err = _refused([_with(cases.lb(), access_list=(item,))])
    assert err.lb_ids == ("lb1",)


def test_an_allow_only_list_and_an_empty_throttle_render_no_rule():
    lb = _with(cases.lb(), access_list=(AccessItem(id="a", address="10.0.0.0/8",
                                                   type="ALLOW"),),
               throttle=Throttle(max_connections=0, max_connection_rate=None))
    text = render.render(cases.BASE, [lb])
    assert "tcp-request" not in text and "stick-table" not in text


def test_throttle_numbers_are_bounded():
    lb = _with(cases.lb(), throttle=Throttle(max_connections="9; reboot"))
    assert _refused([lb]).lb_ids == ("lb1",)
