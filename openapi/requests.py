"""Request validation from the spec: the one implementation.

The emulator (which refuses a bad request with a 400 naming the problem) and the SDK
checker (which reports how a client's request departs from the contract) both judge a
request here, so they cannot disagree about what a parameter, a body or a format means:

    rules = openapi.requests.request_rules("updateNumber", "tolerant")
    values, problems = rules.query.check([("limit", "50")])
    body, problems = rules.body.check("application/json", b'{"alias": 5}')
    [p.text for p in problems]     # ["alias: 5 is not of type 'string'"]  (the emulator's 400)
    [p.where for p in problems]    # ["body.alias"]                         (the SDK checker's finding)

What differs between the two is policy, never meaning, and each caller states its own:
a server ignores names the spec does not declare (``Problem.ignorable``: Plivo's page
says unknown keys are ignored), and reads a body without a Content-Type (``sniff``);
the SDK checker reports both.

Decided once, here (the two copies used to disagree):

* **Integers in a query or path** are the decimal text an OpenAPI client serialises an
  integer to: an optional ``-`` and ASCII digits (RFC 8259's integer grammar; leading
  zeros tolerated, as both copies did). Plivo's page says only "integer" and no recorded
  request or SDK sends another spelling, so ``+5``, `` 5`` (a query's ``+5``, the plus
  read as a space) and ``5.0`` are not integers: the emulator refuses them (it used to
  strip spaces and take a sign) and the SDK checker flags them.
* **``format: uri``** (``cnam_callback_url``, ``caller_reputation_callback_url``) is
  checked for real: jsonschema checks it only with an optional package, which left
  ``"not a url"`` valid to the SDK checker and invalid to the emulator. The spec
  declares the format and the page calls both fields a URL, so a value must be an
  RFC 3986 URI: a scheme, then an authority or a path, and no whitespace (what the
  emulator enforced). The same checker serves response validation
  (:func:`openapi.schema_validator`), so requests and answers read formats alike.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import jsonschema

__all__ = [
    "FORMAT_CHECKER",
    "INTEGER_TEXT",
    "MAX_FIELDS",
    "MAX_JSON_DEPTH",
    "Body",
    "Parameters",
    "Problem",
    "RequestRules",
    "Severity",
    "UnreadableText",
    "coerce",
    "is_uri",
    "json_depth",
    "pairs",
    "request_rules",
    "schema_problems",
    "text_problems",
    "validate_request",
    "validator",
]

Severity = Literal["violation", "advisory"]

# See the module docstring: the one grammar of an integer sent as text.
INTEGER_TEXT = re.compile(r"-?[0-9]+")
_NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_SURROGATE = re.compile("[\ud800-\udfff]")

# An update body is one flat object; anything deeper is refused before it is validated,
# so no recursive step (validation, error messages) can exhaust the stack.
MAX_JSON_DEPTH = 32
# More pairs than this in one query string or form is not a request for this API.
MAX_FIELDS = 1000

FORMAT_CHECKER = jsonschema.FormatChecker()
for _name, _check in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers.items():
    FORMAT_CHECKER.checkers[_name] = _check


@FORMAT_CHECKER.checks("uri")
def is_uri(value: object) -> bool:
    """Whether ``value`` is an RFC 3986 URI (see the module docstring); ``type`` judges non-strings."""
    if not isinstance(value, str):
        return True
    if any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    return bool(_SCHEME.match(parts.scheme)) and bool(parts.netloc or parts.path)


def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A Draft 2020-12 validator for ``schema`` with the one format checker."""
    return jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER)


