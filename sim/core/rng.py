"""Reproducible randomness: named streams from one root seed, and a counter-based generator.

Two tools, one discipline (ARCHITECTURE.md, principle 3):

* :func:`stream` gives each *mechanism* its own independent ``numpy.random.Generator``,
  derived from the root seed and the stream's name. Changing how many draws one mechanism
  makes never reshuffles another's (common random numbers, as in Starsim).
* :func:`counter_uniform` is a stateless generator for use *inside* kernels: a uniform draw in
  [0, 1) that is a pure function of ``(key, step, index, purpose)``. Because no state is shared,
  a ``prange`` loop gives bit-identical results on 1 or N threads. The mixing function is the
  SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
  generators", OOPSLA), applied twice over the packed counter.

Each kernel-side function has a plain-Python twin (``*_py``) used by the tests.
"""

from __future__ import annotations

import zlib

import numpy as np

from sim.core.jit import inline

__all__ = ["stream", "stream_key", "counter_bits", "counter_bits_py", "counter_uniform", "counter_uniform_py",
           "splitmix_word", "splitmix_word_py", "below", "below_py", "mix64", "mix64_py"]

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # 2^64 / golden ratio, SplitMix64's increment


def _name_id(name: str) -> int:
    """A stable 32-bit id for a stream name (CRC-32; Python's ``hash`` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent numpy generator for the mechanism ``name``, derived from ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _name_id(name)])))


def stream_key(seed: int, name: str) -> np.uint64:
    """A 64-bit key for :func:`counter_uniform`, derived from ``seed`` and a stream name."""
    ss = np.random.SeedSequence([seed, _name_id(name)])
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


@inline
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche mix of a 64-bit word."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def mix64_py(z: int) -> int:
    """Plain-Python twin of :func:`mix64`."""
    z &= _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


@inline
def counter_bits(key: np.uint64, step: np.int64, index: np.int64, purpose: np.int64) -> np.uint64:
    """64 random bits as a pure function of (key, step, index, purpose)."""
    a = mix64(np.uint64(key) + np.uint64(step) * np.uint64(_GOLDEN) + np.uint64(purpose))
    return mix64(a ^ (np.uint64(index) * np.uint64(0xD1B54A32D192ED03) + np.uint64(_GOLDEN)))


def counter_bits_py(key: int, step: int, index: int, purpose: int) -> int:
    """Plain-Python twin of :func:`counter_bits`."""
    a = mix64_py((int(key) + int(step) * _GOLDEN + int(purpose)) & _MASK64)
    return mix64_py(a ^ ((int(index) * 0xD1B54A32D192ED03 + _GOLDEN) & _MASK64))


@inline
def counter_uniform(key: np.uint64, step: np.int64, index: np.int64, purpose: np.int64) -> float:
    """Uniform draw in [0, 1) as a pure function of (key, step, index, purpose)."""
    return float(counter_bits(key, step, index, purpose) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def counter_uniform_py(key: int, step: int, index: int, purpose: int) -> float:
    """Plain-Python twin of :func:`counter_uniform`."""
    return (counter_bits_py(key, step, index, purpose) >> 11) * (1.0 / 9007199254740992.0)


@inline
def splitmix_word(seed: np.uint64, k: np.int64) -> np.uint64:
    """The ``k``-th output (k >= 1) of the SplitMix64 sequence started at ``seed``: extra
    random words from one counter draw at one mix each (``seed`` from :func:`counter_bits`)."""
    return mix64(np.uint64(seed) + np.uint64(k) * np.uint64(_GOLDEN))


def splitmix_word_py(seed: int, k: int) -> int:
    """Plain-Python twin of :func:`splitmix_word`."""
    return mix64_py((int(seed) + int(k) * _GOLDEN) & _MASK64)


@inline
def below(bits32: np.uint64, n: np.int64) -> np.int64:
    """An integer in [0, n) from 32 random bits by multiply-shift (Lemire 2019, "Fast random
    integer generation in an interval", ACM TOMACS 29(1)): each value has probability within
    n / 2^32 of 1/n (under 3e-8 relative for a 112-cell diamond)."""
    return np.int64((np.uint64(bits32) * np.uint64(n)) >> np.uint64(32))


def below_py(bits32: int, n: int) -> int:
    """Plain-Python twin of :func:`below`."""
    return (int(bits32) * int(n)) >> 32
