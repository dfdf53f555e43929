"""Many Plivo accounts in one audit: ``python -m audits --accounts FILE``.

Resellers and agencies hold several accounts. FILE (TOML) names each one, where its API
is and which environment variables hold its credentials; never the credentials
themselves, so the file can be committed next to the workflow that runs it::

    [accounts.east]
    base_url = "https://api.plivo.com"        # optional: Plivo's API by default
    auth_id_env = "EAST_PLIVO_AUTH_ID"        # names of environment variables,
    auth_token_env = "EAST_PLIVO_AUTH_TOKEN"  # not their values

    [accounts.west]
    auth_id_env = "WEST_PLIVO_AUTH_ID"
    auth_token_env = "WEST_PLIVO_AUTH_TOKEN"

Every account is crawled concurrently with its own rate budget (its own crawl, so its own
pacer, and Plivo counts 300 requests per 5 s per account): a throttled account slows only
itself. At most ``--parallel-accounts`` (PARALLEL_ACCOUNTS) are crawled at once; the others
wait for a turn. One report covers them all (audits.merge.assemble): totals, one section per
account, every finding tagged with its account. An account that cannot be read (refused
credentials, unreachable) makes the run INCOMPLETE with its reasons; the other accounts'
findings are still reported. Every output masks every account's credentials.

A file that holds something shaped like a token is refused, and the value is never
repeated in the message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import re
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from audits.engine import evaluate, rules_for
from audits.history import HistoryDelta
from audits.inventory import CrawlSettings, CrawlStats, Inventory
from audits.merge import Head, Part, assemble
from audits.output import Output
from audits.policy import Policy
from audits.progress import Progress
from audits.run import TOOL, VERSION, AuditResult, Judged, judge_account
from audits.spool import RecordStore
from audits.target import AUTH_ID_ENV, AUTH_TOKEN_ENV, AuditTarget, AuditTargetError, live_target

__all__ = [
    "DEFAULT_BASE_URL",
    "PARALLEL_ACCOUNTS",
    "AccountSpec",
    "AccountsError",
    "credentials",
    "load_accounts",
    "run_accounts",
    "run_accounts_async",
    "select",
    "targets",
]

DEFAULT_BASE_URL = "https://api.plivo.com"
"""Plivo's API root, for an account that names no base_url."""
PARALLEL_ACCOUNTS = 4
"""Accounts crawled at the same time by default (``--parallel-accounts``). Each has its own rate
budget, so more at once is faster, but each holds its crawl's connections (``--concurrency``
each) and its share of one process's CPU: a fleet of hundreds must not open thousands of
sockets at once."""

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""An account name: also a CI matrix value and part of artifact names, so plain characters only."""
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYS = ("base_url", "auth_id_env", "auth_token_env")
SECRET_KEYS = frozenset({"auth_token", "token", "auth_id", "password", "secret", "credentials"})
"""Keys that can only mean the credentials themselves."""


class AccountsError(ValueError):
    """The accounts file is wrong; the message names the file, the key and the fix (never a secret)."""


@dataclass(frozen=True)
class AccountSpec:
    """One account as the file names it: where, and which environment variables hold its credentials."""

    name: str
    base_url: str
    auth_id_env: str
    auth_token_env: str

    def describe(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def looks_like_secret(value: str) -> bool:
    """A Plivo auth token's shape: a long run of letters and digits, mixed case, with digits.

    Environment variable names are upper case with underscores and URLs have punctuation, so
    neither is mistaken for one; an auth token (40 characters) always is.
    """
    return (
        len(value) >= 20
        and value.isascii()
        and value.isalnum()
        and any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
    )


def _strings(data: Any, where: str) -> Iterable[tuple[str, str]]:
    """Every string value (and key) in ``data`` with its dotted path."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, str(key)
            yield from _strings(value, path)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{where}[{index}]")
    elif isinstance(data, str):
        yield where, data


