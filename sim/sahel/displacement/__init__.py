"""Displacement at the record's scale: flight by cause, destinations, protracted exile, sieges.

* :mod:`~sim.sahel.displacement.sites` - towns and refugee camps people flee to, with capacities;
* :mod:`~sim.sahel.displacement.kernels` - the flight hazard by cause, the destination choice and
  onward emigration (numba kernels with readable twins);
* :mod:`~sim.sahel.displacement.flows` - the glue the civilian phase calls, and the stocks the
  record phase reports.

The rules and their sources are in docs/ODD.md (submodel "Displacement") and in
:mod:`sim.config.displacement`.
"""

from sim.sahel.displacement.kernels import CAUSES
from sim.sahel.displacement.sites import Sites, build_sites

__all__ = ["CAUSES", "Sites", "build_sites"]
