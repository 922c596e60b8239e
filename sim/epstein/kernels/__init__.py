"""The Epstein replication's kernels, one module per update scheme, and their twins.

* :mod:`.sequential`: Mesa's random sequential activation, exact rules (serial);
* :mod:`.synchronous`: every agent decides from the previous state, in parallel;
* :mod:`.tiled`: random sequential within tiles, far-apart tiles in parallel;
* :mod:`.twins`: plain-Python twins of all three, for the tests;
* :mod:`.simd`, :mod:`.prefetch`: LLVM intrinsics (vector vision counts, cache prefetches).

Flags come from :mod:`sim.core.jit`.
"""