def load_accounts(path: str | Path) -> list[AccountSpec]:
    """The accounts in ``path``, in file order; AccountsError says what is wrong and where."""
    path = Path(path)
    where = f"accounts file {path}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AccountsError(f"{where} does not exist; check --accounts") from None
    except OSError as error:
        raise AccountsError(f"{where} cannot be read: {error.strerror}") from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise AccountsError(f"{where} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        # tomllib's message names the line and column ("... (at line 3, column 9)") and
        # never quotes the text it could not read, so a mistyped token is not echoed.
        raise AccountsError(f"{where} is not valid TOML: {error}") from None
    return parse_accounts(document, where)


def parse_accounts(document: dict[str, Any], where: str = "accounts file") -> list[AccountSpec]:
    """Accounts from a decoded TOML document (see the module docstring for its shape)."""
    # First, before anything could quote a value: no credentials in the file, in any key.
    for key_path, value in _strings(document, ""):
        leaf = key_path.rsplit(".", 1)[-1]
        if leaf in SECRET_KEYS:
            raise AccountsError(
                f"{where}: {key_path} would hold a credential; the file names environment "
                "variables only: set auth_id_env and auth_token_env to the NAMES of the variables "
                "that hold the auth id and token"
            )
        if looks_like_secret(value):
            raise AccountsError(
                f"{where}: {key_path} looks like a token value, not the name of an environment "
                "variable; never put credentials in this file: put the token in an environment "
                "variable (a CI secret) and give that variable's name (value not shown)"
            )
    unknown = sorted(set(document) - {"accounts"})
    if unknown:
        raise AccountsError(f"{where}: unknown top-level key(s) {', '.join(unknown)}; only [accounts.NAME]")
    accounts = document.get("accounts")
    if not isinstance(accounts, dict) or not accounts:
        raise AccountsError(
            f"{where} names no account; add one [accounts.NAME] table with auth_id_env and auth_token_env"
        )
    specs = []
    for name, table in accounts.items():
        at = f"{where}: accounts.{name}"
        if not NAME.fullmatch(name):
            raise AccountsError(
                f"{at}: an account name is 1 to 64 letters, digits, '_', '.' or '-' (starting with "
                "a letter or digit); it names CI jobs and report sections"
            )
        if not isinstance(table, dict):
            raise AccountsError(
                f"{at} must be a table ([accounts.{name}]) with auth_id_env and auth_token_env"
            )
        extra = sorted(set(table) - set(KEYS))
        if extra:
            raise AccountsError(f"{at}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(KEYS)}")
        for key in ("auth_id_env", "auth_token_env"):
            variable = table.get(key)
            if variable is None:
                raise AccountsError(f"{at}: {key} is missing (the name of the environment variable to read)")
            if not isinstance(variable, str) or not ENV_NAME.fullmatch(variable):
                raise AccountsError(
                    f"{at}: {key} must be the name of an environment variable (letters, digits and '_')"
                )
        base_url: Any = table.get("base_url", DEFAULT_BASE_URL)
        if not isinstance(base_url, str):
            raise AccountsError(f"{at}: base_url must be a string, e.g. {DEFAULT_BASE_URL!r}")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AccountsError(f"{at}: base_url {base_url!r} is not an http(s) URL; give the API root")
        if parts.username or parts.password:
            raise AccountsError(f"{at}: base_url must not carry credentials; name environment variables")
        specs.append(AccountSpec(name, base_url, table["auth_id_env"], table["auth_token_env"]))
    return specs


def select(specs: Sequence[AccountSpec], names: Sequence[str] | None) -> list[AccountSpec]:
    """The accounts ``names`` chooses (``--account``, a fan-out job's one account), in file order."""
    if not names:
        return list(specs)
    known = {s.name for s in specs}
    missing = [n for n in names if n not in known]
    if missing:
        raise AccountsError(
            f"--account {', '.join(missing)}: not in the accounts file (it names {', '.join(sorted(known))})"
        )
    return [s for s in specs if s.name in set(names)]


def credentials(
    specs: Iterable[AccountSpec], environ: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """Every ``(auth_id, token)`` the environment holds for ``specs``, for masking in every output."""
    env = os.environ if environ is None else environ
    return [
        (env.get(s.auth_id_env, "").strip(), token)
        for s in specs
        if (token := env.get(s.auth_token_env, "").strip())
    ]


def targets(
    specs: Sequence[AccountSpec], environ: Mapping[str, str] | None = None
) -> list[tuple[str, AuditTarget]]:
    """``(name, AuditTarget)`` per account, credentials from the environment; names every unset variable."""
    env = os.environ if environ is None else environ
    unset = [
        f"{variable} ({key} of account {spec.name})"
        for spec in specs
        for key, variable in (("auth_id_env", spec.auth_id_env), ("auth_token_env", spec.auth_token_env))
        if not env.get(variable, "").strip()
    ]
    if unset:
        raise AccountsError(
            f"environment variable(s) not set: {'; '.join(unset)}. Set each to the account's "
            "credentials (in CI, from secrets); the file only names them"
        )
    out: list[tuple[str, AuditTarget]] = []
    seen: dict[str, str] = {}
    for spec in specs:
        try:
            target = live_target(
                spec.base_url,
                {AUTH_ID_ENV: env[spec.auth_id_env], AUTH_TOKEN_ENV: env[spec.auth_token_env]},
            )
        except AuditTargetError as error:  # pragma: no cover - parse_accounts checked the URL already
            raise AccountsError(f"account {spec.name}: {error}") from None
        if target.history_key in seen:
            raise AccountsError(
                f"accounts {seen[target.history_key]} and {spec.name} are the same account "
                f"({target.base_url}, auth id {target.auth_id}): it would be crawled twice, on one rate "
                "budget, and counted twice; remove one"
            )
        seen[target.history_key] = spec.name
        out.append((spec.name, dataclasses.replace(target, label=f"{spec.name}: {target.label}")))
    return out


def part_of(
    name: str, judged: Judged, policy: Policy, started: dt.datetime, history_path: str | Path
) -> Part:
    """One account's section and findings, before history: the same shape a merge reads back."""
    result = AuditResult(
        target=judged.target,
        settings=judged.settings,
        policy=policy,
        inventory=judged.inventory,
        evaluation=judged.evaluation,
        delta=HistoryDelta([], [], None),
        trend=[],
        started_at=started,
        duration_s=judged.duration_s,
        history_path=str(history_path),
        output=judged.output,
        # The account's own phases (crawl, graph, rules, impact): which account took the time.
        phases=judged.phases,
        phases_cpu=judged.phases_cpu,
    )
    # Rules that could not run (or not on every object) may not resolve earlier findings.
    settled = getattr(judged.evaluation, "rules_settled", None)
    return Part.from_account_document(
        name,
        judged.output.text(judged.target.history_key),
        result.document(),
        judged.evaluation.findings,
        judged.audited,
        policy.rules if settled is None else settled,
    )


async def _judge(
    target: AuditTarget, policy: Policy, crawl_options: dict[str, Any] | None, started: dt.datetime
) -> Judged:
    """judge_account, and never an exception: a failure is this account's INCOMPLETE reason."""
    try:
        return await judge_account(target, policy, crawl_options, Progress(enabled=False), started)
    except Exception as error:  # one account's bug must not cost the others their report
        settings = CrawlSettings(
            base_url=target.base_url,
            auth_id=target.auth_id,
            auth_token=target.auth_token,
            **(crawl_options or {}),
        )
        reason = f"the audit of this account stopped on an unexpected error: {type(error).__name__}: {error}"
        output = Output().with_credentials(target.auth_id, target.auth_token)
        inventory = Inventory({}, None, [output.text(reason)], CrawlStats())
        return Judged(target, settings, inventory, evaluate([], policy, started.date()), output, [], 0.0)


async def run_accounts_async(
    accounts: Sequence[tuple[str, AuditTarget]],
    policy: Policy,
    history_path: str | Path,
    crawl_options: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    output: Output | None = None,
    parallel: int = PARALLEL_ACCOUNTS,
) -> dict[str, Any]:
    """Audit every account concurrently, ``parallel`` at a time; the one audit document
    (audit.json) covering them all.

    ``output`` masks the credentials of every account (and any other pair it was given).
    """
    started = now or dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    slots = asyncio.Semaphore(parallel)

    async def in_turn(name: str, target: AuditTarget) -> Part:
        async with slots:
            judged = await _judge(target, policy, crawl_options, started)
        part = part_of(name, judged, policy, started, history_path)
        # Only the part is kept: the account's records (and their cache) are not needed again.
        records = judged.inventory.records
        if isinstance(records, RecordStore):
            records.close()
        part.findings.connection.execute("PRAGMA shrink_memory")
        return part

    parts = list(await asyncio.gather(*(in_turn(name, target) for name, target in accounts)))
    judging = time.monotonic() - clock
    if output is None:
        output = Output([(t.auth_id, t.auth_token) for _, t in accounts])
    head = Head(
        tool=TOOL,
        version=VERSION,
        rules=[r.describe() for r in rules_for(policy)],
        policy=policy.describe(),
        started_at=started,
        duration_s=time.monotonic() - clock,
        phases={"accounts": judging},
    )
    return assemble(parts, head, history_path, output)


def run_accounts(
    accounts: Sequence[tuple[str, AuditTarget]],
    policy: Policy,
    history_path: str | Path,
    crawl_options: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    output: Output | None = None,
    parallel: int = PARALLEL_ACCOUNTS,
) -> dict[str, Any]:
    """:func:`run_accounts_async` from synchronous code."""
    return asyncio.run(
        run_accounts_async(accounts, policy, history_path, crawl_options, now, output, parallel)
    )
