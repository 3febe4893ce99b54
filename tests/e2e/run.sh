#!/usr/bin/env bash
# End-to-end interop tests: the `ocpp-cp` charge point against two central systems, one built on
# the PyPI `ocpp` package and one on the npm package `ocpp-rpc` in strict mode (tests/e2e/node).
# Works on a fresh machine with python3 >= 3.11, node >= 18 and npm that reaches PyPI and the npm
# registry (nothing else is fetched): it installs the Python packages into .venv and the npm
# packages from the committed lock file (npm ci) into tests/e2e/node/node_modules.
#
#   tests/e2e/run.sh                                   # against the stand-in (fake_ocpp_cp.py)
#   OCPP_CP_BIN=target/debug/ocpp-cp tests/e2e/run.sh  # against the real binary
#   tests/e2e/run.sh -k offline -rs                    # extra arguments go to pytest
#
# Exits non-zero when a test fails, when pytest collects no test (its exit 5), or when the whole
# run exceeds E2E_TIMEOUT seconds (default 900).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "e2e: python3 >= 3.11 is needed (ocpp 2.1.0); found $(python3 --version 2>&1)" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv || {
        echo "e2e: 'python3 -m venv' failed (on Debian: apt-get install python3-venv)" >&2
        exit 1
    }
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt

# The second peer: Node.js >= 18 (ocpp-rpc 2.2.1 needs >= 17.3) and the lock file's packages.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "e2e: node and npm are needed for the ocpp-rpc central system (Node.js >= 18; on Debian: apt-get install nodejs npm)" >&2
    exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
    echo "e2e: node >= 18 is needed for the ocpp-rpc central system; found $(node --version 2>&1)" >&2
    exit 1
fi
# Quiet unless it fails (npm's --silent would hide the reason too).
if ! npm_output=$(npm ci --prefix tests/e2e/node --no-audit --no-fund --no-progress 2>&1); then
    echo "$npm_output" >&2
    echo "e2e: 'npm ci --prefix tests/e2e/node' failed (installs ocpp-rpc from tests/e2e/node/package-lock.json)" >&2
    exit 1
fi

echo "e2e: charge point: ${OCPP_CP_BIN:-tests/e2e/fake_ocpp_cp.py (stand-in; set OCPP_CP_BIN for the real one)}"
echo "e2e: central systems: pypi (ocpp $(.venv/bin/python -c 'from importlib.metadata import version; print(version("ocpp"))')), node (ocpp-rpc $(node -p 'require("./tests/e2e/node/node_modules/ocpp-rpc/package.json").version') strict mode, node $(node --version))"
status=0
timeout --kill-after=30 "${E2E_TIMEOUT:-900}" .venv/bin/python -m pytest tests/e2e -q "$@" || status=$?
case $status in
    0) ;;
    5) echo "e2e: FAILED: pytest collected no tests (exit 5)" >&2; exit 1 ;;
    124|137) echo "e2e: FAILED: the run took longer than ${E2E_TIMEOUT:-900}s" >&2; exit 1 ;;
    *) echo "e2e: FAILED (pytest exit $status)" >&2; exit "$status" ;;
esac
