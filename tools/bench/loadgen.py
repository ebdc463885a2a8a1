"""Closed-loop HTTP load generator used for both APIs (stdlib only).

N threads, each with its own keep-alive connection, send the next request as
soon as the previous answer is read; after ``warmup`` seconds, ``duration``
seconds are recorded.  A server that closes the connection after each answer
(gunicorn's sync worker) costs the client a reconnect, which is part of what
that server's clients pay too.  Run as a separate process so that the client
does not share an interpreter lock with anything else:

    python loadgen.py '{"port": 8181, "method": "GET", "path": "/t/loadbalancers",
                        "concurrency": 8, "duration": 5, "warmup": 1}'

Templates: ``{n}`` in path or body is a counter (unique per request),
``{id}`` in the path cycles over ``ids``.  ``ports`` (a list) instead of
``port`` spreads the connections over several servers, thread i on
``ports[i % len(ports)]``, as a load balancer in front of N API nodes would.
Prints one JSON object.
"""

import http.client
import itertools
import json
import os
import sys
import threading
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import percentile  # noqa: E402


def run(spec):
    ports = spec.get("ports") or [spec["port"]]
    method, path_t = spec.get("method", "GET"), spec["path"]
    body_t = spec.get("body")
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    headers.update(spec.get("headers") or {})
    counter = itertools.count(int(spec.get("start", 1)))
    ids = itertools.cycle(spec["ids"]) if spec.get("ids") else None
    lock = threading.Lock()
    state = {"record": False, "stop": False}
    latencies, statuses, connects = [], {}, [0]

    def worker(port):
        conn, mine, codes, opened = None, [], {}, 0
        while not state["stop"]:
            n = str(next(counter))
            path = path_t.replace("{n}", n)
            if ids is not None:
                path = path.replace("{id}", next(ids))
            body = body_t.replace("{n}", n).encode() if body_t else None
            recording = state["record"]
            began = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    opened += recording
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                code = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as err:
                code = type(err).__name__
                if conn is not None:
                    conn.close()
                conn = None
            elapsed = time.perf_counter() - began
            if recording:
                mine.append(elapsed)
                codes[str(code)] = codes.get(str(code), 0) + 1
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count
            connects[0] += opened

    threads = [threading.Thread(target=worker, args=(ports[i % len(ports)],), daemon=True)
               for i in range(int(spec.get("concurrency", 1)))]
    for thread in threads:
        thread.start()
    time.sleep(float(spec.get("warmup", 1.0)))
    cpu0, began = os.times(), time.perf_counter()
    state["record"] = True
    time.sleep(float(spec.get("duration", 5.0)))
    state["stop"] = True
    for thread in threads:
        thread.join(120)
    elapsed = time.perf_counter() - began
    cpu1 = os.times()
    ok = sum(v for k, v in statuses.items() if k.isdigit() and int(k) < 400)
    ms = lambda v: None if v is None else round(v * 1000.0, 2)  # noqa: E731
    client_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {"method": method, "path": path_t, "concurrency": spec.get("concurrency", 1),
            "duration_s": round(elapsed, 2), "requests": len(latencies), "ok": ok,
            "errors": len(latencies) - ok, "statuses": statuses,
            "rps": round(len(latencies) / elapsed, 1) if elapsed else None,
            "p50_ms": ms(percentile(latencies, 0.5)), "p99_ms": ms(percentile(latencies, 0.99)),
            "max_ms": ms(max(latencies) if latencies else None), "connects": connects[0],
            "client_cpu_s": round(client_cpu, 2)}


def measure(spec, timeout=None):
    """Run the generator in a child process (the project's interpreter) and
    return its result."""
    import subprocess

    from harness import python
    limit = timeout or float(spec.get("duration", 5)) + float(spec.get("warmup", 1)) + 60
    done = subprocess.run([python(), os.path.abspath(__file__), json.dumps(spec)],
                          capture_output=True, text=True, timeout=limit, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
