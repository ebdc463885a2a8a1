"""Helpers for driving the deploy engine through the API from many threads."""

import json
import threading

import webob


def call(wsgi, method, path, body=None):
    """One request straight into the WSGI app (thread-safe, unlike webtest)."""
    req = webob.Request.blank(path, method=method)
    if body is not None:
        req.content_type = "application/json"
        req.body = json.dumps(body).encode()
    resp = req.get_response(wsgi)
    return resp.status_int, (json.loads(resp.body) if resp.body else None)


def in_parallel(jobs):
    """Run every callable in its own thread, all released at once; results in order."""
    results = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(i, job):
        start.wait()
        try:
            results[i] = job()
        except Exception as err:  # reported, not swallowed
            results[i] = err
    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def small_lb(name, port, device_id=None):
    body = {"name": name, "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
            "virtualIps": [{"address": "127.0.0.1", "port": port}],
            "nodes": [{"address": "127.0.0.1", "port": 8001}]}
    if device_id:
        body["device_id"] = device_id
    return body
