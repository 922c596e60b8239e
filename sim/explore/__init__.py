"""The explorer: a browser app (Mesa's SolaraViz) for students exploring scenarios.

``python -m sim.explore`` (or ``make explore``) serves it on 127.0.0.1. The pieces:

* :mod:`sim.explore.levers` - which config keys the controls change, with the schema's ranges;
* :mod:`sim.explore.session` - :class:`ExplorerModel`, the Mesa model the controls step
  (compare mode, validation, export); no Solara;
* :mod:`sim.explore.render` - the map and chart images (numpy and matplotlib);
* :mod:`sim.explore.app` - the Solara page;
* :mod:`sim.tools.explore` - the command that starts the server.
"""
