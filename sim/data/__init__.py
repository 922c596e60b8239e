"""Observed data the model is compared with (ACLED exports: :mod:`sim.data.acled`)."""
