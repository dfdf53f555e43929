"""The kill matrix as data, JSON and a self-contained HTML page (openapi/templates/kill-matrix.html.j2).

Two halves, side by side: sensitivity (the catalogued defects the suite kills) and
specificity (the catalogued variants -- correct APIs unlike ours -- the suite passes).
A surviving defect is a hole in the suite; a failed variant is a false alarm.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi.html import render

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


# Verdicts whose rows open with their details: what went wrong, or what a kill looked like.
_DETAILED = ("survived", "broken", "red", "false_alarm")


def to_html(matrix: Matrix) -> str:
    """The page, from openapi/templates/kill-matrix.html.j2 (the reports' shared look; autoescaped)."""
    return render(
        "kill-matrix.html.j2",
        matrix=matrix,
        banner="void" if matrix.void or matrix.failed else "ok",
        detailed=_DETAILED,
    )


def write_reports(matrix: Matrix, out_dir: Path) -> tuple[Path, Path]:
    """Write kill-matrix.json and kill-matrix.html into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "kill-matrix.json", out_dir / "kill-matrix.html"
    json_path.write_text(json.dumps(matrix.to_json(), indent=2) + "\n", encoding="utf-8")
    html_path.write_text(to_html(matrix), encoding="utf-8")
    return json_path, html_path
