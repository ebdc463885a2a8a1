"""The bench's own tools venv (matplotlib, py-spy), kept out of the project's:
the plot of scenario 4 and sampling profiles of the API process.
"""

import collections
import contextlib
import json
import os
import subprocess
import textwrap

from harness import CACHE

VENV = os.path.join(CACHE, "tools-venv")
PYTHON = os.path.join(VENV, "bin", "python")
PY_SPY = os.path.join(VENV, "bin", "py-spy")


def ensure_venv(log):
    if os.path.exists(PY_SPY) and os.path.exists(PYTHON):
        return True
    log("building the bench tools venv (matplotlib, py-spy) in %s (once)" % VENV)
    try:
        subprocess.run(["python3", "-m", "venv", VENV], check=True, timeout=120)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q",
                        "--disable-pip-version-check", "matplotlib", "py-spy"],
                       check=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as err:
        log(f"tools venv unavailable: {err}")
        return False
    return True


PLOT_SCRIPT = textwrap.dedent('''\
    import json, sys
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = json.load(open(sys.argv[1]))
    n = [r["lbs"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("per_change", "per-change deploy (API)"),
                       ("remote_script", "remote script (check+swap+reload)"),
                       ("haproxy_check", "haproxy -c alone"), ("render", "render alone"),
                       ("cold_read", "desired state, cold"),
                       ("warm_read", "desired state, warm")):
        a.plot(n, [r[key]["p50_ms"] for r in rows], marker="o", label=label)
    a.set_xscale("log"); a.set_yscale("log")
    a.set_xlabel("load balancers on the device"); a.set_ylabel("ms (p50)")
    a.set_title("deploy time per change"); a.legend(fontsize=7); a.grid(True, alpha=.3)
    b.plot(n, [r["rss_mb"] for r in rows], marker="o", color="tab:red")
    b.axhline(150, color="grey", ls="--", lw=1, label="goal at 1000 LBs: 150 MB")
    b.set_xscale("log"); b.set_xlabel("load balancers on the device"); b.set_ylabel("RSS MB")
    b.set_title("API process RSS"); b.legend(fontsize=7); b.grid(True, alpha=.3)
    fig.suptitle(sys.argv[3]); fig.tight_layout(); fig.savefig(sys.argv[2], dpi=90)
    ''')


def plot(rows, path, title, workdir):
    data = os.path.join(workdir, "scale-rows.json")
    script = os.path.join(workdir, "plot_scale.py")
    with open(data, "w") as handle:
        json.dump(rows, handle)
    with open(script, "w") as handle:
        handle.write(PLOT_SCRIPT)
    subprocess.run([PYTHON, script, data, path, title], check=True, capture_output=True,
                   timeout=120)
    return path


class Profiler:
    """py-spy sampling of a running process, summarised as the functions
    holding most samples (own time and inclusive time), files kept."""

    def __init__(self, out_dir, log):
        self.out_dir, self.log = out_dir, log
        self.summaries = {}
        os.makedirs(out_dir, exist_ok=True)

    @contextlib.contextmanager
    def attach(self, pid, label, duration):
        raw = os.path.join(self.out_dir, f"{label}.folded")
        argv = [PY_SPY, "record", "--pid", str(pid), "--format", "raw", "--output", raw,
                "--rate", "200", "--nonblocking"]
        if duration:
            argv += ["--duration", str(int(duration) + 1)]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            yield
        finally:
            if proc.poll() is None:
                if duration:
                    try:
                        proc.wait(timeout=duration + 15)
                    except subprocess.TimeoutExpired:
                        proc.send_signal(2)
                else:
                    proc.send_signal(2)       # py-spy writes its output on SIGINT
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if os.path.exists(raw):
                self.summaries[label] = summarise(raw)
            else:
                self.log(f"py-spy wrote nothing for {label}: "
                         f"{proc.stderr.read().decode(errors='replace')[-300:]}")


def summarise(folded_path, top=12):
    """Top functions by own and inclusive samples from py-spy's raw output
    (one ``frame;frame;... count`` line per distinct stack)."""
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    with open(folded_path) as handle:
        for line in handle:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            count = int(count)
            frames = [f for f in stack.split(";") if f]
            if not frames:
                continue
            total += count
            own[_short(frames[-1])] += count
            for frame in {_short(f) for f in frames}:
                inclusive[frame] += count
    pct = lambda n: round(100.0 * n / total, 1) if total else 0  # noqa: E731
    return {"samples": total,
            "own": [(f, pct(n)) for f, n in own.most_common(top)],
            "inclusive": [(f, pct(n)) for f, n in inclusive.most_common(top * 2)
                          if "balancer" in f or "sqlalchemy" in f or "render" in f][:top]}


def _short(frame):
    """``func (path/to/module.py:line)`` -> ``func (module.py)``."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    parts = path.split("/")
    if "balancer" in parts:
        path = "/".join(parts[parts.index("balancer"):])
    elif "site-packages" in parts:
        path = "/".join(parts[parts.index("site-packages") + 1:])
    else:
        path = parts[-1]
    return f"{name} ({path})"
