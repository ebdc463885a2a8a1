"""The service's own counters: requests per route and status, deploys per outcome.

Each ``Service`` owns one ``ServiceMetrics`` with its own prometheus-client
registry (no process-global registry for tests to reset).  ``GET /metrics``
(balancer/api/metrics.py) shows them beside the live figures of every load
balancer.

Several processes (``workers = N``, gunicorn, uWSGI): each process counts
its own requests and deploys, and a scrape reaches only one of them, so the
counters use prometheus-client's multiprocess mode whenever
``PROMETHEUS_MULTIPROC_DIR`` names a directory: every process writes its
figures there and any process's ``/metrics`` adds up all of them.
``balancer-api`` with ``workers = N`` sets it to a new directory of its own
(balancer/cmd/api.py); under gunicorn or uWSGI the operator sets it, to an
empty directory, before the server starts.  See doc/source/metrics.rst.
"""

import contextlib
import glob
import os
import shutil
import tempfile
import time

import prometheus_client
from prometheus_client import multiprocess, values

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: deploy outcomes: everything went live; some load balancers were refused
#: and the rest went live; nothing went live; another process held the
#: device's lock for too long, nothing was tried
SUCCESS, PARTIAL, FAILED, LOCK_TIMEOUT = "success", "partial", "failed", "lock_timeout"
#: seconds; a request answers in milliseconds, a deploy in a second or more
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0, 30.0)
DEPLOY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def multiprocess_dir():
    """The directory of multiprocess mode, or None for one process."""
    return os.environ.get(MULTIPROC_ENV) or None


def _use_multiprocess_values():
    """prometheus-client picks how values are kept when it is first imported;
    ``balancer-api`` may set the directory later (it reads its config
    first), so pick again before any metric is made."""
    if multiprocess_dir() and values.ValueClass is values.MutexValue:
        values.ValueClass = values.get_value_class()


@contextlib.contextmanager
def several_processes():
    """Multiprocess mode for the processes forked inside: the operator's
    ``PROMETHEUS_MULTIPROC_DIR`` emptied of an earlier run's files, or a
    directory of this run's own, removed at the end."""
    directory = multiprocess_dir()
    if directory:
        for leftover in glob.glob(os.path.join(directory, "*.db")):
            os.unlink(leftover)
        yield directory
        return
    directory = tempfile.mkdtemp(prefix="balancer-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def deploy_outcome(outcome):
    """One of the outcome words for a ``balancer.core.isolation.Outcome``."""
    if outcome.failure is not None or (outcome.live is None and outcome.carried):
        return FAILED
    if outcome.rejected or outcome.untried:
        return PARTIAL
    return SUCCESS


class ServiceMetrics:
    def __init__(self):
        _use_multiprocess_values()
        self.registry = prometheus_client.CollectorRegistry(auto_describe=True)
        self.requests = prometheus_client.Counter(
            "balancer_api_requests", "API requests answered, by route and status code.",
            ("method", "route", "code"), registry=self.registry)
        self.request_seconds = prometheus_client.Histogram(
            "balancer_api_request_duration_seconds", "Time to answer an API request.",
            ("method", "route"), buckets=REQUEST_BUCKETS, registry=self.registry)
        self.deploys = prometheus_client.Counter(
            "balancer_deploys", "Deploys to devices, by outcome (success, partial, "
            "failed, lock_timeout).", ("outcome",), registry=self.registry)
        self.deploy_seconds = prometheus_client.Histogram(
            "balancer_deploy_duration_seconds", "Time of one deploy to a device, "
            "failure isolation included.", ("outcome",), buckets=DEPLOY_BUCKETS,
            registry=self.registry)
        self._request_children = {}
        for outcome in (SUCCESS, PARTIAL, FAILED, LOCK_TIMEOUT):
            self.deploys.labels(outcome)       # every outcome shows, 0 included

    def answered(self, method, route, code, seconds):
        # labels() validates and locks on every call; the children of one
        # (method, route, code) never change, so each is looked up once
        # (routes, methods and codes are few: the dict stays small)
        key = (method, route, code)
        children = self._request_children.get(key)
        if children is None:
            children = (self.requests.labels(method, route, str(code)),
                        self.request_seconds.labels(method, route))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def deployed(self, outcome, seconds):
        self.deploys.labels(outcome).inc()
        self.deploy_seconds.labels(outcome).observe(seconds)

    def collecting_registry(self):
        """The registry a scrape reads: this process's, or in multiprocess
        mode one that adds up every process's files."""
        directory = multiprocess_dir()
        if not directory:
            return self.registry
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        return registry

    def deploy_counts(self):
        """{outcome: (deploys, seconds spent)} as this scrape would show them,
        for readers that want numbers rather than the text format."""
        out = {}
        for family in self.collecting_registry().collect():
            if family.name not in ("balancer_deploys", "balancer_deploy_duration_seconds"):
                continue
            for sample in family.samples:
                outcome = sample.labels.get("outcome")
                count, seconds = out.get(outcome, (0, 0.0))
                if sample.name == "balancer_deploys_total":
                    count = int(sample.value)
                elif sample.name == "balancer_deploy_duration_seconds_sum":
                    seconds = sample.value
                else:
                    continue
                out[outcome] = (count, seconds)
        return out


class Stopwatch:
    def __init__(self):
        self.started = time.monotonic()

    def seconds(self):
        return time.monotonic() - self.started
