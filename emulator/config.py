"""Settings of one emulator instance: inventory, accounts, strictness and faults."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from openapi import LEVELS, Level

MAIN_AUTH_ID = re.compile(r"^MA[A-Za-z0-9]{18}$")
SUB_AUTH_ID = re.compile(r"^SA[A-Za-z0-9]{18}$")
AUTH_TOKEN = re.compile(r"^[!-~]{1,128}$")

DEFAULT_NUMBERS = 300


class ConfigError(ValueError):
    """A setting is wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Faults:
    """Faults injected in front of the API, for testing clients. All off by default.

    ``latency`` is added to every answer, plus a uniform ``jitter`` in [0, jitter) seconds.
    ``rate_limit`` requests per ``rate_window`` seconds per account (the Basic-auth
    user's main account; subaccounts share it) are served; more get Plivo's 429. ``error_rate`` is the
    fraction of requests answered with one of ``error_statuses`` instead of the API;
    ``drop_rate`` the fraction whose connection is closed before a full answer.
    """

    latency: float = 0.0
    jitter: float = 0.0
    rate_limit: int | None = None
    rate_window: float = 5.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    drop_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.latency < 0 or self.jitter < 0:
            raise ConfigError("latency and jitter must be >= 0 seconds")
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ConfigError(f"rate_limit must be at least 1 request per window, not {self.rate_limit}")
        if self.rate_window <= 0:
            raise ConfigError(f"rate_window must be > 0 seconds, not {self.rate_window}")
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be a fraction between 0 and 1, not {value}")
        if self.error_rate and not self.error_statuses:
            raise ConfigError("error_rate needs at least one status in error_statuses")
        for status in self.error_statuses:
            if not 500 <= status <= 599:
                raise ConfigError(f"error_statuses must be 5xx statuses, not {status}")

    @property
    def active(self) -> bool:
        return bool(self.latency or self.jitter or self.rate_limit or self.error_rate or self.drop_rate)

    def __repr__(self) -> str:
        if not self.active:
            return "Faults(off)"
        parts = []
        if self.latency or self.jitter:
            parts.append(f"latency={self.latency}s+jitter<{self.jitter}s")
        if self.rate_limit:
            parts.append(f"rate_limit={self.rate_limit}/{self.rate_window}s")
        if self.error_rate:
            parts.append(f"error_rate={self.error_rate}x{list(self.error_statuses)}")
        if self.drop_rate:
            parts.append(f"drop_rate={self.drop_rate}")
        return f"Faults({', '.join(parts)})"


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything that decides what an emulator instance serves.

    ``seed`` makes accounts, tokens and inventory reproducible. ``numbers`` is the
    size of the demo main account's generated inventory (subaccount numbers
    included); ``inventory`` replaces it with numbers loaded from a JSON file.
    ``auth_id``/``auth_token`` override the demo main account's credentials.
    ``level`` is the strictness the requests are validated at (see ``openapi``).
    """

    seed: int = 7
    numbers: int = DEFAULT_NUMBERS
    inventory: Path | None = None
    auth_id: str | None = None
    auth_token: str | None = None
    subaccounts: int = 3
    other_numbers: int = 20
    level: Level = "tolerant"
    faults: Faults = field(default_factory=Faults)
    request_log_limit: int = 10_000

    def __post_init__(self) -> None:
        if self.numbers < 0:
            raise ConfigError(f"numbers must be >= 0, not {self.numbers}")
        if self.other_numbers < 0:
            raise ConfigError(f"other_numbers must be >= 0, not {self.other_numbers}")
        if self.subaccounts < 2:
            raise ConfigError(f"subaccounts must be at least 2, not {self.subaccounts}")
        if self.level not in LEVELS:
            raise ConfigError(f"level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.auth_id is not None and not MAIN_AUTH_ID.match(self.auth_id):
            raise ConfigError(
                f"auth_id {self.auth_id!r} has the wrong shape: a main account's auth_id is 'MA' "
                "followed by 18 letters or digits (20 characters), e.g. MAXXXXXXXXXXXXXXXXXX"
            )
        if self.auth_token is not None and not AUTH_TOKEN.match(self.auth_token):
            # Never echo the token itself: it may be a real one pasted by mistake.
            raise ConfigError(
                "auth_token must be 1 to 128 printable characters without spaces "
                f"(got {len(self.auth_token)} characters)"
            )
        if self.auth_token is not None and self.auth_id is None:
            raise ConfigError("auth_token needs auth_id: give both or neither")
        if self.request_log_limit < 0:
            raise ConfigError("request_log_limit must be >= 0")

    def __repr__(self) -> str:
        source = f"inventory={str(self.inventory)!r}" if self.inventory else f"numbers={self.numbers}"
        auth = f", auth_id={self.auth_id!r}" if self.auth_id else ""
        return f"EmulatorConfig(seed={self.seed}, {source}, level={self.level!r}{auth}, {self.faults!r})"
