"""``/metrics`` of ``balancer-api`` with ``workers = 2``: every scrape, whichever
worker answers it, counts the requests of both (prometheus-client's
multiprocess mode, balancer/core/metrics.py; doc/source/metrics.rst); and
the same under gunicorn with the operator's ``PROMETHEUS_MULTIPROC_DIR``."""

import concurrent.futures
import os
import subprocess
import urllib.request

import pytest
from prometheus_client import parser

from balancer.tests import lab_parts
from balancer.tests.integration.conftest import ServerProcess
from balancer.tests.integration.test_serving import BIN, children_of, wait_until, write_conf
from tools.bench import harness

REQUESTS = 60
ROUTE = frozenset({"method": "GET", "route": "/protocols", "code": "200"}.items())


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:       # a new connection each
        return answer.read()


def counted(server):
    text = get(server.url + "/metrics").decode()
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in parser.text_string_to_metric_families(text)
               for s in family.samples}
    return samples.get(("balancer_api_requests_total", ROUTE), 0)


@pytest.fixture(params=["own-directory", "operator-directory"])
def server(request, tmp_path, monkeypatch):
    """balancer-api with two workers; the operator's PROMETHEUS_MULTIPROC_DIR
    (with a stale file of an earlier run in it) or none."""
    directory = None
    if request.param == "operator-directory":
        directory = tmp_path / "metrics"
        directory.mkdir()
        (directory / "counter_1.db").write_bytes(b"stale")
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    else:
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    process = ServerProcess(str(tmp_path), workers=2, deploy__reconcile_interval=0)
    process.dbsync()
    process.start()
    try:
        yield process, directory
    finally:
        process.stop()


def test_every_scrape_counts_every_workers_requests(server):
    process, directory = server
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _i: get(process.url + "/protocols"), range(REQUESTS)))
    # several scrapes, answered by whichever worker accepts each: all agree
    assert [counted(process) for _ in range(6)] == [REQUESTS] * 6
    if directory is not None:
        files = sorted(os.listdir(directory))
        assert "counter_1.db" not in files                # the earlier run's file is gone
        pids = {name.rsplit("_", 1)[1] for name in files if name.startswith("counter_")}
        assert len(pids) >= 2, files                      # more than one process counted


@pytest.fixture
def started():
    """Processes this test started; each is stopped by its own pid."""
    procs = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            lab_parts.end_process(proc.pid, grace=10)


def test_gunicorn_workers_count_together_in_the_operators_directory(tmp_path, started):
    """What doc/source/metrics.rst tells an operator to do under gunicorn."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    port = harness.free_port()
    env = dict(os.environ, BALANCER_CONFIG_FILES=write_conf(str(tmp_path), port),
               PROMETHEUS_MULTIPROC_DIR=str(directory))
    gunicorn = subprocess.Popen(
        [os.path.join(BIN, "gunicorn"), "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "balancer.api.wsgi:application"],
        env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(gunicorn)
    wait_until(lambda: harness.get_once("127.0.0.1", port, "/healthcheck") == 200, 30,
               "gunicorn answering /healthcheck")
    assert len(children_of(gunicorn.pid)) == 2
    url = "http://127.0.0.1:%d" % port

    def counting_processes():
        return {name.rsplit("_", 1)[1] for name in os.listdir(directory)
                if name.startswith("counter_")}

    # which worker accepts a connection is the kernel's choice: send batches
    # until both have counted some (bounded), then every request must be in
    # the one total whichever worker answers the scrape
    sent = 0
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for _batch in range(10):
            list(pool.map(lambda _i: get(url + "/protocols"), range(REQUESTS)))
            sent += REQUESTS
            if len(counting_processes()) >= 2:
                break
    assert len(counting_processes()) >= 2, "one worker answered %d requests" % sent
    server = type("Server", (), {"url": url})
    assert [counted(server) for _ in range(6)] == [sent] * 6
