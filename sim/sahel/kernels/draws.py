"""Draws from a numpy Generator inside kernels, without the cost of passing the Generator.

numba can take a ``np.random.Generator`` as an argument, but unpacking it costs ~30 us a call,
more than a day of band turns. A kernel takes :func:`stream_handle` instead (an int64 array:
the bit generator's state address and its ``next_uint32`` and ``next_double`` functions) and
draws with :func:`uniform` (``rng.random()``) and :func:`bounded` (``rng.integers(low, high)``).
They call those same C functions of the same bit generator with numpy's algorithms (a double
is ``next_double``; a bounded integer is Lemire's rejection on 32-bit draws, the 32-bit
half-word buffer being the bit generator's own), so numpy's calls and these interleave on one
stream. tests/test_fight_speed2.py checks them draw for draw against numpy, state included.
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from sim.core.jit import inline

__all__ = ["stream_handle", "uniform", "bounded"]

STATE, NEXT_UINT32, NEXT_DOUBLE = range(3)


_BUILT_IN = (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937, np.random.Philox, np.random.SFC64)
_FUNCTIONS: dict[type, tuple[int, int]] = {}  # numpy's own bit generators: the same C functions for all


def stream_handle(rng: np.random.Generator) -> np.ndarray:
    """The addresses a kernel draws from ``rng`` with; valid while ``rng`` lives."""
    bg = rng.bit_generator
    c = bg.ctypes
    fns = _FUNCTIONS.get(type(bg))
    if fns is None:
        fns = (ctypes.cast(c.next_uint32, ctypes.c_void_p).value, ctypes.cast(c.next_double, ctypes.c_void_p).value)
        if type(bg) in _BUILT_IN:
            _FUNCTIONS[type(bg)] = fns
    return np.array([c.state_address, *fns], np.int64)


def _caller(ret):
    """An intrinsic ``call(fn, state)``: the C function at address ``fn`` on ``state``."""

    @intrinsic
    def call(typingctx, fn, state):
        def codegen(context, builder, sig, args):
            voidp = ir.IntType(8).as_pointer()
            fnty = ir.FunctionType(context.get_value_type(ret), [voidp])
            return builder.call(builder.inttoptr(args[0], fnty.as_pointer()), [builder.inttoptr(args[1], voidp)])

        return ret(fn, state), codegen

    return call


_next_uint32 = _caller(types.uint32)
_next_double = _caller(types.float64)


@inline
def uniform(handle):
    """``rng.random()``: the bit generator's next double in [0, 1)."""
    return _next_double(handle[NEXT_DOUBLE], handle[STATE])


@inline
def bounded(handle, low, high):
    """``rng.integers(low, high)`` for ``1 <= high - low <= 2**32``, as numpy draws it: nothing
    when there is one value, else Lemire's rejection on the bit generator's 32-bit draws."""
    rng = np.uint64(high - low - 1)
    if rng == 0:
        return low
    if rng == np.uint64(0xFFFFFFFF):
        return low + np.int64(_next_uint32(handle[NEXT_UINT32], handle[STATE]))
    excl = rng + np.uint64(1)
    m = np.uint64(_next_uint32(handle[NEXT_UINT32], handle[STATE])) * excl
    leftover = m & np.uint64(0xFFFFFFFF)
    if leftover < excl:
        threshold = (np.uint64(0xFFFFFFFF) - rng) % excl
        while leftover < threshold:
            m = np.uint64(_next_uint32(handle[NEXT_UINT32], handle[STATE])) * excl
            leftover = m & np.uint64(0xFFFFFFFF)
    return low + np.int64(m >> np.uint64(32))
