"""pytest hooks of the end-to-end suite: a one-line count per central-system peer at the end of
the run, so a failure on one peer only (a frame `ocpp-rpc` strict mode rejects and the `ocpp`
package lets through, or the reverse) is visible at a glance in CI's log.

The line avoids the words "passed" and "failed": .ci/run reads the totals from pytest's own
final line."""

from __future__ import annotations

import re
from collections import Counter

PEER_ID = re.compile(r"\[(pypi|node)\]$")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts: dict[str, Counter] = {}
    for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup") and outcome != "error":
                continue
            if outcome == "passed" and report.when != "call":
                continue
            match = PEER_ID.search(report.nodeid)
            peer = match.group(1) if match else "no peer"
            counts.setdefault(peer, Counter())[outcome] += 1
    if not counts:
        return
    words = {"passed": "ok", "failed": "FAIL", "error": "ERROR", "skipped": "skip",
             "xfailed": "xfail", "xpassed": "XPASS"}
    parts = []
    for peer in ("pypi", "node", "no peer"):
        if peer in counts:
            detail = ", ".join(f"{n} {words[o]}" for o, n in counts[peer].items() if n)
            parts.append(f"{peer}: {detail}")
    terminalreporter.write_line("e2e by central system: " + "; ".join(parts))
