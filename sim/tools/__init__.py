"""The ``python -m`` commands beside the model: ``sim.tools.aggregate`` (merge a sweep),
``sim.tools.odd`` (the ODD parameter table), ``sim.tools.explore`` (serve the explorer, also
``python -m sim.explore``) and ``sim.tools.epstein_validate`` (the Epstein
replication against Mesa's example)."""
