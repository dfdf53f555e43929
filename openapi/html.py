"""The HTML reports' one templating home: Jinja2 with autoescape on, and one base look.

The audit (audits/report/html_report.py), SDK (sdkcheck/report.py) and kill-matrix
(contracts/killmatrix/report.py) pages are rendered from ``openapi/templates/*.html.j2``,
each extending ``base.html.j2`` (header, summary block, tables, the pass / fail /
incomplete colours). Every value is escaped by Jinja2 on the way out: the report
modules build plain data and never write markup or escape by hand. Data meant for a
script goes through Jinja2's ``tojson`` filter, which makes it safe inside ``<script>``.
The contract suite's own report is pytest-html's, not one of these.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2

__all__ = ["environment", "render"]


@functools.cache
def environment() -> jinja2.Environment:
    """The shared environment: templates from this package, autoescape always on, undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("openapi", "templates"),
        autoescape=True,  # every template here is HTML, whatever its file name ends with
        undefined=jinja2.StrictUndefined,  # a misspelt field is an error, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_blank_none,
    )
    # Compact JSON for embedded data (the audit embeds 100,000 findings); keys kept in order.
    env.policies["json.dumps_kwargs"] = {"separators": (",", ":"), "sort_keys": False}
    env.filters["seconds"] = _seconds
    return env


def _blank_none(value: Any) -> Any:
    """A missing value (None) prints as nothing, not as the word "None"."""
    return "" if value is None else value


def _seconds(value: float | None, digits: int = 1) -> str:
    """A duration with ``digits`` decimals, or nothing when there is none."""
    return "" if value is None else f"{value:.{digits}f}"


def render(template: str, **context: Any) -> str:
    """``openapi/templates/<template>`` rendered with ``context``; every value escaped."""
    return environment().get_template(template).render(**context)
