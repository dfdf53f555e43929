"""The kill matrix: how many catalogued defects (emulator/defects) the contract suite catches.

``python -m contracts.killmatrix`` (``make kill-matrix``) serves the clean emulator and each
defective one on loopback, runs ``pytest contracts`` against each as an outside user would,
and writes reports/kill-matrix.json and reports/kill-matrix.html. Not part of ``make test``.
"""

from __future__ import annotations

from .junit import JunitSummary, parse_junit
from .report import Matrix, write_reports
from .runs import CLEAN, Accounts, RunResult, RunSpec, run_one

__all__ = [
    "CLEAN",
    "Accounts",
    "JunitSummary",
    "Matrix",
    "RunResult",
    "RunSpec",
    "parse_junit",
    "run_one",
    "write_reports",
]
