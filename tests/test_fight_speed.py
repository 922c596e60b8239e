"""The fight phase's shortcuts draw exactly what the numpy calls they replace would."""

from __future__ import annotations

import numpy as np

from sim.core.rng import pick


def test_pick_draws_what_rng_choice_draws():
    for seed in range(20):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        for k in range(300):
            items = np.arange(10, 11 + k % 23)
            chosen = pick(b, items if k % 2 else items.tolist())
            assert chosen == a.choice(items)
            assert a.random() == b.random()  # the streams stay in step


def test_one_call_of_twelve_bounded_integers_draws_two_calls_of_six():
    # Bounded integers below 2**32 come from the bit generator's 32-bit stream, rejections
    # included, whatever the call boundaries: band moves draw their x and y steps at once.
    for high in (3, 2**31 + 1):  # the second rejects about half of its draws
        for seed in range(50):
            a = np.random.Generator(np.random.PCG64(seed))
            b = np.random.Generator(np.random.PCG64(seed))
            for _ in range(20):
                both = a.integers(-2, high, 12)
                assert both.tolist() == b.integers(-2, high, 6).tolist() + b.integers(-2, high, 6).tolist()
                assert a.random(7).tolist() == b.random(7).tolist()
