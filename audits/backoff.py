"""Exponential backoff with full jitter, seeded so a run's delays can be replayed."""

from __future__ import annotations

import random

__all__ = ["Backoff"]


class Backoff:
    """Delay before retry ``attempt`` (1-based): uniform in [0, min(cap, base * 2**(attempt-1))]."""

    def __init__(self, seed: int, base: float = 0.2, cap: float = 5.0, attempts: int = 6) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.seed = seed
        self.base = base
        self.cap = cap
        self.attempts = attempts
        self._random = random.Random(seed)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        jittered = self._random.uniform(0, ceiling)
        # A server that says when to come back is believed, up to the cap.
        return max(jittered, min(retry_after, self.cap)) if retry_after else jittered

    def __repr__(self) -> str:
        return f"<Backoff seed={self.seed} base={self.base}s cap={self.cap}s attempts={self.attempts}>"
