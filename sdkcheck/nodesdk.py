"""Plivo's Node SDK, run through ``node_driver.js`` against a served emulator.

The driver gets its plan on stdin and the account token in ``PLIVO_AUTH_TOKEN`` (never on a command
line), marks each step for the recorder, and prints its results as one JSON document.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .recording import RecordedRequest
from .served import Served

__all__ = ["DRIVER", "GET_SUFFIX", "NodeResult", "NodeRun", "NodeSdk", "node_unavailable", "pinned_version"]

DRIVER = Path(__file__).with_name("node_driver.js")
# node_driver.js labels the get a resource.* step makes first with the step's name and this suffix.
GET_SUFFIX = " :: get"
TIMEOUT = 60.0


class NodeDriverError(RuntimeError):
    """The driver could not run the plan; the message says why."""


def pinned_version(root: Path) -> str | None:
    """The ``plivo`` version the repo's package.json pins."""
    try:
        manifest = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for section in ("dependencies", "devDependencies"):
        version = manifest.get(section, {}).get("plivo")
        if version:
            return str(version)
    return None


def installed_version(root: Path) -> str | None:
    try:
        manifest = json.loads((root / "node_modules" / "plivo" / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(manifest.get("version")) if manifest.get("version") else None


def node_unavailable(root: Path, node: str | None) -> str | None:
    """Why the Node SDK cannot be driven here (a skip reason saying how to fix it), or None."""
    if node is None:
        return "Node.js (node) is not on PATH: install Node.js with npm, then run `make node-tools`"
    if installed_version(root) is None:
        return "node_modules/plivo is missing: run `make node-tools` (npm install) to install the Node SDK"
    return None


@dataclass(frozen=True)
class NodeResult:
    """One driver step: its result (or error) and the requests it sent."""

    name: str
    call: str
    ok: bool
    value: Any = None
    error: dict[str, Any] | None = None
    requests: tuple[RecordedRequest, ...] = ()

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"error {self.error and self.error.get('class')}"
        return f"<NodeResult {self.name} {self.call} {state} {len(self.requests)} requests>"


@dataclass
class NodeRun:
    version: str
    node: str
    results: dict[str, NodeResult] = field(default_factory=dict)
    stdout: str = ""
    by_label: dict[str, list[RecordedRequest]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> NodeResult:
        return self.results[name]


@dataclass(frozen=True)
class NodeSdk:
    root: Path
    node: str

    @property
    def version(self) -> str:
        return installed_version(self.root) or "?"

    def run(self, served: Served, steps: list[dict[str, Any]]) -> NodeRun:
        """Run ``steps`` against ``served``; each result carries the requests its step sent."""
        plan = {"base_url": served.base_url, "auth_id": served.auth_id, "steps": steps}
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["PLIVO_AUTH_TOKEN"] = served.demo.auth_token
        env["NO_PROXY"] = "127.0.0.1,localhost"
        env.pop("PLIVO_AUTH_ID", None)
        start = served.capture.mark()
        try:
            done = subprocess.run(
                [self.node, str(DRIVER)],
                input=json.dumps(plan),
                capture_output=True,
                text=True,
                cwd=self.root,
                env=env,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise NodeDriverError(f"node_driver.js did not finish within {TIMEOUT}s") from error
        try:
            output = json.loads(done.stdout)
        except ValueError as error:
            raise NodeDriverError(
                f"node_driver.js exited {done.returncode} without JSON; stderr: {done.stderr[-2000:]}"
            ) from error
        if "fatal" in output:
            raise NodeDriverError(f"node_driver.js: {output['fatal']}")
        by_step: dict[str, list[RecordedRequest]] = {}
        for request in served.capture.since(start):
            by_step.setdefault(request.step or "", []).append(request)
        run = NodeRun(version=output["version"], node=output["node"], stdout=done.stdout, by_label=by_step)
        for result in output["results"]:
            run.results[result["name"]] = NodeResult(
                name=result["name"],
                call=result["call"],
                ok=result["ok"],
                value=result.get("value"),
                error=result.get("error"),
                requests=tuple(by_step.get(result["name"], ())),
            )
        return run
