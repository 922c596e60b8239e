"""The numba flags of every kernel, in one place.

Kernels are module-level functions over arrays and scalars, compiled once and cached on disk
(``cache=True``; ARCHITECTURE principle 2). Four decorators cover them all:

* :func:`kernel`: a compiled, cached function (``kernel(parallel=True)`` for a ``prange`` loop);
* :func:`inline`: a small helper inlined into its callers at numba's IR level;
* :func:`alloc_free`: a kernel that allocates nothing, compiled without numba's reference-
  counting runtime. That is numba's private option ``_nrt=False``: the only place the project
  uses it. It trims the per-call overhead of the Epstein kernels' hot inner phases.
  ``tests/test_jit.py`` fails loudly if a numba release stops accepting it; the fallback is
  then to drop it here (a few per cent on the Epstein step, no change of results).
"""

from __future__ import annotations

from collections.abc import Callable

from numba import njit

__all__ = ["FLAGS", "NO_RUNTIME", "kernel", "inline", "alloc_free"]

FLAGS: dict = {"cache": True}
"""What every kernel is compiled with."""
NO_RUNTIME: dict = {"_nrt": False}
"""numba's private switch for the reference-counting runtime (see :func:`alloc_free`)."""


def kernel(fn: Callable | None = None, *, parallel: bool = False):
    """``@kernel`` or ``@kernel(parallel=True)``: a cached njit function."""
    flags = {**FLAGS, "parallel": True} if parallel else FLAGS
    if fn is None:
        return lambda f: njit(**flags)(f)
    return njit(**flags)(fn)


def inline(fn: Callable):
    """A cached njit helper that numba inlines into every caller."""
    return njit(**FLAGS, inline="always")(fn)


def alloc_free(fn: Callable):
    """A cached njit kernel without numba's runtime (it must not allocate arrays)."""
    return njit(**FLAGS, **NO_RUNTIME)(fn)
