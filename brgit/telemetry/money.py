"""Exact sums of what cost-ledger records add up to, however they are grouped.

`Money` sums floats exactly, so a total does not depend on how records were grouped into
segments, days or calls. `Row` is what one ledger record adds to a summary; `Group` sums the
rows of one model (requests, USD, tokens) and `Tally` a whole summary: per day, per model,
unknown models and price versions. A full scan of the ledger and the spend index both build a
`Tally`, so `br routing costs` gives the same figures whichever way it was served.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

EXACT_BITS = 1074  # every finite float is a whole number of 2**-1074

TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "thinking_tokens",
)


@dataclass
class Money:
    """An exact sum of floats: finite values as a whole number of 2**-1074, infinities and
    NaN summed apart as floats."""

    units: int = 0
    special: float = 0.0

    def add(self, value: float) -> None:
        if math.isfinite(value):
            num, den = value.as_integer_ratio()  # den is a power of two
            self.units += num << (EXACT_BITS + 1 - den.bit_length())
        else:
            self.special += value

    def merge(self, other: Money) -> None:
        self.units += other.units
        self.special += other.special

    def copy(self) -> Money:
        return Money(self.units, self.special)

    def value(self) -> float:
        """The sum, correctly rounded (what `math.fsum` gives for the same values)."""
        try:
            return self.units / (1 << EXACT_BITS) + self.special
        except OverflowError:
            return math.copysign(math.inf, self.units) + self.special

    def to_list(self) -> list[Any]:
        """[m, e, special] with units = m * 2**(EXACT_BITS - e): short in JSON."""
        zeros = (self.units & -self.units).bit_length() - 1 if self.units else EXACT_BITS
        return [self.units >> zeros, EXACT_BITS - zeros, self.special]

    @classmethod
    def from_list(cls, m: Any, e: Any, special: Any) -> Money:
        if not (type(m) is int and type(e) is int and 0 <= EXACT_BITS - e <= 2 * EXACT_BITS):
            raise ValueError("bad money")
        if not isinstance(special, float):
            raise ValueError("bad money")
        return cls(m << (EXACT_BITS - e), special)


class Row(NamedTuple):
    """What one (first-seen) ledger record adds to the spend and to a summary."""

    key: Any  # its idempotency key; None: never de-duplicated
    ts: str  # UTC ISO text: its first 10 characters are its day
    cost: float
    name: str  # the model as summaries group it (its short name)
    tokens: tuple[int, ...]  # in TOKEN_FIELDS order
    unknown: str | None  # the model as recorded, when the price table did not know it
    version: str | None  # the price table's version


@dataclass
class Group:
    """The requests, USD and tokens of one model."""

    requests: int = 0
    money: Money = field(default_factory=Money)
    tokens: list[int] = field(default_factory=lambda: [0] * len(TOKEN_FIELDS))

    def add(self, row: Row) -> None:
        self.requests += 1
        self.money.add(row.cost)
        for i, n in enumerate(row.tokens):
            self.tokens[i] += n

    def merge(self, other: Group) -> None:
        self.requests += other.requests
        self.money.merge(other.money)
        for i, n in enumerate(other.tokens):
            self.tokens[i] += n

    def to_list(self) -> list[Any]:
        return [self.requests, *self.money.to_list(), *self.tokens]

    @classmethod
    def from_list(cls, data: Any) -> Group:
        """Raises TypeError or ValueError unless `data` is what `to_list` gave."""
        requests, m, e, special, *tokens = data
        if len(tokens) != len(TOKEN_FIELDS):
            raise ValueError("bad token counts")
        if not all(type(n) is int and n >= 0 for n in (requests, *tokens)):
            raise ValueError("bad counts")
        return cls(requests, Money.from_list(m, e, special), list(tokens))


@dataclass
class Tally:
    """A cost summary being built: USD per day, a `Group` per model, unknown models and
    price versions."""

    days: dict[str, Money] = field(default_factory=dict)
    models: dict[str, Group] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)

    def add(self, row: Row) -> None:
        self.days.setdefault(row.ts[:10], Money()).add(row.cost)
        self.models.setdefault(row.name, Group()).add(row)
        if row.unknown is not None:
            self.unknown.add(row.unknown)
        if row.version is not None:
            self.versions.add(row.version)

    def add_day(
        self, day: str, money: Money, groups: dict[str, Group], unknown: set[str],
        versions: set[str],
    ) -> None:  # fmt: skip
        """A whole day of one segment, summed already."""
        self.days.setdefault(day, Money()).merge(money)
        for name, group in groups.items():
            self.models.setdefault(name, Group()).merge(group)
        self.unknown |= unknown
        self.versions |= versions
