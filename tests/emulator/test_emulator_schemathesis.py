"""schemathesis against the served emulator: every phase, positive and negative data, every check.

The run must end with zero failures and zero errors, and ``not_a_server_error`` must
have judged every case sent, negative ones included (the emulator answers 4xx, never
5xx, to anything a client can send). Duplicated query parameters are generated too (a
negative case the emulator refuses). The configuration is explicit, so a project-level
schemathesis.toml (meant for stock ``st run`` against live targets) changes nothing here.

The spec's ``plivo-*`` formats are generation hints; here they are honoured with
schema-local hooks (not global format registrations, which other suites may own):
path numbers come from the account's US local numbers (plus generated unknown ones), the path auth_id is the
demo account's, and a transfer names one of its subaccounts. Unknown query
parameters are not treated as negative data, because Plivo documents ignoring them
and the emulator does the same.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.generation import GenerationMode

import openapi
from emulator import EmulatorConfig, create_app
from emulator.serve import serve

MAX_EXAMPLES = 12


def _aim(schema: Any, base_url: str, app: Any) -> None:
    demo = app.state.demo
    us_local = [
        o["number"]
        for o in app.state.store.snapshot(demo.auth_id)
        if o["number_type"] == "local" and o["region"].endswith("UNITED STATES") and o["sub_account"] is None
    ]
    subaccounts = [sub_id for sub_id, _ in demo.subaccounts]
    schema.config.update(base_url=base_url, basic_auth=(demo.auth_id, demo.auth_token))
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        allow_extra_parameters=False,
    )
    schema.config.phases.coverage.generate_duplicate_query_parameters = True

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
        if "number" not in path_parameters:
            return st.just({**path_parameters, "auth_id": demo.auth_id})
        numbers = st.sampled_from(us_local) | st.just(path_parameters["number"])
        return numbers.map(lambda n: {**path_parameters, "auth_id": demo.auth_id, "number": n})

    @schema.hook
    def map_body(context: Any, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("subaccount"), str) and body["subaccount"]:
            return {**body, "subaccount": subaccounts[len(body["subaccount"]) % len(subaccounts)]}
        return body


def _problems(event: Any) -> list[str]:
    found = []
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                case = event.recorder.cases[case_id].value
                found.append(
                    f"{event.phase.value} {event.label}: {check.name}: {check.failure_info.failure.title} "
                    f"[{case.method} {case.formatted_path} query={case.query}]"
                )
    return found or [f"{event.phase.value} {event.label}: {event.status.value}"]


def _count_server_error_checks(event: Any, sent: Counter[str], no_5xx: Counter[str]) -> None:
    for case_id, checks in event.recorder.checks.items():
        case = event.recorder.cases[case_id].value
        mode = case.meta.generation.mode.value if case.meta is not None else "unknown"
        sent[mode] += 1
        if any(c.name == "not_a_server_error" and c.status == Status.SUCCESS for c in checks):
            no_5xx[mode] += 1


@pytest.mark.parametrize("level", ["documented", "tolerant"])
def test_schemathesis_finds_nothing(level: openapi.Level) -> None:
    app = create_app(EmulatorConfig(seed=21, numbers=120, level=level))
    problems: list[str] = []
    phases: Counter[str] = Counter()
    # Per generation mode: cases sent, and cases not_a_server_error judged a success.
    sent: Counter[str] = Counter()
    no_5xx: Counter[str] = Counter()
    with serve(app) as base_url:
        spec = openapi.load_spec(level)
        # Only ever the loopback emulator, never the production server the spec names.
        spec["servers"] = [{"url": base_url}]
        schema = schemathesis.openapi.from_dict(spec, config=SchemathesisConfig())
        _aim(schema, base_url, app)
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                phases[f"{event.phase.value}:{event.status.value}"] += 1
                if event.status in (Status.FAILURE, Status.ERROR):
                    problems.extend(_problems(event))
                _count_server_error_checks(event, sent, no_5xx)
            elif isinstance(event, events.NonFatalError | events.FatalError):
                problems.append(repr(event))
            elif isinstance(event, events.EngineFinished):
                assert event.stop_reason.value == "completed"
    assert problems == []
    # Every case sent, positive or negative, was judged by not_a_server_error and passed.
    assert sent["negative"] > 0, sent
    assert sent["positive"] > 0, sent
    assert no_5xx == sent
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        assert phases[f"{phase}:success"] > 0, phases
    # The run exercised every operation's success and refusal paths, not just 401s.
    answered = Counter((record.method, record.status) for record in app.state.request_log)
    for expected in [("GET", 200), ("GET", 400), ("POST", 202), ("POST", 400), ("DELETE", 204), ("PUT", 405)]:
        assert answered[expected] > 0, answered
