"""The ``python -m`` commands beside the model: ``sim.tools.aggregate`` (merge a sweep),
``sim.tools.odd`` (the ODD parameter table) and ``sim.tools.epstein_validate`` (the Epstein
replication against Mesa's example)."""
