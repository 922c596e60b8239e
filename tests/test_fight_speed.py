"""The fight phase's shortcuts draw exactly what the numpy calls they replace would."""

from __future__ import annotations

import numpy as np

from sim.sahel.engagement import pick


def test_pick_draws_what_rng_choice_draws():
    for seed in range(20):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        for k in range(300):
            items = np.arange(10, 11 + k % 23)
            chosen = pick(b, items if k % 2 else items.tolist())
            assert chosen == a.choice(items)
            assert a.random() == b.random()  # the streams stay in step
