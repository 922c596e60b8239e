"""The shared core of both models: declared parameters, reproducible randomness, column tables,
integer codes and the one set of numba flags.

``params``, ``codes`` and ``columns`` are plain Python and numpy; ``rng`` and ``jit`` import
numba, so this package imports none of its modules itself.
"""
