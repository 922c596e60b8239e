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

import math
import zlib

import numpy as np

from sim.core.jit import inline

__all__ = ["stream", "stream_key", "counter_bits", "counter_bits_py", "counter_uniform", "counter_uniform_py",
           "splitmix_word", "splitmix_word_py", "below", "below_py", "mix64", "mix64_py",
           "binomial", "binomial_py", "pick", "roulette"]

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


_FC = np.array([0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509,
                0.01664469118982119, 0.01387612882307075, 0.01189670994589177, 0.01041126526197209,
                0.009255462182712733, 0.008330563433362871])
"""Stirling's correction ln(k!) - [(k + 1/2) ln(k + 1) - (k + 1) + ln(2 pi) / 2] for k = 0..9."""


@inline
def _stirling_correction(k: float) -> float:
    if k < 10:
        return _FC[int(k)]
    k1 = k + 1.0
    k1sq = k1 * k1
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / k1sq) / k1sq) / k1


def _stirling_correction_py(k: float) -> float:
    if k < 10:
        return float(_FC[int(k)])
    k1 = k + 1.0
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / (k1 * k1)) / (k1 * k1)) / k1


@inline
def _word_uniform(seed: np.uint64, j: np.int64) -> float:
    """The ``j``-th uniform in [0, 1) of the SplitMix64 sequence started at ``seed``."""
    return float(splitmix_word(seed, j) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def _word_uniform_py(seed: int, j: int) -> float:
    return (splitmix_word_py(seed, j) >> 11) * (1.0 / 9007199254740992.0)


@inline
def binomial(n: np.int64, p: float, seed: np.uint64) -> np.int64:
    """A Binomial(n, p) count from the random word ``seed`` (from :func:`counter_bits`), exact.

    ``n p < 10`` (after drawing ``p > 1/2`` as ``n - Binomial(n, 1 - p)``): inversion from 0,
    one uniform; below ``1 - n p`` it is 0 at once, since ``P(0) = (1 - p)^n >= 1 - n p``. Otherwise BTRD, the transformed rejection with decomposition of Hörmann (1993),
    "The generation of binomial random variates", J. Statist. Comput. Simul. 46: 101-110, whose
    uniforms are the SplitMix64 words that follow ``seed`` (about 1.1 iterations, most accepted
    without a logarithm). A pure function of its arguments, so a kernel that feeds it counter
    draws stays bit-identical on any number of threads.
    """
    if n <= 0 or p <= 0.0:
        return np.int64(0)
    if p >= 1.0:
        return np.int64(n)
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    q = 1.0 - pp
    k = np.int64(0)
    if n * pp < 10.0:
        u = _word_uniform(seed, 1)
        if u < 1.0 - n * pp:
            k = np.int64(0)  # P(0) = q^n >= 1 - n p (Bernoulli's inequality): no logarithm needed
            return np.int64(n) if flip else k
        ratio = pp / q
        pk = math.exp(n * math.log1p(-pp))  # P(0) = q^n
        cdf = pk
        while u >= cdf and k < n:
            pk *= ratio * (n - k) / (k + 1)
            k += 1
            cdf += pk
    else:
        m = np.int64((n + 1) * pp)
        r = pp / q
        nr = (n + 1) * r
        npq = n * pp * q
        spq = math.sqrt(npq)
        b = 1.15 + 2.53 * spq
        a = -0.0873 + 0.0248 * b + 0.01 * pp
        c = n * pp + 0.5
        alpha = (2.83 + 5.1 / b) * spq
        v_r = 0.92 - 4.2 / b
        urvr = 0.86 * v_r
        j = np.int64(1)
        while True:
            v = _word_uniform(seed, j)
            j += 1
            if v <= urvr:
                u = v / v_r - 0.43
                k = np.int64(math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c))
                break
            if v >= v_r:
                u = _word_uniform(seed, j) - 0.5
                j += 1
            else:
                u = v / v_r - 0.93
                u = math.copysign(0.5, u) - u
                v = _word_uniform(seed, j) * v_r
                j += 1
            us = 0.5 - abs(u)
            k = np.int64(math.floor((2.0 * a / us + b) * u + c))
            if k < 0 or k > n:
                continue
            v = v * alpha / (a / (us * us) + b)
            km = abs(k - m)
            if km <= 15:
                f = 1.0
                if m < k:
                    for i in range(m + 1, k + 1):
                        f *= nr / i - r
                elif m > k:
                    for i in range(k + 1, m + 1):
                        v *= nr / i - r
                if v <= f:
                    break
                continue
            v = math.log(v)
            rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5)
            t = -km * km / (2.0 * npq)
            if v < t - rho:
                break
            if v > t + rho:
                continue
            nm = n - m + 1
            h = (m + 0.5) * math.log((m + 1) / (r * nm)) + _stirling_correction(m) + _stirling_correction(n - m)
            nk = n - k + 1
            if v <= (h + (n + 1) * math.log(nm / nk) + (k + 0.5) * math.log(nk * r / (k + 1))
                     - _stirling_correction(k) - _stirling_correction(n - k)):
                break
    return np.int64(n - k) if flip else k


