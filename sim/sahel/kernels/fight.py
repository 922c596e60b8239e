"""Fight-phase kernels: the insurgent bands' daily turns and their operations' targets
(:mod:`sim.sahel.bands`), and the arteries the columns may not take (:mod:`sim.sahel.phases.fight`).

The bands' turn draws from the ``insurgents`` stream band by band: the operate draw, the
operation's own draws, then the move's 12 step draws and 7 noise draws. :func:`band_turns`
draws for a run of bands up to the first that operates (its operation stays plain Python) or
splits, and updates their leadership; :func:`settle_moves` then scores each pending move's
candidate cells. The kernel draws on the stream itself (:mod:`sim.sahel.kernels.draws`: the
same bit generator, numpy's algorithms); its twin :func:`band_turns_py` draws with numpy's own
calls, and tests/test_fight_speed2.py checks that both draw the same numbers and leave the
stream in the same state.
"""

from __future__ import annotations

import numpy as np

from sim.core.jit import kernel
from sim.sahel.kernels.draws import bounded, uniform

DONE, OPERATE, SPLIT = 0, 1, 2  # why band_turns stopped
RAID, AMBUSH, IED, BLOCKADE, MINE, PUNISH = range(6)  # a band's operations
N_CAND = 7  # a move weighs the band's own cell and six random cells within reach


@kernel
def band_turns(stream, start, resume, n, fighters, faction, cell, t_disrupted, rel_operate, leaders, t_leader_due,
               p_operate, leaders_per_band, dur_disruption, steps, speed, max_band, h, wd, cand, noise, pending):
    """Bands ``start..n-1`` in turn: skip a band without fighters; draw whether it operates
    (chance ``p_operate`` of its faction, a third of it while disrupted, times
    ``rel_operate``) and stop there if so (``resume``: band ``start`` has operated already);
    draw its move (steps in -speed..speed, six in x then six in y, and one noise per candidate)
    into row ``m`` of ``cand`` (candidate cells, its own first, clipped to the map) and
    ``noise``, with ``pending[m] = band``; replace a leader who is due; stop after a band that
    must split (more than ``max_band`` fighters and a leader). ``stream``: the ``insurgents``
    stream's :func:`~sim.sahel.kernels.draws.stream_handle`.

    Returns ``(m, band, why)``: the pending moves written, where it stopped, and why
    (``DONE`` with ``band == n``, ``OPERATE`` or ``SPLIT``).
    """
    m = 0
    d = np.empty(12, np.int64)
    for band in range(start, n):
        f = faction[band]
        if not (resume and band == start):
            if fighters[band] <= 0:
                continue
            factor = 0.33 if t_disrupted[band] > steps else 1.0
            if uniform(stream) < p_operate[f] * factor * rel_operate[band]:
                return m, band, OPERATE
        if speed != 0:
            for j in range(12):
                d[j] = bounded(stream, -speed, speed + 1)
            here = cell[band]
            x, y = here // h, here % h
            cand[m, 0] = here
            for j in range(N_CAND - 1):
                cand[m, j + 1] = min(max(x + d[j], 0), wd - 1) * h + min(max(y + d[6 + j], 0), h - 1)
            for j in range(N_CAND):
                noise[m, j] = uniform(stream)
            pending[m] = band
            m += 1
        lpb, dur = leaders_per_band[f], dur_disruption[f]
        if leaders[band] < lpb and steps >= t_leader_due[band] >= 0:
            leaders[band] += 1  # an experienced fighter steps up
            t_leader_due[band] = steps + dur if leaders[band] < lpb else -1
        if leaders[band] == 0 and t_leader_due[band] < 0:
            t_leader_due[band] = steps + dur
        if fighters[band] > max_band and leaders[band] >= 1:
            return m, band, SPLIT
    return m, n, DONE


def band_turns_py(rng, start, resume, n, fighters, faction, cell, t_disrupted, rel_operate, leaders, t_leader_due,
                  p_operate, leaders_per_band, dur_disruption, steps, speed, max_band, h, wd, cand, noise, pending):
    """Readable twin of :func:`band_turns`, drawing with numpy's own calls on ``rng``."""
    m = 0
    for band in range(start, n):
        f = faction[band]
        if not (resume and band == start):
            if fighters[band] <= 0:
                continue
            if rng.random() < p_operate[f] * (0.33 if t_disrupted[band] > steps else 1.0) * rel_operate[band]:
                return m, band, OPERATE
        if speed != 0:
            d = rng.integers(-speed, speed + 1, 12)  # six x steps, then six y steps
            x, y = divmod(int(cell[band]), h)
            cand[m] = [cell[band], *np.clip(x + d[:6], 0, wd - 1) * h + np.clip(y + d[6:], 0, h - 1)]
            noise[m] = rng.random(N_CAND)
            pending[m] = band
            m += 1
        lpb, dur = leaders_per_band[f], dur_disruption[f]
        if leaders[band] < lpb and steps >= t_leader_due[band] >= 0:
            leaders[band] += 1
            t_leader_due[band] = steps + dur if leaders[band] < lpb else -1
        if leaders[band] == 0 and t_leader_due[band] < 0:
            t_leader_due[band] = steps + dur
        if fighters[band] > max_band and leaders[band] >= 1:
            return m, band, SPLIT
    return m, n, DONE