@dataclass(frozen=True)
class Problem:
    """One way a request departs from the spec.

    ``location`` is the part (``path``, ``query``, ``body``, ``header.content-type``);
    ``path`` the place inside it (a parameter or field name, list indexes); ``code`` a
    stable slug (a JSON Schema keyword such as ``enum``, or ``repeated-parameter``,
    ``invalid-json`` ...); ``ignorable`` marks a problem only with a name the spec does not
    declare, which a server that ignores unknown names ignores.
    """

    location: str
    path: tuple[str | int, ...]
    code: str
    message: str
    severity: Severity = "violation"
    ignorable: bool = field(default=False, compare=False)

    @property
    def where(self) -> str:
        """``query.limit``, ``body.alias``, ``body.info[0]``: the part and the place in it."""
        return self.location + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)

    @property
    def text(self) -> str:
        """The emulator's wording: ``limit: 50 is greater than the maximum of 20``."""
        place = ".".join(str(p) for p in self.path)
        return f"{place}: {self.message}" if place else self.message

    def __repr__(self) -> str:
        return f"<Problem {self.severity} {self.where} {self.code}>"


class UnreadableText(ValueError):
    """A query string or form that cannot be read at all (not UTF-8, too many fields)."""


def pairs(raw: bytes | str, what: str = "query string", *, strict: bool = False) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a query string or form body; UnreadableText if it cannot be read.

    Unlike a lenient parser, text that is not UTF-8 after percent-decoding is refused, not
    replaced, and so is text of more than MAX_FIELDS pairs. ``strict`` also refuses a
    piece without ``=`` or an empty piece (``a=1&&b``), which a server skips and a
    checker of what clients send reports.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise UnreadableText(f"{what} is not UTF-8") from None
    if not text:
        return []
    try:
        return parse_qsl(
            text, keep_blank_values=True, strict_parsing=strict, errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise UnreadableText(f"{what} is not UTF-8 once percent-decoded") from None
    except ValueError as error:
        if "max_num_fields" in str(error) or "Max number of fields" in str(error):
            raise UnreadableText(f"{what} has more than {MAX_FIELDS} fields") from None
        raise UnreadableText(f"{what} is not a valid form ({error})") from None


def text_problems(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """``(where, what)`` for every string in ``value`` that is not valid Unicode text and
    every number JSON cannot hold (NaN, infinities); keys are checked too. Iterative, so
    any depth is safe.
    """
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                code = f"U+{ord(found.group()):04X}"
                yield path, f"is not valid Unicode text (it holds a lone surrogate, {code})"
        elif isinstance(item, float) and not math.isfinite(item):
            yield path, f"is not a finite number ({item!r})"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = _printable_key(key)
                child_path = f"{path}.{name}" if path else name
                if isinstance(key, str) and _SURROGATE.search(key):
                    yield child_path, "is a key that is not valid Unicode text (it holds a lone surrogate)"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))


def _printable_key(key: Any) -> str:
    return _SURROGATE.sub("\ufffd", str(key))


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0); iterative."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _schema_types(schema: Any) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    kinds = schema.get("type")
    found = set(kinds) if isinstance(kinds, list) else {kinds} if kinds else set()
    for branch in (*schema.get("anyOf", ()), *schema.get("oneOf", ())):
        found |= _schema_types(branch)
    return found


_SCALAR_TYPES = {"string", "integer", "number", "boolean"}


def _is_scalar(schema: Any) -> bool:
    """Whether ``schema`` admits only one value, so a name given twice is ambiguous."""
    types = _schema_types(schema) - {"null"}
    return bool(types) and types <= _SCALAR_TYPES


def coerce(text: str, schema: dict[str, Any]) -> Any:
    """A query, path or form value as the schema's type, when it reads as one (else the text, to fail)."""
    kinds = _schema_types(schema)
    if kinds & {"integer", "number"} and INTEGER_TEXT.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # past Python's limit on digits in int()
            return text
    if "number" in kinds and _NUMBER_TEXT.fullmatch(text):
        return float(text)
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


def _if_clause(error: jsonschema.ValidationError, root: dict[str, Any] | None) -> str:
    # A failing root-level "then" has no parent error; its "if" is in the root schema.
    schema: Any = error.parent.schema if error.parent is not None else root
    if not isinstance(schema, dict) or "if" not in schema:
        return ""
    props = schema["if"].get("properties", {})
    consts = [f"{name}={spec['const']}" for name, spec in props.items() if "const" in spec]
    return " and ".join(consts)


