"""The one loader of ``openapi/number.yaml``.

Every consumer (contract tests, emulator, audits, SDK checks) takes the spec
from here, at one of two strictness levels:

* ``"documented"`` — strict: the file plus every ``x-strict`` block (constraints
  that recorded responses or SDK behaviour support, the page does not state, and
  ``--strict`` enforces);
* ``"tolerant"`` — the default: the file, which holds only what every source agrees
  on (observed answers such as ``REGISTERED`` admitted), plus the request values real
  clients send that the page does not list (``x-observed`` with ``enum``/``schema``).

The file as it stands is what stock tools (``st run``, Prism, Redocly) read: documented
requests, and answers that every source allows.

Nothing else in the project parses the YAML.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import jsonschema
import referencing
import referencing.jsonschema
import yaml

from .credentials import basic_auth_header, parse_basic_auth
from .operations import (
    GET,
    LIST,
    OPERATION_IDS,
    UNRENT,
    UPDATE,
    PathMatch,
    match_path,
    operation_for,
)
from .requests import FORMAT_CHECKER, Problem, request_rules, validate_request

__all__ = [
    "GET",
    "LEVELS",
    "LIST",
    "OPERATION_IDS",
    "SCHEMA_NAMES",
    "SPEC_PATH",
    "UNRENT",
    "UPDATE",
    "Level",
    "Observation",
    "PathMatch",
    "Problem",
    "basic_auth_header",
    "compliance_schema_errors",
    "load_compliance_spec",
    "load_spec",
    "match_path",
    "observations",
    "operation",
    "operation_for",
    "parse_basic_auth",
    "request_rules",
    "resolve",
    "schema_errors",
    "schema_validator",
    "validate_request",
]

SPEC_PATH = Path(__file__).with_name("number.yaml")
SPEC_URI = "urn:plivo-number-contracts:number.yaml"

Level = Literal["documented", "tolerant"]
LEVELS: tuple[Level, ...] = ("documented", "tolerant")

SCHEMA_NAMES = ("AccountPhoneNumber", "NumberList", "ListMeta", "UpdateResult", "Error")


@dataclass(frozen=True)
class Observation:
    """One recorded deviation from the documentation, as the spec states it."""

    pointer: str
    source: str
    note: str
    values: tuple[Any, ...] = ()
    alternative: dict[str, Any] | None = None

    def __repr__(self) -> str:
        if self.values:
            what = f"values={list(self.values)!r}"
        elif self.alternative:
            what = f"alternative={self.alternative!r}"
        else:
            what = "undocumented"
        return f"<Observation {self.pointer} {what}>"


@functools.cache
def _raw() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return cast(dict[str, Any], yaml.safe_load(handle))


def _check_level(level: str) -> Level:
    if level not in LEVELS:
        raise ValueError(f"unknown strictness level {level!r}; use one of {', '.join(LEVELS)}")
    return cast(Level, level)


def _document(node: Any) -> Any:
    """Apply every ``x-strict`` block: the observed constraints ``--strict`` adds to the file's own.

    The file itself holds what every source agrees on (stock tools read it as it is); an
    ``x-strict`` block names keywords that recorded responses or SDK behaviour support
    but the page does not state, which only the documented (strict) level enforces.
    """
    if isinstance(node, list):
        return [_document(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _document(value) for key, value in node.items() if key != "x-strict"}
    out.update(copy.deepcopy(node.get("x-strict") or {}))
    return out


def _tolerate(node: Any) -> Any:
    """Fold every request-side ``x-observed`` alternative into the schema it annotates.

    Response-side observations are already in the file (a target may answer them); what
    a client may *send* stays documented there, and the tolerant level adds it here.
    """
    if isinstance(node, list):
        return [_tolerate(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _tolerate(value) for key, value in node.items() if key != "x-strict"}
    alternatives = []
    for entry in node.get("x-observed") or []:
        if "enum" in entry and "enum" in out:
            out["enum"] = out["enum"] + [v for v in entry["enum"] if v not in out["enum"]]
        if "schema" in entry:
            alternatives.append(entry["schema"])
    if alternatives:
        documented = {k: v for k, v in out.items() if not k.startswith("description")}
        out = {"anyOf": [documented, *alternatives]}
        if "description" in node:
            out["description"] = node["description"]
    if isinstance(out.get("x-tolerated-content"), dict) and isinstance(out.get("content"), dict):
        # Request encodings we accept though the page shows only one (an ``ours`` convention).
        out["content"] = {**out["content"], **out["x-tolerated-content"]}
    for method in ("get", "post", "put", "patch", "delete"):
        operation = out.get(method)
        if isinstance(operation, dict) and operation.get("x-observed-parameters"):
            extra = [
                {k: v for k, v in p.items() if k in ("name", "in", "description", "schema")}
                for p in operation["x-observed-parameters"]
            ]
            operation["parameters"] = [*operation.get("parameters", []), *extra]
    return out


@functools.cache
def _spec(level: Level) -> dict[str, Any]:
    raw = _raw()
    return cast(dict[str, Any], _tolerate(raw) if level == "tolerant" else _document(raw))


def load_spec(level: Level = "tolerant") -> dict[str, Any]:
    """A fresh copy of the whole spec at ``level``, safe for the caller to mutate."""
    return copy.deepcopy(_spec(_check_level(level)))


def operation(operation_id: str, level: Level = "tolerant") -> tuple[str, str, dict[str, Any]]:
    """``(method, path, operation)`` for an operationId, with path-level parameters merged in."""
    spec = _spec(_check_level(level))
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                merged = copy.deepcopy(op)
                merged["parameters"] = [*item.get("parameters", []), *op.get("parameters", [])]
                return method.upper(), path, resolve(merged, level)
    raise KeyError(f"no operation {operation_id!r} in {SPEC_PATH.name}")


def resolve(node: Any, level: Level = "tolerant") -> Any:
    """``node`` with every local ``$ref`` replaced by a copy of its target (the spec has no cycles)."""
    spec = _spec(_check_level(level))
    if isinstance(node, list):
        return [resolve(item, level) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return resolve(copy.deepcopy(target), level)
    return {key: resolve(value, level) for key, value in node.items()}


@functools.cache
def _registry(level: Level) -> referencing.Registry[Any]:
    resource = referencing.jsonschema.DRAFT202012.create_resource(_spec(level))
    return referencing.Registry().with_resource(SPEC_URI, resource)


@functools.cache
def schema_validator(name: str, level: Level = "tolerant") -> jsonschema.protocols.Validator:
    """A JSON Schema validator for ``components.schemas[name]`` at ``level``."""
    level = _check_level(level)
    if name not in _spec(level)["components"]["schemas"]:
        raise KeyError(f"no schema {name!r} in {SPEC_PATH.name}")
    ref = {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(
        ref,
        registry=_registry(level),
        # The one format checker (openapi.requests): requests and answers read formats alike.
        format_checker=FORMAT_CHECKER,
    )


def schema_errors(instance: Any, name: str, level: Level = "tolerant") -> list[str]:
    """Readable violations of ``instance`` against schema ``name``: ``"where: what"``, empty if valid."""
    errors = sorted(schema_validator(name, level).iter_errors(instance), key=lambda e: list(e.path))
    return [f"{_where(error.absolute_path)}: {_leaf(error).message}" for error in errors]


def _leaf(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    # anyOf/allOf failures hide the useful message in their deepest context.
    return jsonschema.exceptions.best_match([error, *error.context]) if error.context else error


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "$" + "".join(parts)


def observations() -> list[Observation]:
    """Every ``x-observed`` record in the spec, with a JSON pointer to where it applies."""
    return list(_walk_observations(_raw(), ""))


def _walk_observations(node: Any, pointer: str) -> Iterator[Observation]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk_observations(item, f"{pointer}/{index}")
        return
    if not isinstance(node, dict):
        return
    for entry in node.get("x-observed") or []:
        yield Observation(
            pointer=pointer,
            source=entry["source"],
            note=entry["note"],
            values=tuple(entry.get("enum", ())),
            alternative=entry.get("schema"),
        )
    for entry in node.get("x-observed-parameters") or []:
        yield Observation(
            pointer=f"{pointer}/parameters[{entry['name']}]",
            source=entry["source"],
            note=entry["note"],
        )
    for key, value in node.items():
        if key not in ("x-observed", "x-observed-parameters"):
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            yield from _walk_observations(value, f"{pointer}/{escaped}")


# The companion spec of the compliance objects a number points to (10DLC brands and
# campaigns, profiles, toll-free verifications, compliance applications). Served at the
# same two levels by the same helpers; nothing above changes for number.yaml.
COMPLIANCE_SPEC_PATH = Path(__file__).with_name("compliance.yaml")


@functools.cache
def _compliance(level: Level) -> dict[str, Any]:
    with COMPLIANCE_SPEC_PATH.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return cast(dict[str, Any], _tolerate(raw) if level == "tolerant" else _document(raw))


def load_compliance_spec(level: Level = "tolerant") -> dict[str, Any]:
    """A fresh copy of ``compliance.yaml`` at ``level`` (as :func:`load_spec` serves number.yaml)."""
    return copy.deepcopy(_compliance(_check_level(level)))


COMPLIANCE_SPEC_URI = "urn:plivo-number-contracts:compliance.yaml"


@functools.cache
def _compliance_validator(name: str, level: Level) -> jsonschema.protocols.Validator:
    level = _check_level(level)
    spec = _compliance(level)
    if name not in spec["components"]["schemas"]:
        raise KeyError(f"no schema {name!r} in {COMPLIANCE_SPEC_PATH.name}")
    resource = referencing.jsonschema.DRAFT202012.create_resource(spec)
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(COMPLIANCE_SPEC_URI, resource)
    return jsonschema.Draft202012Validator(
        {"$ref": f"{COMPLIANCE_SPEC_URI}#/components/schemas/{name}"},
        registry=registry,
        # The same format checker as number.yaml's answers: formats are decided once.
        format_checker=FORMAT_CHECKER,
    )


def compliance_schema_errors(instance: Any, name: str, level: Level = "tolerant") -> list[str]:
    """As :func:`schema_errors`, against ``compliance.yaml``'s schema ``name``.

    The emulator validates inventory files with it and the contract suite judges answers
    with it, so the two read the compliance objects' schemas alike.
    """
    errors = sorted(
        _compliance_validator(name, level).iter_errors(instance), key=lambda e: list(e.absolute_path)
    )
    return [f"{_where(error.absolute_path)}: {_leaf(error).message}" for error in errors]
