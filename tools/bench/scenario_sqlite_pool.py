#!/usr/bin/env python3
"""Why SQLite keeps a pooled engine of its own (balancer/db/session.py).

The same API (the real paste pipeline, noop driver, one SQLite file with a
device and five load balancers) answers ``GET /{tenant}/loadbalancers``,
alternately on balancer's SQLite engine (pooled) and on the engine oslo.db's
facade makes for an SQLite file (no pool: a new connection and its pragmas per
session).  Rounds alternate so that both see the same machine load; the
ratio is printed, measured in this run.

    .venv/bin/python tools/bench/scenario_sqlite_pool.py [--requests N] [--rounds N]
"""

import argparse
import pathlib
import tempfile
import time

from oslo_db.sqlalchemy import enginefacade

from balancer.db import session as db_session
from balancer.tests.conftest import make_conf
from balancer.tests.functional import conftest as functional
from balancer.tests.functional import helpers


def oslo_db_engine(conf):
    facade = enginefacade.transaction_context()
    facade.configure(**db_session.facade_options(conf.database))
    return facade.writer.get_engine(), facade.writer.get_sessionmaker()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        conf = make_conf(pathlib.Path(directory))
        api = functional.make_api(conf)
        try:
            api.add_device()
            for i in range(5):
                helpers.create_lb(api, name="lb%d" % i)
            engines = {"balancer (pooled)": (api.service.engine, api.service._sessions),
                       "oslo.db facade (no pool)": oslo_db_engine(conf)}
            rates = {name: [] for name in engines}
            for _ in range(args.rounds):
                for name, (engine, sessions) in engines.items():
                    api.service.engine, api.service._sessions = engine, sessions
                    started = time.perf_counter()
                    for _ in range(args.requests):
                        api.get("/t1/loadbalancers")
                    rates[name].append(args.requests / (time.perf_counter() - started))
        finally:
            api.service.close()
    for name, values in rates.items():
        print("%-26s %6.0f req/s (best of %d)" % (name, max(values), args.rounds))
    pooled, unpooled = (max(v) for v in rates.values())
    print("pooled / unpooled: %.2fx" % (pooled / unpooled))


if __name__ == "__main__":
    main()