def schema_problems(
    location: str, value: Any, schema: dict[str, Any], prefix: tuple[str | int, ...] = ()
) -> list[Problem]:
    """Every way ``value`` breaks ``schema``, most specific error first within each place."""
    out = []
    for error in sorted(
        validator(schema).iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        leaf = jsonschema.exceptions.best_match([error, *error.context]) if error.context else error
        message = leaf.message
        if leaf.validator == "required" and "then" in leaf.schema_path:
            # The only conditional in the spec is "X=value requires Y"; say it that way.
            clause = _if_clause(leaf, schema)
            missing = re.findall(r"'([^']+)' is a required property", leaf.message)
            if clause and missing:
                message = f"{clause} requires {missing[0]}"
        path = (*prefix, *leaf.absolute_path) if leaf is not error else (*prefix, *error.absolute_path)
        out.append(Problem(location, tuple(path), str(leaf.validator), message))
    return out


class Parameters:
    """The query (or path) parameters of one operation: each declared name, its schema."""

    def __init__(self, location: str, params: Sequence[dict[str, Any]], operation_id: str = "") -> None:
        self.location = location
        self.operation_id = operation_id
        self.schemas: dict[str, dict[str, Any]] = {p["name"]: p.get("schema", {}) for p in params}
        self.required = [p["name"] for p in params if p.get("required")]
        self.defaults = {name: s["default"] for name, s in self.schemas.items() if "default" in s}

    def check(
        self, raw: Mapping[str, str] | Sequence[tuple[str, str]]
    ) -> tuple[dict[str, Any], list[Problem]]:
        """``(values, problems)``: the declared values coerced, with defaults for the absent ones.

        ``raw`` is a mapping (path parameters) or the query's ``(name, value)`` pairs. A
        declared single-valued name given twice is a problem (which value was meant is a
        guess; the last is kept); a name whose schema admits a list collects its values.
        """
        items = list(raw.items()) if isinstance(raw, Mapping) else list(raw)
        what = "query string" if self.location == "query" else self.location
        problems: list[Problem] = []
        given: dict[str, list[str]] = {}
        for name, text in items:
            given.setdefault(name, []).append(text)
        for name, texts in given.items():
            if name not in self.schemas:
                of = f" of {self.operation_id}" if self.operation_id else ""
                problems.append(
                    Problem(
                        self.location, (name,), "unknown-parameter", f"not a parameter{of}", ignorable=True
                    )
                )
            elif len(texts) > 1 and _is_scalar(self.schemas[name]):
                problems.append(
                    Problem(
                        self.location,
                        (name,),
                        "repeated-parameter",
                        f"given more than once in the {what}; give it once",
                    )
                )
        values: dict[str, Any] = {}
        for name, schema in self.schemas.items():
            if name not in given:
                if name in self.required:
                    problems.append(
                        Problem(
                            self.location,
                            (name,),
                            "missing-parameter",
                            f"required {self.location} parameter missing",
                        )
                    )
                continue
            texts = given[name]
            if _is_scalar(schema):
                # Each value judged on its own (a repeat is already a problem); the last kept.
                for text in dict.fromkeys(texts):
                    value = coerce(text, schema)
                    if "integer" in _schema_types(schema) and isinstance(value, str):
                        problems.append(
                            Problem(self.location, (name,), "type", f"{text!r} is not an integer")
                        )
                    else:
                        problems += schema_problems(self.location, value, schema, (name,))
                        values[name] = value
            else:
                value = (
                    [coerce(text, schema) for text in texts] if len(texts) > 1 else coerce(texts[0], schema)
                )
                problems += schema_problems(self.location, value, schema, (name,))
                values[name] = value
        return {**self.defaults, **values}, problems

    def __repr__(self) -> str:
        return f"<Parameters {self.location} {list(self.schemas)}>"


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type value, lower case, without parameters ("" for none)."""
    return (content_type or "").split(";")[0].strip().lower()


def _parse_json(body: bytes) -> tuple[Any, list[Problem]]:
    repeated: list[Problem] = []

    def unique(items: list[tuple[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in items:
            if key in data:
                repeated.append(
                    Problem(
                        "body",
                        (_printable_key(key),),
                        "repeated-field",
                        "given more than once in the request body",
                    )
                )
            data[key] = value
        return data

    def constant(name: str) -> Any:
        # Python reads NaN and Infinity; JSON has neither.
        raise ValueError(f"{name} is not a JSON value")

    try:
        data = json.loads(body, object_pairs_hook=unique, parse_constant=constant)
    except RecursionError:
        return None, [_too_deep()]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Problem("body", (), "invalid-json", f"request body is not valid JSON: {exc}")]
    except ValueError as exc:
        if "is not a JSON value" in str(exc):
            return None, [Problem("body", (), "invalid-json", f"request body is not valid JSON: {exc}")]
        # An integer past Python's limit on digits.
        return None, [
            Problem("body", (), "unreadable-json", f"request body is not JSON this API can read: {exc}")
        ]
    if json_depth(data) > MAX_JSON_DEPTH:
        return None, [_too_deep()]
    return data, repeated


def _too_deep() -> Problem:
    return Problem("body", (), "too-deep", f"request body nests deeper than {MAX_JSON_DEPTH} levels")


class Body:
    """An operation's request body: its media types and the schema of the decoded object."""

    def __init__(self, request_body: dict[str, Any], operation_id: str = "") -> None:
        self.operation_id = operation_id or "this operation"
        self.required = bool(request_body.get("required"))
        self.content: dict[str, dict[str, Any]] = dict(request_body.get("content", {}))
        self.media_types = list(self.content)

    def _schema(self, media: str) -> dict[str, Any]:
        entry = self.content.get(media) or self.content[self.media_types[0]]
        return dict(entry.get("schema", {}))

    def check(
        self, content_type: str | None, body: bytes, *, sniff: bool = False
    ) -> tuple[dict[str, Any] | None, list[Problem]]:
        """``(data, problems)``: the body read by its media type and judged against its schema.

        ``sniff`` is a server's leniency: a body with no Content-Type (or a ``+json`` type)
        is read as JSON, and as a form if it is not JSON; a blank body is an absent one.
        Without it the Content-Type must be one the spec declares.
        """
        media = media_type(content_type)
        absent = not body.strip() if sniff else not body
        if absent and not (sniff and media == "application/x-www-form-urlencoded"):
            # (A server reads an empty form as {}.)
            if self.required:
                message = (
                    "a request body is required: send the fields to change as JSON or form data"
                    if sniff
                    else f"{self.operation_id} requires a body"
                )
                return None, [Problem("body", (), "missing-body", message)]
            return {}, []
        json_like = media in ("", "application/json") or media.endswith("+json")
        if not sniff and media not in self.content:
            accepted = " or ".join(self.media_types)
            return None, [
                Problem(
                    "header.content-type",
                    (),
                    "unsupported-media-type",
                    f"{media or 'no Content-Type'}; {self.operation_id} takes {accepted}",
                )
            ]
        if json_like:
            data, problems = _parse_json(body)
            if problems and problems[0].code == "invalid-json" and sniff and not media:
                # Without a Content-Type, a body that is not JSON is read as a form.
                data, problems = self._form(body)
            schema = self._schema("application/json")
        elif media == "application/x-www-form-urlencoded":
            data, problems = self._form(body, strict=not sniff)
            schema = self._schema(media)
        else:
            return None, [
                Problem(
                    "header.content-type",
                    (),
                    "unsupported-media-type",
                    f"unsupported Content-Type {media!r}: send {' or '.join(self.media_types)}",
                )
            ]
        if data is None and problems:
            return None, problems
        if not isinstance(data, dict):
            kind = "null" if data is None else type(data).__name__
            return None, [
                *problems,
                Problem("body", (), "type", f"request body must be a JSON object, not {kind}"),
            ]
        problems += [Problem("body", (where,), "invalid-text", what) for where, what in text_problems(data)]
        if any(p.code == "invalid-text" for p in problems):
            return None, problems
        problems += schema_problems("body", data, schema)
        properties = schema.get("properties")
        if properties is not None and schema.get("additionalProperties") is not False:
            problems += [
                Problem(
                    "body",
                    (key,),
                    "undeclared-field",
                    f"{key!r} is not a field of {self.operation_id}; the spec says unknown keys are ignored",
                    "advisory",
                    ignorable=True,
                )
                for key in data
                if key not in properties
            ]
        return data, problems

    def _form(self, body: bytes, *, strict: bool = False) -> tuple[dict[str, Any] | None, list[Problem]]:
        try:
            items = pairs(body, "form body", strict=strict)
        except UnreadableText as error:
            return None, [Problem("body", (), "invalid-form", str(error))]
        properties = self._schema("application/x-www-form-urlencoded").get("properties", {})
        form: dict[str, Any] = {}
        problems: list[Problem] = []
        for key, value in items:
            if key in form:
                declared = key in properties
                if declared and not _is_scalar(properties[key]):
                    before = form[key]
                    form[key] = [*(before if isinstance(before, list) else [before]), value]
                    continue
                problems.append(
                    Problem(
                        "body",
                        (key,),
                        "repeated-field",
                        "given more than once in the form body; give it once",
                        ignorable=not declared,
                    )
                )
            form[key] = value
        return form, problems

    def __repr__(self) -> str:
        return f"<Body {self.media_types} required={self.required}>"


@dataclass(frozen=True)
class RequestRules:
    """Everything needed to judge one operation's requests at one strictness level."""

    operation_id: str
    method: str
    path: str
    query: Parameters
    path_params: Parameters
    body: Body | None
    basic_auth: bool

    def __repr__(self) -> str:
        return f"<RequestRules {self.operation_id} {self.method} {self.path}>"


@functools.cache
def request_rules(operation_id: str, level: str = "tolerant") -> RequestRules:
    """The :class:`RequestRules` of ``operation_id`` at ``level`` (built once, then shared: read only)."""
    import openapi

    lvl = openapi._check_level(level)
    method, path, op = openapi.operation(operation_id, lvl)
    spec = openapi.load_spec(lvl)
    params = op.get("parameters", [])
    requirements = op.get("security", spec.get("security", []))
    schemes = spec.get("components", {}).get("securitySchemes", {})
    basic = any(
        schemes.get(name, {}).get("type") == "http" and schemes[name].get("scheme", "").lower() == "basic"
        for requirement in requirements
        for name in requirement
    )
    return RequestRules(
        operation_id=operation_id,
        method=method,
        path=path,
        query=Parameters("query", [p for p in params if p["in"] == "query"], operation_id),
        path_params=Parameters("path", [p for p in params if p["in"] == "path"], operation_id),
        body=Body(op["requestBody"], operation_id) if "requestBody" in op else None,
        basic_auth=basic,
    )


def validate_request(
    level: str,
    operation_id: str,
    *,
    path_params: Mapping[str, str],
    query: Sequence[tuple[str, str]] = (),
    content_type: str | None = None,
    body: bytes = b"",
    sniff: bool = False,
) -> list[Problem]:
    """Every problem of one request to ``operation_id`` at ``level``, in request order.

    Path, query and body, judged by :func:`request_rules`; a body sent to an operation
    that takes none, or a Content-Type on a bodiless request (an advisory), is named too.
    """
    rules = request_rules(operation_id, level)
    problems = rules.path_params.check(path_params)[1] + rules.query.check(query)[1]
    if rules.body is not None:
        problems += rules.body.check(content_type, body, sniff=sniff)[1]
    else:
        if body:
            problems.append(Problem("body", (), "unexpected-body", f"{operation_id} takes no body"))
        media = media_type(content_type)
        if media:
            problems.append(
                Problem(
                    "header.content-type",
                    (),
                    "content-type-without-body",
                    f"Content-Type {media} sent on {rules.method}, which carries no body",
                    "advisory",
                )
            )
    return problems
