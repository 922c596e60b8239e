"""Phase 3, decide and fight: strikes on detected bands, then columns (patrol, engage, detain),
then each band's operation, move, leadership and split."""

from __future__ import annotations

from sim.phases import insurgency, operations


def fight(model) -> None:
    operations.strikes(model)
    operations.columns(model)
    insurgency.band_operations(model)
