"""Numbers the emulator starts with: generated from a seed, or loaded from a JSON file.

Generated inventories cover every value a client must handle: every number_type,
US and non-US numbers, every 10DLC / toll-free verification / Caller Reputation
status including null where it does not apply, profile present and absent,
subaccount numbers, aliases null / "" / text, CNAM, renewal dates spread over a
year, and a few numbers still pending activation. Coverage is guaranteed from
about 60 numbers up; smaller inventories cover what fits.

Dates are counted from the fixed REFERENCE_DATE, not today, so one seed gives the
same inventory on any day.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openapi

from .config import MAX_NUMBERS, SUB_AUTH_ID
from .validation import json_depth, text_problems

REFERENCE_DATE = dt.date(2026, 1, 1)

TENDLC_STATUSES = ("UNREGISTERED", "PROCESSING", "COMPLETED")
TOLL_FREE_STATUSES = ("UNVERIFIED", "PENDING_VERIFICATION", "VERIFIED")
# (profile present, caller_reputation_status) pairs for numbers Caller Reputation applies to.
REPUTATION_STATES: tuple[tuple[bool, str | None], ...] = (
    (False, None),
    (True, "PENDING"),
    (True, "ACTIVE"),
    (False, "NOT_ENROLLED"),
    (True, "FAILED"),
    (True, None),
)
ALIAS_WORDS = ("Main Line", "Support", "Sales desk", "Night shift", "Campaign", "Front desk", "Alerts")
CNAM_NAMES = ("ACME CORP", "PLIVO DEMO", "NORTHWIND", "CONTOSO")
US_AREAS = (
    ("415", "California"),
    ("760", "California"),
    ("212", "New York"),
    ("512", "Texas"),
    ("305", "Florida"),
    ("206", "Washington"),
    ("312", "Illinois"),
    ("617", "Massachusetts"),
)
TOLL_FREE_PREFIXES = ("800", "833", "844", "855", "866", "877", "888")
# mms implies sms; every combination a filter can tell apart appears.
SERVICE_SETS = ((True, True, True), (True, True, False), (True, False, False), (False, True, True))


@dataclass(frozen=True)
class Kind:
    """A family of numbers: country, type, how numbers and regions look, and prices."""

    name: str
    number_type: str
    us: bool
    prefix: str
    digits: int
    region: str
    monthly: str
    voice_rate: str
    sms_rate: str
    mms_rate: str

    def make_number(self, rng: random.Random) -> tuple[str, str]:
        if self.name == "us_local":
            area, state = rng.choice(US_AREAS)
            return "1" + area + _digits(rng, 7, first_nonzero=True), f"{state}, UNITED STATES"
        if self.name == "us_tollfree":
            return "1" + rng.choice(TOLL_FREE_PREFIXES) + _digits(rng, 7), self.region
        return self.prefix + _digits(rng, self.digits), self.region


KINDS = (
    Kind("us_local", "local", True, "1", 10, "", "0.80000", "0.00850", "0.00500", "0.01800"),
    Kind(
        "us_tollfree",
        "tollfree",
        True,
        "1",
        10,
        "Toll Free, UNITED STATES",
        "1.00000",
        "0.01900",
        "0.00500",
        "0.01800",
    ),
    Kind(
        "gb_local",
        "local",
        False,
        "4420",
        8,
        "London, UNITED KINGDOM",
        "1.20000",
        "0.01000",
        "0.04000",
        "0.00000",
    ),
    Kind(
        "gb_mobile",
        "mobile",
        False,
        "447",
        9,
        "Mobile, UNITED KINGDOM",
        "2.50000",
        "0.01500",
        "0.04000",
        "0.00000",
    ),
    Kind(
        "de_fixed", "fixed", False, "4930", 8, "Berlin, GERMANY", "1.50000", "0.01200", "0.00000", "0.00000"
    ),
    Kind(
        "fr_national",
        "national",
        False,
        "339",
        8,
        "National, FRANCE",
        "2.00000",
        "0.01300",
        "0.00000",
        "0.00000",
    ),
    Kind(
        "in_mobile", "mobile", False, "919", 9, "Karnataka, INDIA", "3.00000", "0.02000", "0.00300", "0.00000"
    ),
    Kind(
        "au_local", "local", False, "612", 8, "Sydney, AUSTRALIA", "4.00000", "0.01600", "0.05000", "0.00000"
    ),
)
KIND_WEIGHTS = (55, 10, 7, 6, 6, 6, 5, 5)


def _digits(rng: random.Random, count: int, first_nonzero: bool = False) -> str:
    # North American subscriber numbers cannot start with 0 or 1.
    low = 2 * 10 ** (count - 1) if first_nonzero else 0
    return str(rng.randrange(low, 10**count)).zfill(count)


@functools.cache
def _date(days: int) -> str:
    # One string object per distinct date: 100,000 numbers share about 1,500 of them.
    return (REFERENCE_DATE + dt.timedelta(days=days)).isoformat()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Cycle:
    """Hands out each option in turn per category, so small inventories still cover them all."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def next(self, category: str, options: tuple[Any, ...]) -> Any:
        count = self._counters.get(category, 0)
        self._counters[category] = count + 1
        return options[count % len(options)]


