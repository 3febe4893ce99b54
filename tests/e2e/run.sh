#!/usr/bin/env bash
# End-to-end interop tests: the `ocpp-cp` charge point against a central system built on the
# PyPI `ocpp` package. Works on a fresh machine that reaches PyPI (nothing else is fetched).
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

echo "e2e: charge point: ${OCPP_CP_BIN:-tests/e2e/fake_ocpp_cp.py (stand-in; set OCPP_CP_BIN for the real one)}"
status=0
timeout --kill-after=30 "${E2E_TIMEOUT:-900}" .venv/bin/python -m pytest tests/e2e -q "$@" || status=$?
case $status in
    0) ;;
    5) echo "e2e: FAILED: pytest collected no tests (exit 5)" >&2; exit 1 ;;
    124|137) echo "e2e: FAILED: the run took longer than ${E2E_TIMEOUT:-900}s" >&2; exit 1 ;;
    *) echo "e2e: FAILED (pytest exit $status)" >&2; exit "$status" ;;
esac
