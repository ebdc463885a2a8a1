"""The Sphinx documentation builds with warnings as errors, and covers the API.

The build is the real one (``sphinx -W``: a broken reference, a malformed
table or an option without help fails it); the other checks keep the docs
from silently falling behind the code: every route of the route table has a
recorded example, and every option is in the generated sample config.
"""

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys

from balancer.api import router
from balancer.cli import registry, shell
from balancer.conf import opts
from balancer.tests.conftest import TOP

DOC = os.path.join(TOP, "doc", "source")
EXAMPLES = os.path.join(DOC, "api", "examples")


def test_sphinx_builds_with_warnings_as_errors(tmp_path):
    """Through doc/Makefile, as the README says (``cd doc && make html``)."""
    import sphinx  # noqa: F401  (a test requirement: missing, this fails)
    done = subprocess.run(
        ["make", "html", "PYTHON=" + sys.executable, "HTMLDIR=" + str(tmp_path / "html"),
         "DOCTREES=" + str(tmp_path / "doctrees")],
        capture_output=True, text=True, timeout=300, cwd=os.path.join(TOP, "doc"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " -W " in done.stdout       # warnings are errors
    assert (tmp_path / "html" / "api" / "index.html").exists()
    assert "node-condition" in (tmp_path / "html" / "cli.html").read_text()
    assert "reconcile_interval" in (tmp_path / "html" / "configuration.html").read_text()


def test_run_tests_docs_is_the_makefile_build(tmp_path):
    """``./run_tests.sh --docs`` runs doc/Makefile's build (the README offers
    both): its docs step, run as the script runs it, builds with ``-W``
    through the Makefile, and no other step of the script runs Sphinx."""
    script = open(os.path.join(TOP, "run_tests.sh")).read()
    step = re.search(r"^if \[\[ \$docs == 1 \]\]; then\n.*?^fi$", script, re.S | re.M)
    assert step and "sphinx" not in script.replace(step.group(0), "")
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail; cd \"$TOP\"; docs=1\n" + step.group(0)],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, TOP=TOP, PY=sys.executable, HTMLDIR=str(tmp_path / "html"),
                 DOCTREES=str(tmp_path / "doctrees")))
    assert done.returncode == 0, done.stdout + done.stderr
    # the Makefile's own recipe ran, with warnings as errors
    assert "open %s/index.html" % (tmp_path / "html") in done.stdout
    assert " -W " in done.stdout
    assert (tmp_path / "html" / "index.html").exists()


def test_every_route_is_documented_with_a_recorded_example():
    reference = open(os.path.join(DOC, "api", "index.rst")).read()
    included = re.findall(r"\.\. include:: examples/(\S+)\.inc", reference)
    assert included and all(os.path.exists(os.path.join(EXAMPLES, n + ".inc")) for n in included)
    documented = set()
    for name in included:
        text = open(os.path.join(EXAMPLES, name + ".inc")).read()
        method, path = re.search(r"^    (GET|POST|PUT|DELETE|PATCH) (\S+)$", text, re.M).groups()
        status = int(re.search(r"^Response ``(\d+)", text, re.M).group(1))
        mapper = router.build_mappers()[0]
        match = mapper.match(path, environ={"REQUEST_METHOD": method})
        if match and status < 400:
            documented.add((method, match["controller"], match["action"]))
    wanted = {(m, name, action) for m, _path, name, action in router.ROUTES}
    assert wanted - documented == set()


def test_sample_config_lists_every_option():
    sample = open(os.path.join(TOP, "etc", "balancer-api.conf.sample")).read()
    for group, options in opts.list_opts():
        assert "[%s]" % group in sample
        for opt in options:
            assert "#%s = " % opt.dest in sample or "#%s =" % opt.dest in sample, opt.dest


# -- the balancer commands the docs show -------------------------------------

#: a token that ends a command on a shell line
SHELL_BREAKS = re.compile(r"[|&;()<>]+\Z")
#: a bash array expanded into arguments ("${EXTRA[@]}"): options the test cannot see
ARRAY_EXPANSION = re.compile(r"\$\{\w+\[@\]\}\Z")
#: ``balancer`` where a shell runs it: first on the line (after a ``$``
#: prompt), in ``$(...)``, or after ``until``, ``do``, ``&&``, ``;`` ...
INVOCATION = re.compile(r"(?:^(?:\$ )?|\$\(|\b(?:until|while|do|then|if)\s+|(?:&&|\|\||;)\s*)"
                        r"(?:\.venv/bin/)?balancer\s+(\S.*)")
