"""Calibration of the model against reference series, on Optuna (``python -m sim.calibrate``).

* :mod:`sim.calibrate.space`: the problem (parameters, ranges, series) from ``configs/calibration/``;
* :mod:`sim.calibrate.loss`: model series from a run, the log-ratio loss;
* :mod:`sim.calibrate.study`: storage, trials, resuming, stale trials;
* :mod:`sim.calibrate.salib`: the same problem as a SALib problem (for Morris/Sobol);
* :mod:`sim.calibrate.__main__`: the command line (local workers, a Slurm job array).
"""