@kernel
def settle_moves(m, pending, cand, noise, log_people, troops_near, fighters, faction, heart_x, heart_y, home_range,
                 frontier_dist, frontier_range, h, cell):
    """Move each pending band to the best of its candidate cells by the score
    ``0.2 log1p(people) - troops_near / (fighters + 1) - 0.1 cells beyond + 0.1 noise`` (term by
    term in float64; the first best on ties), where "beyond" is the larger of the cells beyond the
    home range of its faction's heartland and, with ``frontier_range >= 0``, the cells beyond
    ``frontier_range`` of its faction's established cells (``frontier_dist[f, c]``, sim/sahel/frontier.py).
    ``log_people[k * N_CAND + j]`` is numpy's ``log1p`` of the people in ``cand[k, j]``."""
    for k in range(m):
        band = pending[k]
        f = faction[band]
        hx, hy, home = heart_x[f], heart_y[f], home_range[f]
        f1 = float(fighters[band]) + 1.0
        best, kbest = -np.inf, 0
        for j in range(N_CAND):
            c = cand[k, j]
            beyond = max(max(abs(c // h - hx), abs(c % h - hy)) - home, 0)
            if frontier_range >= 0:
                beyond = max(beyond, frontier_dist[f, c] - frontier_range)
            score = 0.2 * log_people[k * N_CAND + j] - troops_near[c] / f1 - 0.1 * beyond + 0.1 * noise[k, j]
            if score > best or j == 0:
                best, kbest = score, j
        cell[band] = cand[k, kbest]


@kernel
def cut_arteries(status, cell_xy, cell_ptr, h, out):
    """``out[e]``: one of artery ``e``'s cells (``cell_xy[cell_ptr[e]:cell_ptr[e + 1]]``) is cut
    (``status`` 2 in the flat cell field)."""
    for e in range(cell_ptr.size - 1):
        cut = False
        for k in range(cell_ptr[e], cell_ptr[e + 1]):
            if status[cell_xy[k, 0] * h + cell_xy[k, 1]] == 2:
                cut = True
                break
        out[e] = cut


def cut_arteries_py(status, cell_xy, cell_ptr, h, out):
    """Readable twin of :func:`cut_arteries`: a running count of cut cells, compared at the ends."""
    cut_cells = status[cell_xy[:, 0].astype(np.int64) * h + cell_xy[:, 1]] == 2
    before = np.concatenate([[0], np.cumsum(cut_cells)])
    out[:] = before[cell_ptr[1:]] > before[cell_ptr[:-1]]


@kernel
def operation_options(x, y, f, reach, h, unit_cell, unit_active, unit_troops, unit_is_garrison, town_x, town_y,
                      town_linked, town_cut_share, w_blockade, ops, weights, targets):
    """A band's operations against units and towns within ``reach`` of ``(x, y)``, in the order
    the roulette weighs them: each active unit (a garrison to raid, a column to ambush; weight
    the squared force ratio ``f / (f + troops)``), then each town with arteries (an IED, weight
    0.3, and a blockade where its arteries are already cut, weight ``w_blockade``). Writes
    ``ops``, ``weights`` and ``targets`` (unit or town) and returns how many."""
    k = 0
    for i in range(unit_cell.size):
        if unit_active[i] and max(abs(unit_cell[i] // h - x), abs(unit_cell[i] % h - y)) <= reach:
            ratio = f / (f + unit_troops[i])
            ops[k], weights[k], targets[k] = (RAID if unit_is_garrison[i] else AMBUSH), ratio * ratio, i
            k += 1
    for t in range(town_x.size):
        if town_linked[t] and max(abs(town_x[t] - x), abs(town_y[t] - y)) <= reach:
            ops[k], weights[k], targets[k] = IED, 0.3, t
            k += 1
            if town_cut_share[t] > 0:
                ops[k], weights[k], targets[k] = BLOCKADE, w_blockade, t
                k += 1
    return k


def operation_options_py(x, y, f, reach, h, unit_cell, unit_active, unit_troops, unit_is_garrison, town_x, town_y,
                         town_linked, town_cut_share, w_blockade, ops, weights, targets):
    """Readable twin of :func:`operation_options`, as a list of options."""
    ux, uy = np.divmod(unit_cell, h)
    options = []
    for i in np.flatnonzero(unit_active & (np.maximum(np.abs(ux - x), np.abs(uy - y)) <= reach)):
        ratio = f / (f + unit_troops[i])
        options.append((RAID if unit_is_garrison[i] else AMBUSH, ratio * ratio, i))
    for t in np.flatnonzero(np.maximum(np.abs(town_x - x), np.abs(town_y - y)) <= reach):
        if town_linked[t]:
            options.append((IED, 0.3, t))
            if town_cut_share[t] > 0:
                options.append((BLOCKADE, w_blockade, t))
    for k, (op, wt, target) in enumerate(options):
        ops[k], weights[k], targets[k] = op, wt, target
    return len(options)
