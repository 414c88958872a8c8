"""pytest hooks (imported by tests/conftest.py): say what the run could use, and why tests skipped.

The header tells where the course data comes from and whether the browser tests can run;
the summary gives one line per skip reason ("N tests skipped: why; what to set"), so a run
without data or without Chromium says so plainly instead of skipping silently.
"""

from __future__ import annotations

import os
from collections import Counter


def pytest_report_header(config) -> list[str]:
    from tests.test_browser import find_chromium

    data = os.environ.get("COURSE_DATA_DIR", "").strip()
    chromium = find_chromium()
    return [
        f"course data: COURSE_DATA_DIR={data}" if data else
        "course data: COURSE_DATA_DIR is not set (tests that need the data copy skip; "
        "notebooks download the datasets, which needs the internet)",
        f"browser tests: Chromium at {chromium}" if chromium else
        "browser tests: no Chromium found, they will skip (apt-get install chromium "
        "chromium-driver fonts-dejavu-core)",
    ]


def _reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ").strip()


def pytest_terminal_summary(terminalreporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if getattr(r, "longrepr", None)]
    if not skipped:
        return
    reasons = Counter(_reason(r) for r in skipped)
    terminalreporter.section("skipped tests, by reason")
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count} test{'s' if count > 1 else ''} skipped: {reason}")