def binomial_py(n: int, p: float, seed: int) -> int:
    """Plain-Python twin of :func:`binomial`."""
    n = int(n)
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    q = 1.0 - pp
    k = 0
    if n * pp < 10.0:
        u, ratio = _word_uniform_py(seed, 1), pp / q
        if u < 1.0 - n * pp:  # P(0) = q^n >= 1 - n p
            return n if flip else 0
        pk = math.exp(n * math.log1p(-pp))
        cdf = pk
        while u >= cdf and k < n:
            pk *= ratio * (n - k) / (k + 1)
            k += 1
            cdf += pk
        return n - k if flip else k
    m = int((n + 1) * pp)
    r = pp / q
    nr, npq = (n + 1) * r, n * pp * q
    spq = math.sqrt(npq)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * pp
    c = n * pp + 0.5
    alpha = (2.83 + 5.1 / b) * spq
    v_r = 0.92 - 4.2 / b
    j = 1
    while True:
        v = _word_uniform_py(seed, j)
        j += 1
        if v <= 0.86 * v_r:  # the quick acceptance (most draws)
            u = v / v_r - 0.43
            k = math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c)
            break
        if v >= v_r:
            u = _word_uniform_py(seed, j) - 0.5
        else:
            u = v / v_r - 0.93
            u = math.copysign(0.5, u) - u
            v = _word_uniform_py(seed, j) * v_r
        j += 1
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = v * alpha / (a / (us * us) + b)
        km = abs(k - m)
        if km <= 15:  # f(k) / f(m) by recursion
            f = 1.0
            for i in range(m + 1, k + 1):
                f *= nr / i - r
            for i in range(k + 1, m + 1):
                v *= nr / i - r
            if v <= f:
                break
            continue
        v = math.log(v)  # squeeze, then the exact test with Stirling's corrections
        rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5)
        t = -km * km / (2.0 * npq)
        if v < t - rho:
            break
        if v > t + rho:
            continue
        nm, nk = n - m + 1, n - k + 1
        h = (m + 0.5) * math.log((m + 1) / (r * nm)) + _stirling_correction_py(m) + _stirling_correction_py(n - m)
        if v <= (h + (n + 1) * math.log(nm / nk) + (k + 0.5) * math.log(nk * r / (k + 1))
                 - _stirling_correction_py(k) - _stirling_correction_py(n - k)):
            break
    return n - k if flip else k


# ---- draws on a numpy Generator (outside kernels): rng.choice's draws without its checks


def pick(rng: np.random.Generator, items):
    """One of ``items`` at random: the draw and the item of ``rng.choice(items)``
    (``integers(0, len(items))``) without its checks, which cost more than the fight itself."""
    return items[rng.integers(0, len(items))]


def roulette(rng: np.random.Generator, weights: np.ndarray) -> int:
    """An index drawn in proportion to ``weights``: the draw and the index of
    ``rng.choice(len(weights), p=weights / weights.sum())`` without its checks (one ``random()``
    against the same normalised cumulative sum); weights that are not a valid distribution go
    to ``rng.choice`` itself, errors included."""
    total = weights.sum()
    if not (0.0 < total < math.inf and (weights >= 0).all()):
        return int(rng.choice(len(weights), p=weights / total))
    cdf = (weights / total).cumsum()
    cdf /= cdf[-1]
    return int(cdf.searchsorted(rng.random(), side="right"))
