"""What to generate: one extract of the demo data (LoadSpec), and the history it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

DEFAULT_AS_OF = datetime(2026, 1, 1, 1, 0, tzinfo=timezone.utc)
HISTORY_DAYS = 120


@dataclass(frozen=True)
class LoadSpec:
    """One extract to generate: the base history (increment_day 0) or the K-th later daily extract."""

    messages: int
    seed: int
    as_of: datetime = DEFAULT_AS_OF
    increment_day: int = 0

    def __post_init__(self) -> None:
        if self.messages < 1000:
            raise ValueError("--messages must be at least 1000")
        if self.increment_day < 0:
            raise ValueError("--increment-day must be 0 (the base load) or a positive day number")
        if self.as_of.tzinfo is None:
            raise ValueError("the as-of must carry a time zone")

    @property
    def horizon(self) -> datetime:
        """The as-of of the extract being written (its `_extracted_at`)."""
        return self.as_of + timedelta(days=self.increment_day)

    @property
    def window_start(self) -> datetime | None:
        """Rows extracted after this belong to the extract (None: the whole history)."""
        return self.as_of + timedelta(days=self.increment_day - 1) if self.increment_day else None

    @property
    def history_start(self) -> datetime:
        """The first daily extract: rows older than the history are first copied then."""
        return self.as_of - timedelta(days=HISTORY_DAYS)

    @property
    def tenants(self) -> int:
        """Tenants grow sub-linearly with volume: 20 at 50k messages, about 1,000 at 10M."""
        return max(3, round(20 * (self.messages / 50_000) ** 0.75))

    @property
    def size_factor(self) -> float:
        """Bigger tenants (more messages each) run more mailboxes and campaigns."""
        return max(1.0, (self.messages / self.tenants / 2500) ** 0.5)
