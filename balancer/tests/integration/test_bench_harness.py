"""The benchmark harness (tools/bench/) runs end to end on a tiny size.

Benchmarks are not tests: nothing here checks a figure against a goal, only
that every scenario runs, cleans up after itself, and writes its JSON.
Scenarios needing a real HAProxy box are reported as skipped where the
machine cannot build one; Octavia is compared only when its venv is cached.
"""

import json
import os
import subprocess
import sys

from balancer.tests.conftest import TOP

RUN = os.path.join(TOP, "tools", "bench", "run.py")


def test_bench_runs_tiny(tmp_path):
    out = tmp_path / "tiny.json"
    done = subprocess.run([sys.executable, RUN, "--tiny", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["mode"] == "tiny"
    assert "scenario" in done.stdout and "verdict" in done.stdout     # the table
    api = results["api_vs_octavia"]["results"]["balancer"]
    for label in ("list_0", "list_100", "show", "create"):
        assert api[label]["requests"] > 0 and api[label]["errors"] == 0
    for name in ("provision", "group_commit", "hitless", "scale", "multi_process"):
        assert name in results or name in results["skipped"]
    if "multi_process" in results:
        sizes = results["multi_process"]["sizes"]
        assert [s["processes"] for s in sizes] == [1, 2]
        assert all(s["balancer"]["requests"] > 0 and s["balancer"]["errors"] == 0
                   for s in sizes)
    if "hitless" in results:
        assert results["hitless"]["requests"] > 0
    if "scale" in results:
        assert [s["lbs"] for s in results["scale"]["sizes"]] == [1, 10]
