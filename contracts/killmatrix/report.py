"""The kill matrix as data, JSON and a self-contained HTML page.

Two halves, side by side: sensitivity (the catalogued defects the suite kills) and
specificity (the catalogued variants -- correct APIs unlike ours -- the suite passes).
A surviving defect is a hole in the suite; a failed variant is a false alarm.
"""

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
    """The clean run, one run per defect and per variant, and how the whole thing was run."""

    clean: RunResult
    defects: list[RunResult]
    seed: int
    hypothesis_seed: int
    profile: str
    jobs: int
    total_runtime_s: float
    unrent: list[str] = field(default_factory=list)
    variants: list[RunResult] = field(default_factory=list)
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

    @property
    def passed(self) -> list[RunResult]:
        return [r for r in self.variants if r.verdict == "passed"]

    @property
    def false_alarms(self) -> list[RunResult]:
        return [r for r in self.variants if r.verdict == "false_alarm"]

    @property
    def broken_variants(self) -> list[RunResult]:
        return [r for r in self.variants if r.verdict not in ("passed", "false_alarm")]

    @property
    def specificity(self) -> float:
        return len(self.passed) / len(self.variants) if self.variants else 0.0

    @property
    def failed(self) -> bool:
        """Anything the matrix must not have: a survivor, a false alarm, or a run that broke."""
        return bool(self.survived or self.broken or self.false_alarms or self.broken_variants)

    def families(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for run in self.defects:
            row = out.setdefault(run.family, {"killed": 0, "total": 0})
            row["total"] += 1
            row["killed"] += run.killed
        return out

    def variant_families(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for run in self.variants:
            row = out.setdefault(run.family, {"passed": 0, "total": 0})
            row["total"] += 1
            row["passed"] += run.passed
        return out

    def sensitivity_line(self) -> str:
        return (
            f"kill rate {self.kill_rate:.1%}: {len(self.killed)} of {len(self.defects)} defects killed, "
            f"{len(self.survived)} survived, {len(self.broken)} broken runs"
        )

    def specificity_line(self) -> str:
        return (
            f"specificity {self.specificity:.1%}: {len(self.passed)} of {len(self.variants)} variants "
            f"passed, {len(self.false_alarms)} false alarms, {len(self.broken_variants)} broken runs"
        )

    def headline(self) -> str:
        if self.void:
            problem = f"; {self.clean.problem}" if self.clean.problem else ""
            return (
                f"MATRIX VOID: the suite is {self.clean.verdict} against the clean emulator "
                f"({self.clean.failures + self.clean.errors} failing tests{problem}); "
                "a failure against a defect proves nothing until the clean run is green"
            )
        halves = []
        if self.defects or not self.variants:
            halves.append(self.sensitivity_line())
        if self.variants:
            halves.append(self.specificity_line())
        return "; ".join([*halves, f"clean run green; total {self.total_runtime_s:.0f} s"])

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
            # Defects must fail the strict run (documented and observed rules); variants must
            # pass the default run (documented rules only). See openapi/PROVENANCE.md.
            "levels": {"clean": "strict", "defects": "strict", "variants": "default"},
            # The other half: variants are correct APIs unlike ours, which the suite must pass.
            "sensitivity": round(self.kill_rate, 4),
            "specificity": round(self.specificity, 4),
            "variants_passed": len(self.passed),
            "variants_total": len(self.variants),
            "false_alarms": [r.defect for r in self.false_alarms],
            "broken_variants": [r.defect for r in self.broken_variants],
            "variant_families": self.variant_families(),
            "clean": self.clean.to_json(),
            "defects": [r.to_json() for r in self.defects],
            "variants": [r.to_json() for r in self.variants],
        }

    def __repr__(self) -> str:
        return f"<Matrix {self.headline()}>"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0} .killed,.passed{background:#e6f4e6} .survived,.false_alarm{background:#fbe3e3}
.broken,.red{background:#fff1cc} .green{background:#e6f4e6}
.void{background:#c62828;color:#fff;padding:1em;font-weight:bold}
.ok{background:#2e7d32;color:#fff;padding:1em;font-weight:bold}
.halves{display:flex;gap:2em} .halves>div{flex:1}
code,pre{font-size:.85em}
pre{white-space:pre-wrap;max-height:24em;overflow:auto;background:#f7f7f7;padding:.5em}
td.num{text-align:right} td code{word-break:break-all}
"""
# Verdicts whose rows open with their details: what went wrong, or what a kill looked like.
_DETAILED = ("survived", "broken", "red", "false_alarm")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _row(run: RunResult) -> str:
    failed = "".join(
        f"<li><code>{_e(t)}</code>"
        + (
            f"<pre>{_e(run.failure_messages[t])}</pre>"
            if run.kind == "variant" and t in run.failure_messages
            else ""
        )
        + "</li>"
        for t in run.failed_tests
    )
    details = ""
    if run.failed_tests or run.problem or run.verdict in _DETAILED:
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
    allowed = f"<td>{_e(run.allowed_by)}</td>" if run.kind == "variant" else ""
    return (
        f'<tr class="{_e(run.verdict)}" id="{_e(run.defect)}"><td><code>{_e(run.defect)}</code></td>'
        f"<td>{_e(run.family)}</td><td>{_e(run.description)}</td>{allowed}<td><b>{_e(run.verdict)}</b></td>"
        f'<td class="num">{run.failures + run.errors} / {run.tests}</td>'
        f"<td><code>{_e(run.first_failure)}</code>{details}</td>"
        f'<td class="num">{_seconds(run.first_failure_test_s)}</td>'
        f'<td class="num">{_seconds(run.first_failure_wall_s)}</td>'
        f'<td class="num">{_seconds(run.duration_s)}</td></tr>'
    )


def _head(first: str, what: str, allowed_by: bool = False) -> str:
    return (
        f"<tr><th>{first}</th><th>family</th><th>{what}</th>"
        + ("<th>allowed by</th>" if allowed_by else "")
        + "<th>verdict</th><th>failed / tests</th><th>first failing test</th>"
        "<th>first failure, s into the tests (JUnit)</th>"
        "<th>first failure, s after pytest start (streamed)</th><th>run, s</th></tr>"
    )


def _links(runs: list[RunResult]) -> str:
    return ", ".join(f'<a href="#{_e(r.defect)}">{_e(r.defect)}</a>' for r in runs) or "none"


def _family_table(rows: dict[str, dict[str, int]], counted: str) -> str:
    body = "".join(
        f"<tr><td>{_e(name)}</td><td class='num'>{row[counted]} / {row['total']}</td></tr>"
        for name, row in sorted(rows.items())
    )
    return f"<table><tr><th>family</th><th>{counted}</th></tr>{body}</table>"


def to_html(matrix: Matrix) -> str:
    banner = "void" if matrix.void or matrix.failed else "ok"
    sensitivity = (
        f"<div><h2>Sensitivity: defects killed</h2><p>{_e(matrix.sensitivity_line())}</p>"
        f"<p>Survivors (holes in the suite): {_links(matrix.survived)}</p>"
        f"{_family_table(matrix.families(), 'killed')}</div>"
    )
    specificity = (
        f"<div><h2>Specificity: variants passed</h2><p>{_e(matrix.specificity_line())}</p>"
        f"<p>False alarms (the suite failed a correct API): {_links(matrix.false_alarms)}</p>"
        f"{_family_table(matrix.variant_families(), 'passed')}</div>"
    )
    defects = (
        f"<h2>Defects</h2><table>{_head('defect', 'what it gets wrong')}"
        f"{''.join(_row(r) for r in matrix.defects)}</table>"
        if matrix.defects
        else ""
    )
    variants = (
        f"<h2>Variants</h2><table>{_head('variant', 'how it differs from our emulator', allowed_by=True)}"
        f"{''.join(_row(r) for r in matrix.variants)}</table>"
        if matrix.variants
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Kill matrix</title><style>{_CSS}</style></head>
<body>
<h1>Kill matrix of the contract suite</h1>
<p class="{banner}">{_e(matrix.headline())}</p>
<p>Started {_e(matrix.started_at)}; emulator seed {matrix.seed}, hypothesis seed {matrix.hypothesis_seed},
profile <code>{_e(matrix.profile)}</code>, {matrix.jobs} runs in parallel, unrent numbers
<code>{_e(",".join(matrix.unrent))}</code>. Each row served
<code>python -m emulator.defects --defect NAME</code> (a defect: a subtly wrong API) or
<code>python -m emulator.variants --variant NAME</code> (a variant: a correct API that differs from
our emulator in a way the documentation allows) on loopback and ran
<code>pytest contracts --base-url=... --allow-writes --unrent=...</code> against it.
A defect is <b>killed</b> when the suite reports a failing test; <b>survived</b> when it is green.
A variant is <b>passed</b> when the suite is green; a <b>false_alarm</b> when it fails.
<b>broken</b>: the run did not complete (time-out, crash); it counts as neither.</p>
<p>Time to first failure is given twice: summed JUnit testcase times up to the first failing test
(time inside the tests), and wall-clock time from pytest's start to the first <code>F</code>/<code>E</code>
in its streamed progress output (includes start-up and collection).</p>
<div class="halves">{sensitivity if matrix.defects or not matrix.variants else ""}\
{specificity if matrix.variants else ""}</div>
<h2>Clean emulator</h2><table>{_head("run", "what it is")}{_row(matrix.clean)}</table>
{defects}
{variants}
</body></html>
"""


def write_reports(matrix: Matrix, out_dir: Path) -> tuple[Path, Path]:
    """Write kill-matrix.json and kill-matrix.html into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "kill-matrix.json", out_dir / "kill-matrix.html"
    json_path.write_text(json.dumps(matrix.to_json(), indent=2) + "\n", encoding="utf-8")
    html_path.write_text(to_html(matrix), encoding="utf-8")
    return json_path, html_path
