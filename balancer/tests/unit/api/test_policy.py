"""The default policy, the operator's override file, and the shipped sample."""

import os

import pytest
from oslo_config import cfg
from oslo_policy import generator

from balancer import conf as balancer_conf
from balancer.api import policy
from balancer.api.middleware import context
from balancer.core import exceptions
from balancer.tests.conftest import TOP


def ctx(project="A", roles=("member", "reader")):
    return context.RequestContext(user_id="u-" + str(project), project_id=project,
                                  roles=list(roles))


def conf_from(tmp_path, text=""):
    """A ConfigOpts parsed from a real balancer-api.conf, as the server does."""
    path = tmp_path / "balancer-api.conf"
    path.write_text(text)
    conf = balancer_conf.make_conf()
    conf(["--config-file", str(path)], project="balancer", default_config_files=[])
    return conf


def allowed(authorizer, context_, rule, tenant=None):
    try:
        authorizer.authorize(context_, rule, tenant)
    except exceptions.Forbidden:
        return False
    return True


@pytest.fixture
def authorizer(tmp_path):
    return policy.Authorizer(conf_from(tmp_path))


def test_member_reaches_its_own_project_only(authorizer):
    assert allowed(authorizer, ctx("A"), "balancer:loadbalancer", "A")
    assert not allowed(authorizer, ctx("A"), "balancer:loadbalancer", "B")


def test_admin_reaches_every_project_and_devices(authorizer):
    admin = ctx("admin", roles=["Admin", "member"])      # role names are case-blind
    assert allowed(authorizer, admin, "balancer:loadbalancer", "B")
    assert allowed(authorizer, admin, "balancer:device")


def test_member_is_refused_devices_but_reads_capabilities(authorizer):
    with pytest.raises(exceptions.Forbidden) as err:
        authorizer.authorize(ctx("A"), "balancer:device")
    assert err.value.code == 403 and "balancer:device" in err.value.message
    assert allowed(authorizer, ctx("A"), "balancer:capabilities")


def test_noauth_context_is_an_admin(authorizer):
    devbox = context.noauth({})
    assert allowed(authorizer, devbox, "balancer:device")
    assert allowed(authorizer, devbox, "balancer:loadbalancer", "anything")


def test_owner_never_matches_without_a_tenant(tmp_path):
    """A token without a project must not 'own' a route without a tenant."""
    (tmp_path / "policy.yaml").write_text('"balancer:device": "rule:owner"\n')
    authorizer = policy.Authorizer(conf_from(tmp_path))
    assert not allowed(authorizer, ctx(None), "balancer:device")


def test_policy_yaml_beside_the_config_file_overrides_defaults(tmp_path):
    """The default ``policy_file`` is found next to balancer-api.conf."""
    (tmp_path / "policy.yaml").write_text('"balancer:capabilities": "role:admin"\n')
    authorizer = policy.Authorizer(conf_from(tmp_path))
    assert not allowed(authorizer, ctx("A"), "balancer:capabilities")
    assert allowed(authorizer, ctx("A"), "balancer:loadbalancer", "A")   # untouched


def test_policy_file_option_in_the_service_config(tmp_path):
    rules = tmp_path / "rules" / "lb-policy.yaml"
    rules.parent.mkdir()
    rules.write_text('"balancer:device": "role:admin or role:lb_operator"\n')
    conf = conf_from(tmp_path, "[oslo_policy]\npolicy_file = %s\n" % rules)
    authorizer = policy.Authorizer(conf)
    assert conf.oslo_policy.policy_file == str(rules)
    assert allowed(authorizer, ctx("A", roles=["lb_operator"]), "balancer:device")
    assert not allowed(authorizer, ctx("A"), "balancer:device")


def test_policy_file_changes_apply_without_restart(tmp_path):
    rules = tmp_path / "policy.yaml"
    rules.write_text("{}\n")
    authorizer = policy.Authorizer(conf_from(tmp_path), recheck_interval=0)
    assert allowed(authorizer, ctx("A"), "balancer:capabilities")
    rules.write_text('"balancer:capabilities": "!"\n')
    later = rules.stat().st_mtime + 10       # a newer mtime even within one second
    os.utime(rules, (later, later))
    assert not allowed(authorizer, ctx("A"), "balancer:capabilities")


def test_enforcer_never_touches_the_global_config(tmp_path):
    policy.Authorizer(conf_from(tmp_path))
    assert "oslo_policy" not in cfg.CONF


def test_shipped_sample_matches_the_rules_in_code(tmp_path):
    out = tmp_path / "policy.yaml.sample"
    generator.generate_sample(["--namespace", "balancer", "--output-file", str(out)],
                              conf=cfg.ConfigOpts())
    with open(os.path.join(TOP, "etc", "policy.yaml.sample")) as f:
        assert out.read_text() == f.read(), \
            "regenerate: oslopolicy-sample-generator --namespace balancer " \
            "--output-file etc/policy.yaml.sample"