@dataclass(frozen=True)
class OwnedNumber:
    """A number object in the API's shape, with the main account that owns it."""

    owner: str
    fields: dict[str, Any]

    def __repr__(self) -> str:
        return f"<OwnedNumber {self.fields.get('number')} owner={self.owner}>"


def generate(
    owner: str,
    count: int,
    subaccounts: list[str],
    rng: random.Random,
    taken: set[str],
) -> Iterator[OwnedNumber]:
    """``count`` numbers for main account ``owner``; every 4th goes to one of ``subaccounts``."""
    cycle = _Cycle()
    for index in range(count):
        kind = KINDS[index] if index < len(KINDS) else rng.choices(KINDS, KIND_WEIGHTS)[0]
        number, region = kind.make_number(rng)
        while number in taken:
            number, region = kind.make_number(rng)
        taken.add(number)
        yield OwnedNumber(owner, _fields(owner, kind, number, region, index, subaccounts, rng, cycle))


def _fields(
    owner: str,
    kind: Kind,
    number: str,
    region: str,
    index: int,
    subaccounts: list[str],
    rng: random.Random,
    cycle: _Cycle,
) -> dict[str, Any]:
    voice, sms, mms = cycle.next(f"services:{kind.us}", SERVICE_SETS)
    tendlc = cycle.next("tendlc", TENDLC_STATUSES) if kind.name == "us_local" and sms else None
    campaign = f"C{rng.randrange(16**6):06X}" if tendlc in ("PROCESSING", "COMPLETED") else None
    toll_free = cycle.next("tollfree", TOLL_FREE_STATUSES) if kind.name == "us_tollfree" and sms else None
    if kind.us:
        has_profile, reputation = cycle.next("reputation", REPUTATION_STATES)
        cnam_lookup = cycle.next(f"cnam_lookup:{kind.name}", ("enabled", "disabled", None))
        cnam = cycle.next("cnam", (None, *CNAM_NAMES))
    else:
        has_profile, reputation = cycle.next("profile", (False, True)), None
        cnam_lookup = cnam = None
    sub_account = subaccounts[(index // 4) % len(subaccounts)] if subaccounts and index % 4 == 3 else None
    alias = cycle.next("alias", (None, "", "text"))
    if alias == "text":
        alias = f"{rng.choice(ALIAS_WORDS)} {index}"
    application = None
    if cycle.next("application", (True, True, False)):
        application = f"/v1/Account/{owner}/Application/{rng.randrange(10**16, 10**17)}/"
    added_on = _date(-rng.randrange(30, 1100))
    renewal = _date(rng.randrange(0, 365))
    return {
        "number": number,
        "alias": alias,
        "sub_account": sub_account,
        "added_on": added_on,
        "application": application,
        "carrier": "Plivo" if rng.random() < 0.9 else "Bandwidth",
        "region": region,
        "number_type": kind.number_type,
        "monthly_rental_rate": kind.monthly,
        "renewal_date": renewal,
        "sms_enabled": sms,
        "sms_rate": kind.sms_rate if sms else "0.00000",
        "mms_enabled": mms,
        "mms_rate": kind.mms_rate if mms else "0.00000",
        "voice_enabled": voice,
        "voice_rate": kind.voice_rate if voice else "0.00000",
        "resource_uri": f"/v1/Account/{owner}/Number/{number}/",
        "cnam_lookup": cnam_lookup,
        "cnam": cnam,
        "tendlc_campaign_id": campaign,
        "tendlc_registration_status": tendlc,
        "toll_free_sms_verification": toll_free,
        "profile_uuid": _uuid(rng) if has_profile else None,
        "caller_reputation_status": reputation,
        # Not documented, but real objects carry it; numbers pending activation are the
        # only ones whose compliance_application_id can still be set.
        "active": index % 23 != 5,
        "compliance_application_id": None,
    }


class InventoryError(ValueError):
    """An inventory file cannot be used; the message says where and why."""


# Top-level keys an inventory file may hold besides its numbers: a saved list page's own,
# and the compliance objects the numbers point to (emulator.compliance.RESOURCES).
PAGE_KEYS = ("api_id", "meta")
COMPLIANCE_KEYS = (
    "brands",
    "campaigns",
    "campaign_numbers",
    "profiles",
    "tollfree_verifications",
    "compliance_applications",
    "phone_number_compliances",
)


def load(path: Path, owner: str) -> list[OwnedNumber]:
    """Numbers from a JSON file: a list of number objects, or a list page with ``objects``.

    Objects are validated against AccountPhoneNumber (tolerant level); their
    resource_uri is rewritten to the emulator's main account. ``api_id`` keys are
    dropped. Values the emulator could never write back out as JSON (text that is not
    valid Unicode, such as a lone surrogate ``"\ud800"``, or NaN) are refused here with
    the number and field, so they cannot break a list or get later. Compliance objects
    in the file are not read here (see :func:`load_document`).
    """
    return load_document(path, owner)[0]


def load_document(path: Path, owner: str) -> tuple[list[OwnedNumber], dict[str, Any] | None]:
    """The file's numbers (as :func:`load`) and its compliance objects, if it has any.

    Besides a list or a list page, the file may be an object with the numbers under
    ``objects`` (or ``numbers``) and any of ``COMPLIANCE_KEYS`` next to them; those are
    returned unchecked as the second item (emulator.compliance.from_document checks
    them), or None when the file names none of them. Any other top-level key is refused,
    so a misspelt ``campaings`` is not silently ignored.
    """
    data = _read_json(path)
    extra: dict[str, Any] | None = None
    if isinstance(data, dict):
        unknown = sorted(
            str(k) for k in data if k not in ("objects", "numbers", *PAGE_KEYS, *COMPLIANCE_KEYS)
        )
        has_numbers = [k for k in ("objects", "numbers") if k in data]
        if len(has_numbers) == 2:
            raise InventoryError(f'inventory file {path} has both "objects" and "numbers"; keep one')
        # A saved list page may carry keys of its own; a file naming compliance objects (or
        # a near-miss of one, like "campaings") is the new form, which names every key it has.
        new_form = "numbers" in data or any(k in data for k in COMPLIANCE_KEYS)
        misspelt = [k for k in unknown if difflib.get_close_matches(k, COMPLIANCE_KEYS, n=1, cutoff=0.8)]
        if has_numbers and unknown and (new_form or misspelt):
            raise InventoryError(
                f"inventory file {path} has unknown top-level key(s) {', '.join(unknown)}; it may hold "
                f'"objects" (or "numbers"), {", ".join(COMPLIANCE_KEYS)}, api_id and meta'
            )
        if has_numbers and isinstance(data[has_numbers[0]], list):
            present = {k: data[k] for k in COMPLIANCE_KEYS if k in data}
            extra = present or None
            data = data[has_numbers[0]]
    return _numbers(data, path, owner), extra


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InventoryError(f"inventory file {path} does not exist") from None
    except (OSError, ValueError) as exc:  # ValueError: undecodable text, a NUL in the path
        raise InventoryError(f"cannot read inventory file {str(path)!r}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(f"inventory file {path} is not JSON: {exc}") from None
    except RecursionError:
        raise InventoryError(f"inventory file {path} nests JSON too deeply to be an inventory") from None
    except ValueError as exc:  # e.g. an integer past Python's limit on digits
        raise InventoryError(f"inventory file {path} is not JSON the emulator can read: {exc}") from None
    return data


def _numbers(data: Any, path: Path, owner: str) -> list[OwnedNumber]:
    if not isinstance(data, list):
        raise InventoryError(
            f"inventory file {path} must hold a JSON list of number objects "
            '(or a list page with "objects"), not a JSON ' + type(data).__name__
        )
    if len(data) > MAX_NUMBERS:
        raise InventoryError(
            f"inventory file {path} holds {len(data)} numbers; at most {MAX_NUMBERS} are served"
        )
    problems: list[str] = []
    seen: set[str] = set()
    numbers = []
    for index, item in enumerate(data):
        unwritable = list(text_problems(item))
        if unwritable:
            label = _label(item)
            problems.extend(f"{_at(index, where)} ({label}): {what}" for where, what in unwritable)
            continue
        if json_depth(item) > 8:
            problems.append(f"[{index}]: nests objects or lists deeper than a number object can")
            continue
        errors = openapi.schema_errors(item, "AccountPhoneNumber", "tolerant")
        if errors:
            problems.extend(f"[{index}]{error[1:]}" for error in errors)
            continue
        number = item["number"]
        if number in seen:
            problems.append(f"[{index}].number: {number} appears more than once")
        seen.add(number)
        sub = item.get("sub_account")
        if sub is not None and not SUB_AUTH_ID.match(sub):
            problems.append(
                f"[{index}].sub_account: {sub!r} is not a subaccount auth_id (SA + 18 characters)"
            )
        fields = {key: value for key, value in item.items() if key != "api_id"}
        fields["resource_uri"] = f"/v1/Account/{owner}/Number/{number}/"
        numbers.append(OwnedNumber(owner, fields))
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise InventoryError(f"inventory file {path} has {len(problems)} problem(s):\n  {shown}{more}")
    return numbers


def _at(index: int, where: str) -> str:
    return f"[{index}]" + (f".{where}" if where and not where.startswith("[") else where)


def _label(item: Any) -> str:
    """``number 1415...`` for an object whose number can be printed, else what it is."""
    number = item.get("number") if isinstance(item, dict) else None
    if isinstance(number, str) and not any(True for _ in text_problems(number)):
        return f"number {number}"
    return (
        "an object without a readable number" if isinstance(item, dict) else f"a JSON {type(item).__name__}"
    )
