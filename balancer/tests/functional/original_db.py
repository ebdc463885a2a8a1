"""A ``balancer.sqlite`` exactly as the 2012 original's ``--dbsync`` left it.

The DDL is what SQLAlchemy 0.7 emitted for migration 001_Add_initial_tables
on SQLite, and ``migrate_version`` is sqlalchemy-migrate's bookkeeping table.
The rows carry the original's quirks: JSON text in ``extra`` (or ``null``),
ports as strings, ``deployed`` as "True"/"1", an LB with no status or device
left by a failed create, datetimes in SQLAlchemy 0.7's text format.
"""

import json
import sqlite3


def _table(name, *columns, fks=()):
    lines = ["\tid VARCHAR(32) NOT NULL"] + ["\t%s" % c for c in columns]
    lines.append("\tPRIMARY KEY (id)")
    lines += ["\tFOREIGN KEY(%s) REFERENCES %s" % fk for fk in fks]
    return "\nCREATE TABLE %s (\n%s\n)\n\n" % (name, ", \n".join(lines))


_CHILD = ("sf_id VARCHAR(32)", "name VARCHAR(255)", "type VARCHAR(255)",
          "deployed VARCHAR(40)", "extra TEXT")
_FARM_FK = (("sf_id", "serverfarm (id)"),)

DDL = [
    _table("device", "name VARCHAR(255)", "type VARCHAR(255)", "version VARCHAR(255)",
           "ip VARCHAR(255)", "port INTEGER", "user VARCHAR(255)",
           "password VARCHAR(255)", "extra TEXT"),
    _table("loadbalancer", "device_id VARCHAR(32)", "name VARCHAR(255)",
           "algorithm VARCHAR(255)", "protocol VARCHAR(255)", "status VARCHAR(255)",
           "tenant_id VARCHAR(255)", "created_at DATETIME NOT NULL",
           "updated_at DATETIME NOT NULL", "deployed VARCHAR(40)", "extra TEXT",
           fks=[("device_id", "device (id)")]),
    _table("serverfarm", "lb_id VARCHAR(32)", "name VARCHAR(255)", "type VARCHAR(255)",
           "status VARCHAR(255)", "deployed VARCHAR(40)", "extra TEXT",
           fks=[("lb_id", "loadbalancer (id)")]),
    _table("virtualserver", "sf_id VARCHAR(32)", "lb_id VARCHAR(32)", "name VARCHAR(255)",
           "address VARCHAR(255)", "mask VARCHAR(255)", "port VARCHAR(255)",
           "status VARCHAR(255)", "deployed VARCHAR(40)", "extra TEXT",
           fks=[("sf_id", "serverfarm (id)"), ("lb_id", "loadbalancer (id)")]),
    _table("server", "sf_id VARCHAR(32)", "name VARCHAR(255)", "type VARCHAR(255)",
           "address VARCHAR(255)", "port VARCHAR(255)", "weight INTEGER",
           "status VARCHAR(255)", "parent_id INTEGER", "deployed VARCHAR(40)",
           "vm_id INTEGER", "extra TEXT", fks=_FARM_FK),
    _table("probe", *_CHILD, fks=_FARM_FK),
    _table("sticky", *_CHILD, fks=_FARM_FK),
    _table("predictor", "sf_id VARCHAR(32)", "type VARCHAR(255)", "deployed VARCHAR(40)",
           "extra TEXT", fks=_FARM_FK),
    "\nCREATE TABLE migrate_version (\n\trepository_id VARCHAR(250) NOT NULL, \n"
    "\trepository_path TEXT, \n\tversion INTEGER, \n\tPRIMARY KEY (repository_id)\n)\n\n",
]

DEVICE = "d" * 32
LB, ORPHAN = "a" * 32, "b" * 32
FARM, ORPHAN_FARM = "f" * 32, "e" * 32
NODES = ("1" * 32, "2" * 32)
STAMP = "2012-09-28 14:03:07.123456"

ROWS = {
    "device": [(DEVICE, "HAP-001", "dummy", "1", "192.168.19.245", "22", "user", "swordfish",
                json.dumps({"supports_ipv6": 0, "requires_vip_ip": 1,
                            "capabilities": {"algorithms": ["RoundRobin"],
                                             "protocols": ["TCP", "HTTP"]}}))],
    "loadbalancer": [
        (LB, DEVICE, "testLB001", "RoundRobin", "HTTP", "ACTIVE", "foo", STAMP, STAMP, "1",
         json.dumps({"transport": "TCP"})),
        (ORPHAN, None, "failed", "Foo", "HTTP", None, "foo", STAMP, STAMP, None, "null")],
    "serverfarm": [(FARM, LB, None, None, None, "True", "null"),
                   (ORPHAN_FARM, ORPHAN, None, None, None, None, None)],
    "predictor": [("c" * 32, FARM, "RoundRobin", "True", "null")],
    "virtualserver": [("9" * 32, FARM, LB, None, "10.9.9.9", "255.255.255.255", "80", None,
                       "True", json.dumps({"ipVersion": "IPv4", "type": "PUBLIC",
                                           "protocol": "HTTP", "ICMPreply": "True"}))],
    "server": [(NODES[0], FARM, None, "host", "127.0.0.1", "8001", 1, "INSERVICE", None,
                "True", 42, json.dumps({"condition": "ENABLED", "minCon": "100",
                                        "maxCon": "1000", "rateBandwidth": "12"})),
               (NODES[1], FARM, "n2", "host", "127.0.0.1", "8002", 2, "OUTOFSERVICE", None,
                "False", None, json.dumps({"condition": "DISABLED"}))],
    "probe": [("3" * 32, FARM, None, "ICMP", "True",
               json.dumps({"delay": "15", "attemptsBeforeDeactivation": "6",
                           "timeout": "20"})),
              ("4" * 32, FARM, None, "HTTP", "True",
               json.dumps({"delay": "30", "timeout": "30", "method": "GET", "path": "/",
                           "expected": "200-204", "attemptsBeforeDeactivation": "5"}))],
    "sticky": [("5" * 32, FARM, "st1", "HTTP_COOKIE", "True", json.dumps({"cookieName": "SID"}))],
    "migrate_version": [("balancer", "/usr/lib/python2.7/dist-packages/balancer/db/migrate_repo",
                         1)],
}
COLUMNS = {
    "device": "id, name, type, version, ip, port, user, password, extra",
    "loadbalancer": "id, device_id, name, algorithm, protocol, status, tenant_id, "
                    "created_at, updated_at, deployed, extra",
    "serverfarm": "id, lb_id, name, type, status, deployed, extra",
    "predictor": "id, sf_id, type, deployed, extra",
    "virtualserver": "id, sf_id, lb_id, name, address, mask, port, status, deployed, extra",
    "server": "id, sf_id, name, type, address, port, weight, status, parent_id, deployed, "
              "vm_id, extra",
    "probe": "id, sf_id, name, type, deployed, extra",
    "sticky": "id, sf_id, name, type, deployed, extra",
}


def build(path):
    """Write the original-schema database with its rows to ``path``."""
    with sqlite3.connect(path) as conn:
        for statement in DDL:
            conn.execute(statement)
        for table, rows in ROWS.items():
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany("INSERT INTO %s VALUES (%s)" % (table, marks), rows)
    conn.close()


def dump(path):
    """Every original column of every original row, for before/after checks."""
    with sqlite3.connect(path) as conn:
        out = {table: conn.execute("SELECT %s FROM %s ORDER BY id" % (columns, table)).fetchall()
               for table, columns in COLUMNS.items()}
    conn.close()
    return out
