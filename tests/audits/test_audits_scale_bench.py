"""benchmarks/scale.py at a tiny size: the figures come from the audit's own process and reports.

What is asserted is the benchmark's machinery, never a duration: the audit runs as
``python -m audits`` in a child of its own against an emulator process, its peak RSS is that
child's (wait4), and the summary is read from the head of its audit.json.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.scale import REPORTS, measure

pytestmark = pytest.mark.slow


def test_a_tiny_run_is_measured_from_the_audit_process(tmp_path: Path) -> None:
    figures = measure(200, tmp_path, concurrency=4)
    assert figures.numbers == 200
    assert figures.exit_code in (0, 1)  # judged whole: PASSED or FAILED, never INCOMPLETE (3)
    assert figures.summary["numbers_audited"] == 200
    assert figures.summary["status"] in ("PASSED", "FAILED")
    assert set(figures.report_mb) == set(REPORTS)
    assert figures.peak_mb > 0
    # The machine's speed around the audit: a fixed piece of work's CPU seconds, never zero.
    assert figures.machine_s > 0
