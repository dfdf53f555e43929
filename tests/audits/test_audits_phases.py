"""audit.json's ``run.phases``: where a run's time went, phase by phase (audits.run, audits.report).

Only the shape and the bookkeeping are asserted (which phases, in which order, that they fit
in the run they are part of), never how long anything took.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audits.cli import main
from audits.report import REPORT_FILES, write_all
from audits.run import EXIT_THRESHOLD
from benchmarks.scale import Figures, phase_table, phases_of
from tests.audits.numbers import us_local
from tests.audits.reporting import document

RUN_PHASES = ["crawl", "graph", "rules", "impact", "history"]
REPORT_PHASES = ["findings_read", "audit.json", "audit.csv", "audit.xml", "audit.html"]


def test_a_run_records_each_phase_in_audit_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    assert main(["--out", str(out), "--numbers", "120", "--no-progress"]) == EXIT_THRESHOLD
    capsys.readouterr()
    run = json.loads((out / "audit.json").read_text())["run"]
    phases = run["phases"]
    # The run's phases in the order they ran, then the reports' (audits.report.write_all).
    assert list(phases) == [*RUN_PHASES, "summary", *REPORT_PHASES]
    assert all(isinstance(s, float | int) and s >= 0 for s in phases.values())
    # crawl .. history are parts of the run's duration (each rounded to the millisecond).
    assert sum(phases[name] for name in RUN_PHASES) <= run["duration_s"] + 0.01
    # The audit's own CPU in the phases that wait on the server.
    assert list(run["phases_cpu"]) == ["crawl", "graph"]
    assert all(isinstance(s, float | int) and s >= 0 for s in run["phases_cpu"].values())
    # The existing keys stay where they were.
    assert {"target", "started_at", "duration_s", "rules", "policy", "crawl", "history"} <= set(run)


def test_audit_json_is_written_after_the_other_reports(tmp_path: Path) -> None:
    paths = write_all(document(tmp_path, [us_local(number="14155550101")]), tmp_path / "out")
    assert list(paths) == list(REPORT_FILES)  # the order callers list them in is unchanged
    written = {name: path.stat().st_mtime_ns for name, path in paths.items()}
    assert all(written["audit.json"] >= t for t in written.values())


def test_a_document_without_phases_gets_none(tmp_path: Path) -> None:
    """A document built outside a timed run (a multi-account section, a merge, a test) stays as it was."""
    doc = document(tmp_path, [us_local(number="14155550101")])
    assert "phases" not in doc["run"]
    assert "phases_cpu" not in doc["run"]
    write_all(doc, tmp_path / "out")
    assert "phases" not in json.loads((tmp_path / "out" / "audit.json").read_text())["run"]


def test_the_benchmark_prints_each_phase_ratio_to_the_smallest_size() -> None:
    head = {"run": {"phases": {"crawl": 1.0, "rules": 2.0}}}
    phases = phases_of(head, wall=5.0)
    assert phases == {"crawl": 1.0, "rules": 2.0, "other": pytest.approx(2.0)}
    assert phases_of({"run": {}}, wall=5.0) == {}
    small = Figures(100_000, 0.0, 5.0, 100.0, 1, {}, {}, {"crawl": 1.0, "rules": 2.0})
    large = Figures(1_000_000, 0.0, 50.0, 200.0, 1, {}, {}, {"crawl": 10.0, "rules": 30.0})
    table = phase_table([small, large])
    assert table[0].split("|")[0].strip() == "phase"
    crawl = [cell.strip() for cell in table[1].split("|")]
    rules = [cell.strip() for cell in table[2].split("|")]
    assert crawl == ["crawl", "1.00", "10.00", "1.00"]  # linear
    assert rules == ["rules", "2.00", "30.00", "1.50"]  # superlinear: visible
    assert phase_table([Figures(1, 0.0, 1.0, 1.0, 0, {}, {})]) == []
    cpu = phase_table([small, large], cpu=True)
    assert cpu == []  # no phases_cpu given
    small.phases_cpu, large.phases_cpu = {"graph": 0.5}, {"graph": 5.0}
    assert [c.strip() for c in phase_table([small, large], cpu=True)[1].split("|")] == [
        "graph",
        "0.50",
        "5.00",
        "1.00",
    ]
