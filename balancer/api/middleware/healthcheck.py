"""``GET /healthcheck``: oslo.middleware's healthcheck, asked before any
authentication (a load balancer in front of the API nodes has no token).

The ``database`` check (the default ``[healthcheck] backends``) answers 503
when the service's database does not answer or has no schema, so a node
that lost its database leaves the pool in front of it; oslo.middleware's
``disable_by_file`` check can be added to take a node out by hand.
"""

import sqlalchemy as sa
from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import pluginbase
from sqlalchemy import pool

from balancer.api import app as api_app

PATH = "/healthcheck"


class DatabaseCheck(pluginbase.HealthcheckBaseExtension):
    """Reads the schema version through a connection of its own: the
    answer must not depend on a pooled connection that is already open."""

    def __init__(self, oslo_conf, conf):
        super().__init__(oslo_conf, conf)
        self._engine = sa.create_engine(oslo_conf.database.connection,
                                        poolclass=pool.NullPool)

    def healthcheck(self, server_port):
        try:
            with self._engine.connect() as connection:
                connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        except Exception as err:
            return pluginbase.HealthcheckResult(
                available=False, reason="database unavailable",
                details=type(err).__name__)
        return pluginbase.HealthcheckResult(available=True, reason="database OK")


class HealthcheckFilter:
    def __init__(self, application, conf):
        self.application = application
        self.check = healthcheck.Healthcheck(None, conf)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH:
            return self.check(environ, start_response)
        return self.application(environ, start_response)


def filter_factory(global_conf, **local_conf):
    conf = api_app.conf_for(global_conf)

    def make(application):
        return HealthcheckFilter(application, conf)
    return make