#: a placeholder of the docs (``<node-id>``), read as one value
PLACEHOLDER = re.compile(r"<[\w-]+>")


def literal_lines(text):
    """The lines of a reStructuredText text's literal blocks (after ``::``),
    a line ending in a backslash joined with the next."""
    found, base, state = [], 0, "prose"
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if state != "prose" and line.strip() and indent > base:
            state = "literal"
            found.append(line.strip())
            continue
        if state == "literal" and not line.strip():
            continue
        if state == "after" and not line.strip():
            continue
        state, base = ("after", indent) if line.rstrip().endswith("::") else ("prose", 0)
    joined = []
    for line in found:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line
        else:
            joined.append(line)
    return joined


def invocations(path):
    """The argument lists of every ``balancer`` run in the literal blocks of
    a document (up to the end of its shell command)."""
    runs = []
    for line in literal_lines(open(path).read()):
        for match in INVOCATION.finditer(line):
            lexer = shlex.shlex(PLACEHOLDER.sub("X", match.group(1)), posix=True,
                                punctuation_chars=True)
            lexer.whitespace_split, lexer.commenters = True, "#"
            args = []
            for token in lexer:
                if SHELL_BREAKS.match(token):
                    break
                if not ARRAY_EXPANSION.match(token):
                    args.append(token)
            runs.append(args)
    return runs


def parse_error(argv):
    """Why the ``balancer`` shell would refuse ``argv`` (None: it takes it)."""
    app = shell.BalancerShell()
    app.parser.allow_abbrev = False         # the docs spell every option out
    options, rest = app.parser.parse_known_args(argv)
    if not rest or rest[0] not in registry.COMMANDS:
        return "no command after the global options (or an unknown one): %s" % rest[:2]
    command = registry.load(registry.COMMANDS[rest[0]])(app, options, cmd_name=rest[0])
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            parser = command.get_parser("balancer " + rest[0])
            parser.allow_abbrev = False
            parser.parse_args(rest[1:])
    except SystemExit:
        return errors.getvalue().strip() or "refused"
    return None


def test_every_balancer_command_in_the_docs_exists_with_its_options():
    """Each ``balancer ...`` line of a literal block parses as the shell
    would parse it: global options, a command of registry.COMMANDS, that
    command's options and arguments (variables stand for values)."""
    pages = [os.path.join(DOC, n) for n in sorted(os.listdir(DOC)) if n.endswith(".rst")]
    runs = {(path, tuple(args)) for path in pages + [os.path.join(TOP, "README.rst")]
            for args in invocations(path)}
    walkthrough = [args for path, args in runs if path.endswith("deployment.rst")]
    assert len(walkthrough) >= 12 and {"device-create", "node-condition"} <= {
        a for args in walkthrough for a in args}
    refused = {(os.path.basename(path), " ".join(args)): parse_error(list(args))
               for path, args in runs}
    assert {run: why for run, why in refused.items() if why} == {}


def test_the_devbox_facts_the_walkthrough_reads(tmp_path):
    """deployment.rst registers the DevBox's box with ``devbox_box.py
    device-extra`` as ``--extra`` options and adds ``backends`` as nodes."""
    state = {"ip": "10.231.7.2", "ssh_port": 22, "user": "blab", "password": "pw",
             "device_extra": {"interface": "bl7", "socket": "/tmp/lab/admin.sock"},
             "backends": [["127.0.0.1", 8001, "backend1"], ["127.0.0.1", 8002, "backend2"]]}
    (tmp_path / "box.json").write_text(json.dumps(state))

    def box(command):
        done = subprocess.run([sys.executable, os.path.join(TOP, "tools", "devbox_box.py"),
                               command, str(tmp_path / "box.json")], capture_output=True,
                              text=True, timeout=60, env=dict(os.environ, PYTHONPATH=TOP))
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()
    extra = [arg for field in box("device-extra") for arg in ("--extra", field)]
    assert extra == ["--extra", "interface=bl7", "--extra", "socket=/tmp/lab/admin.sock"]
    assert parse_error(["device-create", "--name", "box1", "--type", "HAPROXY", "--ip",
                        state["ip"], *extra]) is None
    assert [line.split() for line in box("backends")] == [
        ["127.0.0.1", "8001", "backend1"], ["127.0.0.1", "8002", "backend2"]]
