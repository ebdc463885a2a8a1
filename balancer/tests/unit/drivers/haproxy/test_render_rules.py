"""Renderer rules that golden files do not show well: refusals and markers."""

import dataclasses

import pytest

from balancer.drivers.base import DriverError, Monitor, Node, Sticky
from balancer.drivers.haproxy import render, sections

from . import cases

EVIL = ["a\nserver x 1.2.3.4:80", "a\rb", "a#b", "a b", "a\x00b", "a\tb", 'a"b', "a\\b",
        "\n    option httpchk"]


def _with(lb, **changes):
    return dataclasses.replace(lb, **changes)


def _swap_first(items, **changes):
    return (dataclasses.replace(items[0], **changes),) + tuple(items[1:])


def _injections():
    base = cases.lb(monitors=cases.SEED_MONITORS,
                    stickies=(Sticky(id="s", type="APP_COOKIE", cookie_name="J"),))
    for evil in EVIL:
        yield "lb.id", _with(base, id=evil)
        yield "lb.algorithm", _with(base, algorithm=evil)
        yield "lb.protocol", _with(base, protocol=evil)
        for field in ("id", "address", "port", "protocol"):
            yield "vip." + field, _with(base, vips=_swap_first(base.vips, **{field: evil}))
        for field in ("id", "address", "port", "weight", "condition", "max_con", "min_con"):
            yield "node." + field, _with(base, nodes=_swap_first(base.nodes, **{field: evil}))
        for field in ("type", "delay", "timeout", "attempts", "method", "path", "expected"):
            changed = dataclasses.replace(base.monitors[1], **{field: evil})
            yield "monitor." + field, _with(base, monitors=(base.monitors[0], changed))
        for field in ("type", "cookie_name"):
            stickies = _swap_first(base.stickies, **{field: evil})
            yield "sticky." + field, _with(base, stickies=stickies)


@pytest.mark.parametrize("field,lb", list(_injections()))
def test_every_string_field_refuses_injection(field, lb):
    with pytest.raises(DriverError) as caught:
        render.render(cases.BASE, [lb])
    assert caught.value.lb_ids


def test_name_never_reaches_config_except_as_comment():
    text = render.render(cases.BASE, [cases.lb(name="x\nserver evil 6.6.6.6:80")])
    assert not any(line.lstrip().startswith("server evil") for line in text.splitlines())
    lines = [line for line in text.splitlines() if "evil" in line]
    assert lines and all(line.lstrip().startswith("#") for line in lines)


def test_vip_conflict_names_both_load_balancers():
    one = cases.lb("lb1", vip=("10.0.0.1", 80))
    two = cases.lb("lb2", vip=("10.0.0.1", 80))
    with pytest.raises(DriverError) as caught:
        render.render(cases.BASE, [two, one])
    assert caught.value.lb_ids == ("lb1", "lb2")
    operator = caught.value.operator_fault_string
    assert "lb1" in operator and "lb2" in operator


def test_wildcard_vip_conflicts_with_specific_address_on_same_port():
    with pytest.raises(DriverError):
        render.render(cases.BASE, [cases.lb("a", vip=("0.0.0.0", 80)),
                                   cases.lb("b", vip=("10.0.0.1", 80))])
    render.render(cases.BASE, [cases.lb("a", vip=("0.0.0.0", 80)),
                               cases.lb("b", vip=("10.0.0.1", 81))])


def test_cookie_persistence_on_tcp_is_refused():
    lb = cases.lb(protocol="TCP", stickies=(Sticky(id="s", type="HTTP_COOKIE"),))
    with pytest.raises(DriverError, match="needs protocol HTTP"):
        render.render(cases.BASE, [lb])


def test_backwards_code_range_is_refused():
    lb = cases.lb(monitors=(Monitor(id="m", type="HTTP", expected="204-200"),))
    with pytest.raises(DriverError):
        render.render(cases.BASE, [lb])


def test_expected_codes_tolerate_spaces_after_commas():
    lb = cases.lb(monitors=(Monitor(id="m", type="HTTP", expected="200, 202"),))
    assert "http-check expect status 200,202\n" in render.render(cases.BASE, [lb])


def test_string_numbers_from_the_seed_are_accepted():
    lb = cases.lb(node_list=(Node(id="n", address="127.0.0.1", port="8001", weight="3"),))
    assert "server n 127.0.0.1:8001 weight 3\n" in render.render(cases.BASE, [lb])


def test_foreign_section_with_our_name_but_no_marker_is_kept():
    foreign = cases.BASE + "\nbackend balancer-lb-lb1x\n    server a 127.0.0.1:1\n"
    text = render.render(foreign, [cases.lb()])
    assert sections.foreign_text(text) == foreign
    assert sections.our_section_names(text) == ["balancer-vip-vip-lb1", "balancer-lb-lb1"]


def test_marker_without_our_header_is_foreign():
    foreign = cases.BASE + "\n# managed by balancer\nbackend other\n    server a 127.0.0.1:1\n"
    assert sections.foreign_text(render.render(foreign, [cases.lb()])) == foreign


def test_missing_trailing_newline_is_completed_once():
    foreign = cases.BASE.rstrip("\n")
    once = render.render(foreign, [cases.lb()])
    assert once.startswith(foreign + "\n\n# managed by balancer\n")
    assert render.render(once, [cases.lb()]) == once


def test_stale_sections_are_dropped():
    text = render.render(cases.BASE, [cases.lb("lb1"), cases.lb("lb2", vip=("10.0.0.2", 80))])
    text = render.render(text, [cases.lb("lb2", vip=("10.0.0.2", 80))])
    assert "balancer-lb-lb1" not in text and "balancer-lb-lb2" in text


def test_section_at_line_and_socket_detection():
    text = render.render(cases.BASE, [cases.lb()])
    number = text.splitlines().index("    balance roundrobin") + 1
    assert sections.section_at_line(text, number) == "balancer-lb-lb1"
    assert sections.stats_socket_exposes_listeners(text, "/var/run/haproxy/admin.sock")
    assert not sections.stats_socket_exposes_listeners(text, "/other.sock")


def test_foreign_binds_ignore_ours():
    text = render.render(cases.BASE, [cases.lb(vip=("10.0.0.7", 80))])
    assert sections.foreign_binds(text) == {"127.0.0.1"}
