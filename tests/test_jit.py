"""numba's private ``_nrt=False`` (sim/core/jit.py) must still be accepted and still mean
"no runtime": if a numba release drops it, this fails loudly instead of slowing kernels."""

from __future__ import annotations

import numpy as np

from sim.core.jit import NO_RUNTIME, alloc_free, inline, kernel


@alloc_free
def _sum_into(values, out):
    total = 0.0
    for v in values:
        total += v
    out[0] = total


@inline
def _twice(x):
    return 2.0 * x


@kernel
def _twice_all(values):
    out = np.empty_like(values)
    for i in range(values.size):
        out[i] = _twice(values[i])
    return out


def test_alloc_free_kernels_compile_without_numbas_runtime():
    out = np.zeros(1)
    _sum_into(np.arange(5.0), out)
    assert out[0] == 10.0
    assert NO_RUNTIME == {"_nrt": False}
    assert _sum_into.targetoptions.get("_nrt") is False
    sig = _sum_into.signatures[0]
    # no NRT means no reference-counting calls in the compiled code
    assert "NRT_decref" not in _sum_into.inspect_llvm(sig)


def test_kernels_and_inlined_helpers_compile_with_the_shared_flags():
    assert type(_twice_all._cache).__name__ == "FunctionCache"  # cache=True (NullCache otherwise)
    assert list(_twice_all(np.arange(3.0))) == [0.0, 2.0, 4.0]
