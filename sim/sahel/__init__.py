"""The Sahel model: towns, arteries and populations on a Mesa grid, with state forces, foreign
partners and jihadist factions.

* :mod:`sim.sahel.model`: :class:`SahelModel`, which declares every piece of state and runs the
  phase order of its ``step()`` docstring;
* :mod:`sim.sahel.phases`: one module per phase (timeline, perceive, fight, harm, civilians,
  control, record);
* :mod:`sim.sahel.population`, :mod:`sim.sahel.actors`: the column tables of civilians, units and
  bands, and the Mesa façades over them; :mod:`sim.sahel.setup` places them;
* :mod:`sim.sahel.engagement`, :mod:`sim.sahel.bands`: fighting and civilian harm, and the bands'
  operations;
* :mod:`sim.sahel.kernels`: the numba kernels, each beside its plain-Python twin;
* :mod:`sim.sahel.results`: a run's outputs.
"""
