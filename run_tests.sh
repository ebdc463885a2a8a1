#!/usr/bin/env bash
# The one test command: lint (ruff) and the whole pytest suite.
#
#   ./run_tests.sh            create .venv if missing, install, lint, test
#   -V, --virtual-env         use .venv (the default)
#   -N, --no-virtual-env      use the python3 already on PATH (or the active venv)
#   -f, --force               rebuild .venv from scratch
#   -c, --coverage            measure coverage (report in covhtml/)
#   -p, --pep8, --lint        lint only
#   -d, --docs                also build the docs into doc/html, the build of
#                             `cd doc && make html` (warnings are errors); with
#                             -p: lint and docs, no tests
#   anything else             passed to pytest (e.g. -k nodes, -x, a test path)
#
# A run without pytest arguments then runs balancer/tests/functional again on
# PostgreSQL and on MariaDB (BALANCER_TEST_DATABASE; doc/source/databases.rst).
set -euo pipefail
cd "$(dirname "$0")"

use_venv=1 force=0 coverage=0 lint_only=0 docs=0 pytest_args=()
for arg in "$@"; do
  case "$arg" in
    -V|--virtual-env) use_venv=1 ;;
    -N|--no-virtual-env) use_venv=0 ;;
    -f|--force) force=1 ;;
    -c|--coverage) coverage=1 ;;
    -p|--pep8|--lint) lint_only=1 ;;
    -d|--docs) docs=1 ;;
    *) pytest_args+=("$arg") ;;
  esac
done

# the real-component tests need HAProxy, sshd, sudo, socat: as root on
# Debian, install whatever is missing (the same list .ci/run installs)
if [[ $lint_only == 0 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  tools/install-system-packages
fi

if [[ $use_venv == 1 && -z ${VIRTUAL_ENV:-} ]]; then
  [[ $force == 1 ]] && rm -rf .venv
  if [[ ! -x .venv/bin/python ]]; then
    echo "== creating .venv"
    python3 -m venv .venv
  fi
  PY=.venv/bin/python
else
  PY=$(command -v python)
fi

stamp=.venv/.installed-$(cat requirements.txt test-requirements.txt setup.cfg | sha1sum | cut -c1-12)
if [[ ! -e $stamp || $use_venv == 0 ]]; then
  echo "== installing balancer and its test requirements"
  $PY -m pip install -q -U pip
  $PY -m pip install -q -r requirements.txt -r test-requirements.txt
  $PY -m pip install -q -e .
  [[ -d .venv ]] && rm -f .venv/.installed-* && touch "$stamp"
fi

echo "== ruff"
$PY -m ruff check balancer bin tools
# the shell the driver runs on devices (balancer/drivers/haproxy/scripts)
if command -v shellcheck >/dev/null; then
  echo "== shellcheck"
  shellcheck -s sh -S warning balancer/drivers/haproxy/scripts/*.sh
  shellcheck -s sh balancer/drivers/haproxy/scripts/balancer.sh
fi

if [[ $docs == 1 ]]; then
  # doc/Makefile's build, so that both ways give doc/html; its PYTHON is
  # this run's interpreter, as a path that holds from doc/
  echo "== sphinx (doc/Makefile)"
  make -C doc html PYTHON="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"
fi
[[ $lint_only == 1 ]] && exit 0

echo "== pytest"
cov=()
if [[ $coverage == 1 ]]; then
  $PY -m pip install -q pytest-cov
  cov=(--cov=balancer --cov-report=html:covhtml --cov-report=term)
fi
set +e
$PY -m pytest "${cov[@]}" "${pytest_args[@]}"
rc=$?
set -e
# pytest's 5 means "no tests collected": only acceptable when a filter was given
if [[ $rc == 5 && ${#pytest_args[@]} -gt 0 ]]; then rc=0; fi

# the whole run also passes the functional suite on each database server
# (doc/source/databases.rst); BALANCER_TEST_SERVER_DATABASES="" skips that
if [[ ${#pytest_args[@]} == 0 ]]; then
  for backend in ${BALANCER_TEST_SERVER_DATABASES-postgresql mysql}; do
    echo "== pytest balancer/tests/functional on $backend"
    set +e
    BALANCER_TEST_DATABASE=$backend $PY -m pytest -q balancer/tests/functional
    backend_rc=$?
    set -e
    [[ $backend_rc != 0 ]] && rc=$backend_rc
  done
fi
exit $rc
