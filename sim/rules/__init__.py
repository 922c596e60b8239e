"""Behavioural rules named after their sources, chosen by name in the config.

* :mod:`sim.rules.arrest`: estimated arrest probability and activation (Epstein 2002), for the
  Epstein replication and for the Sahel civilians' joining decision. Compiled (numba).
* :mod:`sim.rules.attrition`: engagement losses (Deitchman 1962; Lanchester 1916), picked by
  ``mechanisms.attrition``. Plain Python: engagements are few.

This package imports neither module itself, so the config schema can read the attrition rules'
names without loading numba.
"""
