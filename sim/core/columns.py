"""Column tables: per-agent state as typed numpy arrays, declared once (structure of arrays).

A table class lists its :class:`Column` declarations (name, dtype, default, unit, meaning);
:class:`ColumnTable` allocates one array per column at a capacity that doubles when an append
finds it full, with rows ``0..n-1`` in use. The population, the force units and the insurgent bands are column tables; the Epstein
replication declares its agents with the same :class:`Column` (LASER and Starsim declare their
people the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

__all__ = ["Column", "ColumnTable"]


@dataclass(frozen=True)
class Column:
    """One per-agent array: its name, dtype, initial value, unit and meaning."""

    name: str
    dtype: type
    default: float
    unit: str
    doc: str


class ColumnTable:
    """One numpy array per entry of ``COLUMNS``, each ``capacity`` long; ``n`` rows in use."""

    COLUMNS: ClassVar[tuple[Column, ...]] = ()

    def __init__(self, capacity: int, n: int = 0):
        self.capacity, self.n = int(capacity), int(n)
        for col in self.COLUMNS:
            setattr(self, col.name, np.full(self.capacity, col.default, dtype=col.dtype))

    @classmethod
    def bytes_per_row(cls) -> int:
        """Bytes of state per row (the sum of the columns' item sizes)."""
        return sum(np.dtype(c.dtype).itemsize for c in cls.COLUMNS)

    def grow(self, capacity: int) -> None:
        """Reallocate every column at ``capacity`` rows (at least the current), keeping the
        values of the rows in use (``0..n-1``); every other row holds the defaults. Arrays taken from the table before this are
        stale: read the columns from the table after any append."""
        capacity = int(capacity)
        if capacity <= self.capacity:
            return
        for col in self.COLUMNS:
            old = getattr(self, col.name)
            new = np.full(capacity, col.default, dtype=col.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, col.name, new)
        self.capacity = capacity

    def append(self, **values: Any) -> int:
        """Fill the next free row with ``values`` (other columns keep their defaults); return it.
        A full table doubles its capacity first."""
        i = self.n
        if i >= self.capacity:
            self.grow(max(1, 2 * self.capacity))
        for name, value in values.items():
            getattr(self, name)[i] = value
        self.n += 1
        return i
