"""The kill matrix as data, JSON and a self-contained HTML page."""

from __future__ import annotations

import datetime
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .runs import RunResult

__all__ = ["Matrix", "write_reports"]


@dataclass
class Matrix:
    """The clean run, one run per defect, and how the whole thing was run."""

    clean: RunResult
    defects: list[RunResult]
    seed: int
    hypothesis_seed: int
    profile: str
    jobs: int
    total_runtime_s: float
    unrent: list[str] = field(default_factory=list)
    started_at: str = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    )

    @property
    def void(self) -> bool:
        """A suite that fails the clean emulator proves nothing by failing a defective one."""
        return self.clean.verdict != "green"

    @property
    def killed(self) -> list[RunResult]:
        return [r for r in self.defects if r.verdict == "killed"]

    @property
    def survived(self) -> list[RunResult]:
        return [r for r in self.defects if r.verdict == "survived"]

    @property
    def broken(self) -> list[RunResult]:
        return [r for r in self.defects if r.verdict not in ("killed", "survived")]

    @property
    def kill_rate(self) -> float:
        return len(self.killed) / len(self.defects) if self.defects else 0.0

    def families(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for run in self.defects:
            row = out.setdefault(run.family, {"killed": 0, "total": 0})
            row["total"] += 1
            row["killed"] += run.killed
        return out

    def headline(self) -> str:
        if self.void:
            problem = f"; {self.clean.problem}" if self.clean.problem else ""
            return (
                f"MATRIX VOID: the suite is {self.clean.verdict} against the clean emulator "
                f"({self.clean.failures + self.clean.errors} failing tests{problem}); "
                "a failure against a defect proves nothing until the clean run is green"
            )
        return (
            f"kill rate {self.kill_rate:.1%}: {len(self.killed)} of {len(self.defects)} defects killed, "
            f"{len(self.survived)} survived, {len(self.broken)} broken runs; "
            f"clean run green; total {self.total_runtime_s:.0f} s"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "seed": self.seed,
            "hypothesis_seed": self.hypothesis_seed,
            "profile": self.profile,
            "jobs": self.jobs,
            "unrent": self.unrent,
            "total_runtime_s": round(self.total_runtime_s, 1),
            "void": self.void,
            "headline": self.headline(),
            "kill_rate": round(self.kill_rate, 4),
            "killed": len(self.killed),
            "total": len(self.defects),
            "survived": [r.defect for r in self.survived],
            "broken": [r.defect for r in self.broken],
            "families": self.families(),
            "clean": self.clean.to_json(),
            "defects": [r.to_json() for r in self.defects],
        }

    def __repr__(self) -> str:
        return f"<Matrix {self.headline()}>"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0} .killed{background:#e6f4e6} .survived{background:#fbe3e3}
.broken,.red{background:#fff1cc} .green{background:#e6f4e6}
.void{background:#c62828;color:#fff;padding:1em;font-weight:bold}
.ok{background:#2e7d32;color:#fff;padding:1em;font-weight:bold}
code,pre{font-size:.85em}
pre{white-space:pre-wrap;max-height:24em;overflow:auto;background:#f7f7f7;padding:.5em}
td.num{text-align:right} td code{word-break:break-all}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _row(run: RunResult) -> str:
    failed = "".join(f"<li><code>{_e(t)}</code></li>" for t in run.failed_tests)
    details = ""
    if run.failed_tests or run.problem or run.verdict in ("survived", "broken", "red"):
        details = (
            "<details><summary>details</summary>"
            + (f"<p>{_e(run.problem)}</p>" if run.problem else "")
            + (f"<p>failing tests:</p><ul>{failed}</ul>" if failed else "")
            + (
                f"<p>first failure:</p><pre>{_e(run.first_failure_message)}</pre>"
                if run.first_failure_message
                else ""
            )
            + f"<p>emulator: <code>{_e(run.emulator_command)}</code></p>"
            + f"<p>suite: <code>{_e(run.pytest_command)}</code></p>"
            + f"<pre>{_e(run.log_tail)}</pre></details>"
        )
    return (
        f'<tr class="{_e(run.verdict)}" id="{_e(run.defect)}"><td><code>{_e(run.defect)}</code></td>'
        f"<td>{_e(run.family)}</td><td>{_e(run.description)}</td><td><b>{_e(run.verdict)}</b></td>"
        f'<td class="num">{run.failures + run.errors} / {run.tests}</td>'
        f"<td><code>{_e(run.first_failure)}</code>{details}</td>"
        f'<td class="num">{_seconds(run.first_failure_test_s)}</td>'
        f'<td class="num">{_seconds(run.first_failure_wall_s)}</td>'
        f'<td class="num">{_seconds(run.duration_s)}</td></tr>'
    )


def to_html(matrix: Matrix) -> str:
    families = "".join(
        f"<tr><td>{_e(name)}</td><td class='num'>{row['killed']} / {row['total']}</td></tr>"
        for name, row in sorted(matrix.families().items())
    )
    survivors = ", ".join(f'<a href="#{_e(r.defect)}">{_e(r.defect)}</a>' for r in matrix.survived) or "none"
    banner = "void" if matrix.void or matrix.survived or matrix.broken else "ok"
    head = (
        "<tr><th>defect</th><th>family</th><th>what it gets wrong</th><th>verdict</th>"
        "<th>failed / tests</th><th>first failing test</th><th>first failure, s into the tests (JUnit)</th>"
        "<th>first failure, s after pytest start (streamed)</th><th>run, s</th></tr>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Kill matrix</title><style>{_CSS}</style></head>
<body>
<h1>Kill matrix of the contract suite</h1>
<p class="{banner}">{_e(matrix.headline())}</p>
<p>Started {_e(matrix.started_at)}; emulator seed {matrix.seed}, hypothesis seed {matrix.hypothesis_seed},
profile <code>{_e(matrix.profile)}</code>, {matrix.jobs} runs in parallel, unrent numbers
<code>{_e(",".join(matrix.unrent))}</code>. Each row served
<code>python -m emulator.defects --defect NAME</code> on loopback and ran
<code>pytest contracts --base-url=... --allow-writes --unrent=...</code> against it.
A defect is <b>killed</b> when the suite reports a failing test; <b>survived</b> when it is green;
<b>broken</b> when the run did not complete (time-out, crash): not a kill.</p>
<p>Survivors: {survivors}</p>
<p>Time to first failure is given twice: summed JUnit testcase times up to the first failing test
(time inside the tests), and wall-clock time from pytest's start to the first <code>F</code>/<code>E</code>
in its streamed progress output (includes start-up and collection).</p>
<h2>By family</h2><table><tr><th>family</th><th>killed</th></tr>{families}</table>
<h2>Clean emulator</h2><table>{head}{_row(matrix.clean)}</table>
<h2>Defects</h2><table>{head}{"".join(_row(r) for r in matrix.defects)}</table>
</body></html>
"""


def write_reports(matrix: Matrix, out_dir: Path) -> tuple[Path, Path]:
    """Write kill-matrix.json and kill-matrix.html into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "kill-matrix.json", out_dir / "kill-matrix.html"
    json_path.write_text(json.dumps(matrix.to_json(), indent=2) + "\n", encoding="utf-8")
    html_path.write_text(to_html(matrix), encoding="utf-8")
    return json_path, html_path
