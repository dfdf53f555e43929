"""One number as the rules see it: normalised statuses and the scope signals of compliance-rules.md."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from audits.model import NumberRecord
from audits.normalise import Normalised, normalise

if TYPE_CHECKING:
    from audits.graph import Graph


class Subject:
    """A NumberRecord with its statuses normalised once, shared by every rule.

    ``graph`` holds the objects the number points to (audits.graph), when they were read;
    ``today`` is the audit's date, from which deadlines are counted.
    """

    __slots__ = ("_statuses", "graph", "record", "today")

    def __init__(
        self, record: NumberRecord, graph: Graph | None = None, today: dt.date | None = None
    ) -> None:
        self.record = record
        self.graph = graph
        self.today = today or dt.datetime.now(dt.UTC).date()
        self._statuses: dict[str, Normalised] = {}

    def status(self, field: str) -> Normalised:
        """``field`` normalised, on first use only: most rules read one or two fields."""
        found = self._statuses.get(field)
        if found is None:
            found = self._statuses[field] = normalise(field, self.record.raw(field))
        return found

    @property
    def number_type(self) -> str | None:
        return self.status("number_type").value

    # Scope signals. "US" is region ending in UNITED STATES (country_of) with a
    # leading 1; Plivo's toll-free verification covers US and Canada toll-free.
    @property
    def is_nanp_country(self) -> bool:
        return self.record.number.startswith("1")

    @property
    def is_us(self) -> bool:
        return self.record.country == "US" and self.is_nanp_country

    @property
    def is_us_or_ca(self) -> bool:
        return self.record.country in ("US", "CA") and self.is_nanp_country

    @property
    def messaging(self) -> bool:
        return self.record.sms_enabled or self.record.mms_enabled

    @property
    def in_tendlc_scope(self) -> bool:
        """A US local long code that can send SMS or MMS: 10DLC registration applies."""
        return self.is_us and self.number_type == "local" and self.messaging

    @property
    def in_tollfree_sms_scope(self) -> bool:
        """A US or Canada toll-free number that can send SMS: verification applies."""
        return self.is_us_or_ca and self.number_type == "tollfree" and self.record.sms_enabled

    def __repr__(self) -> str:
        return f"<Subject {self.record.number}>"
