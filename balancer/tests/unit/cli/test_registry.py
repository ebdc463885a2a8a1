"""setup.cfg's entry points are the command table, and the command table is
the original client's: nothing drifts apart."""

import configparser
import os

from balancer.cli import registry
from balancer.tests.conftest import TOP

#: the 2012 client's subcommands (its README), all of which must exist
ORIGINAL = {"algorithms-list", "protocols-list", "device-create", "device-delete",
            "device-list", "device-show", "lb-create", "lb-delete", "lb-list", "lb-show",
            "lb-update", "node-create", "node-delete", "node-list", "node-show",
            "node-update", "probe-create", "probe-delete", "probe-list", "probe-show",
            "sticky-create", "sticky-delete", "sticky-list", "sticky-show", "vip-create",
            "vip-delete", "vip-list", "vip-show", "vip-update"}


def entry_points():
    parser = configparser.ConfigParser()
    parser.read(os.path.join(TOP, "setup.cfg"))
    return parser["options.entry_points"]


def test_osc_entry_points_match_the_command_table():
    lines = [line.strip() for line in entry_points()["openstack.balancer.v1"].splitlines()
             if line.strip()]
    assert lines == registry.osc_entry_points()


def test_console_script_and_plugin_are_declared():
    points = entry_points()
    assert "balancer = balancer.cli.shell:main" in points["console_scripts"]
    assert points["openstack.cli.extension"].strip() == "balancer = balancer.cli.osc_plugin"


def test_original_commands_and_the_new_ones_exist():
    assert ORIGINAL | {"device-update", "node-condition", "lb-details",
                       "lb-find-for-vm", "lb-stats", "limits-show", "limits-set",
                       "limits-reset", "access-list", "access-add", "access-delete",
                       "throttle-show", "throttle-set", "throttle-delete"} == set(
        registry.COMMANDS)


def test_every_command_class_loads_with_help():
    for name, target in registry.COMMANDS.items():
        command = registry.load(target)
        assert command.__doc__ and command.__doc__.strip(), name


def test_no_command_in_octavias_namespace():
    assert not [n for n in registry.osc_entry_points() if n.startswith("loadbalancer")]
