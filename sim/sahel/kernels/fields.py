"""Cell-field kernels: neighbourhood sums, control, and harm units (destinations of flight are
chosen in :mod:`sim.sahel.displacement.kernels`).

All are pure functions of arrays; each has a readable twin (``*_py``) that the tests compare.
"""

from __future__ import annotations

import numpy as np

from sim.core.jit import inline, kernel


@kernel
def box_sum(field, radius, out):
    """Sum of ``field`` over the (2r+1) x (2r+1) square around each cell (clipped at the edges).

    O(cells) via a summed-area table (Crow 1984), independent of the radius. ``field`` must be
    non-negative: sums below 1e-6 are round-off residues of the table and are returned as 0
    (otherwise they would count as armed presence).

    Sparse fields are cheap: a row of zeros would repeat the table's previous row, so the table
    keeps one row per nonzero row of ``field`` (``table[at[x]]`` is the full table's row ``x``);
    a square whose rows hold nothing up to its right edge reads equal entries, so it is 0 without
    reading them. The same bits as the full table.
    """
    w, h = field.shape
    first = np.full(w, h)  # first nonzero column of each row (h: none)
    for x in range(w):
        nonzero = 0
        for y in range(h):  # a loop numba vectorises, then the first nonzero of the rows with one
            nonzero += field[x, y] != 0.0
        if nonzero:
            for y in range(h):
                if field[x, y] != 0.0:
                    first[x] = y
                    break
    _box_sum_rows(field, first, radius, out)


@kernel
def box_sum_at(field, cells, radius, out):
    """:func:`box_sum` of a field whose nonzero cells are all among the flat indices ``cells``
    (it need not read the rest of the field to find them)."""
    w, h = field.shape
    first = np.full(w, h)
    for c in cells:
        x, y = c // h, c % h
        if field[x, y] != 0.0 and y < first[x]:
            first[x] = y
    _box_sum_rows(field, first, radius, out)


@inline
def _box_sum_rows(field, first, radius, out):
    """:func:`box_sum` given the first nonzero column of each row of ``field`` (``h``: none)."""
    w, h = field.shape
    table = np.empty((np.count_nonzero(first < h) + 1, h + 1))
    table[0, :] = 0.0
    at = np.zeros(w + 1, np.int64)
    k = 0
    for x in range(w):
        if first[x] < h:
            table[k + 1, 0] = 0.0
            for y in range(first[x]):
                table[k + 1, y + 1] = table[k, y + 1]
            row = 0.0
            for y in range(first[x], h):
                row += field[x, y]
                table[k + 1, y + 1] = table[k, y + 1] + row
            k += 1
        at[x + 1] = k
    for x in range(w):
        x0 = max(x - radius, 0)
        x1 = min(x + radius + 1, w)
        a, b = table[at[x0]], table[at[x1]]
        y_first = h  # the first nonzero column of the rows of the square
        if at[x0] != at[x1]:
            for xx in range(x0, x1):
                y_first = min(y_first, first[xx])
        start = max(y_first - radius, 0)  # squares left of it hold nothing
        o = out[x]
        o[:start] = 0.0
        inner = min(max(start, radius), h)  # squares clipped at the left edge
        for y in range(start, inner):
            y1 = min(y + radius + 1, h)
            v = b[y1] - a[y1] - b[0] + a[0]
            o[y] = v if v > 1e-6 else 0.0
        end = max(h - radius - 1, inner)  # squares clipped at neither edge (a loop numba vectorises)
        for y in range(inner, end):
            v = b[y + radius + 1] - a[y + radius + 1] - b[y - radius] + a[y - radius]
            o[y] = v if v > 1e-6 else 0.0
        for y in range(end, h):
            y0 = max(y - radius, 0)
            v = b[h] - a[h] - b[y0] + a[y0]
            o[y] = v if v > 1e-6 else 0.0


def box_sum_py(field, radius, out):
    """Readable twin of :func:`box_sum`: the plain double loop over each square."""
    w, h = field.shape
    for x in range(w):
        for y in range(h):
            v = field[max(x - radius, 0):x + radius + 1, max(y - radius, 0):y + radius + 1].sum()
            out[x, y] = v if v > 1e-6 else 0.0


@kernel
def update_control(control, troops_near, fighters_near, default, rate, scale):
    """Control follows the local balance of armed presence (Kalyvas 2006).

    Each cell's control (+1 state, -1 insurgent) moves at ``rate`` towards
    ``(C - A) / (C + A + scale)`` where there is presence, and towards ``default`` where
    there is none (nominal administration).
    """
    flat, troops, fighters = control.reshape(-1), troops_near.reshape(-1), fighters_near.reshape(-1)
    for i in range(flat.size):
        c = troops[i]
        a = fighters[i]
        if c + a > 0.0:
            target = (c - a) / (c + a + scale)
            if a == 0.0:
                target = max(target, default)
        else:
            target = default
        flat[i] += rate * (target - flat[i])


def update_control_py(control, troops_near, fighters_near, default, rate, scale):
    """Readable twin of :func:`update_control`."""
    c, a = troops_near.ravel(), fighters_near.ravel()
    target = np.where(c + a > 0, (c - a) / (c + a + scale), default)
    target = np.where((a == 0) & (c > 0), np.maximum(target, default), target)
    flat = control.reshape(-1)
    flat += rate * (target - flat)


@kernel
def harm_units(acc, people_by_comm, people, harm_scale, out):
    """Deaths per (cell, community) -> harm units felt by each community in each cell.

    The victims' community in the cell feels the deaths per 1,000 of its members there; every
    community in the 3x3 neighbourhood feels half the deaths per 1,000 residents of that
    neighbourhood. One unit is ``harm_scale`` deaths per 1,000. Only cells with harm are
    visited (it is sparse), so this costs little on a quiet map.
    """
    w, h = people.shape
    out[:] = 0.0
    for c in range(w * h):
        add_cell_harm(out, c, acc[c], people_by_comm, people, harm_scale)


@inline
def add_cell_harm(out, c, deaths, people_by_comm, people, harm_scale):
    """Add the harm units of cell ``c``'s ``deaths`` (per community) into ``out``: direct to the
    victims' community there, and half the cell's deaths per 1,000 residents of each 3x3
    neighbourhood around it to every community of that neighbourhood's centre."""
    w, h = people.shape
    n_comm = deaths.size
    total = 0.0
    for k in range(n_comm):
        total += deaths[k]
    if total == 0.0:
        return
    for k in range(n_comm):
        if deaths[k] != 0.0:
            out[c, k] += deaths[k] / max(people_by_comm[c, k], 1.0) * 1000.0 / harm_scale
    x, y = c // h, c % h
    for x2 in range(max(x - 1, 0), min(x + 2, w)):
        for y2 in range(max(y - 1, 0), min(y + 2, h)):
            around = 0.0
            for x3 in range(max(x2 - 1, 0), min(x2 + 2, w)):
                for y3 in range(max(y2 - 1, 0), min(y2 + 2, h)):
                    around += people[x3, y3]
            spill = 0.5 * total / max(around, 1.0) * 1000.0 / harm_scale
            for k in range(n_comm):
                out[x2 * h + y2, k] += spill


_SCAN_CELLS = 64
"""Cells per block of :func:`harm_units_in_place`'s scan for harm."""


@kernel
def harm_units_in_place(acc, people_by_comm, people, harm_scale):
    """:func:`harm_units` written over ``acc`` itself; returns the cells that had harm.

    Reads the (few) rows of ``acc`` with any death, clears them, then adds the same terms in the
    same order as :func:`harm_units` into the now all-zero ``acc``: the same bits, without a
    second array to clear. The harm units are then nonzero only in the 3x3 squares around the
    returned cells (:func:`clear_harm_units` zeroes them, leaving ``acc`` all zero again).
    """
    n_cells, n_comm = acc.shape
    bits = acc.reshape(n_cells * n_comm).view(np.uint64)
    cells = []
    # harm is sparse: OR the bits of blocks of _SCAN_CELLS cells together in a loop LLVM
    # vectorises, and look for the cells with harm only in the blocks that have any; a value is
    # != 0.0 exactly when its bits less the sign bit are nonzero (NaN included, -0.0 not)
    for c0 in range(0, n_cells, _SCAN_CELLS):
        c1 = min(c0 + _SCAN_CELLS, n_cells)
        any_bits = np.uint64(0)
        for j in range(c0 * n_comm, c1 * n_comm):
            any_bits |= bits[j]
        if any_bits << np.uint64(1) == 0:
            continue
        for c in range(c0, c1):
            for k in range(n_comm):
                if acc[c, k] != 0.0:
                    cells.append(c)
                    break
    src = np.array(cells, dtype=np.int64)
    deaths = np.empty((src.size, n_comm))
    for j in range(src.size):
        for k in range(n_comm):
            deaths[j, k] = acc[src[j], k]
            acc[src[j], k] = 0.0
    for j in range(src.size):
        add_cell_harm(acc, src[j], deaths[j], people_by_comm, people, harm_scale)
    return src


@kernel
def clear_harm_units(units, cells, w, h):
    """Zero ``units`` ([cell, community]) in the 3x3 squares around ``cells`` (where
    :func:`harm_units_in_place` wrote)."""
    for c in cells:
        x, y = c // h, c % h
        for x2 in range(max(x - 1, 0), min(x + 2, w)):
            for y2 in range(max(y - 1, 0), min(y + 2, h)):
                units[x2 * h + y2, :] = 0.0


def harm_units_py(acc, people_by_comm, people, harm_scale, out):
    """Readable twin of :func:`harm_units`, dense: direct harm plus half the 3x3 neighbourhood's
    deaths per 1,000 of its residents."""
    w, h = people.shape
    direct = acc / np.maximum(people_by_comm, 1.0) * 1000.0
    near, around = np.zeros((w, h)), np.zeros((w, h))
    box_sum_py(acc.sum(axis=1).reshape(w, h), 1, near)
    box_sum_py(people, 1, around)
    spill = 0.5 * near.reshape(-1) / np.maximum(around.reshape(-1), 1.0) * 1000.0
    out[:] = (direct + spill[:, None]) / harm_scale


@kernel
def strongest_band(bands, cells, fighters, radius, rec):
    """The strongest band within ``radius`` of each cell: bands in the order given, each taking
    the cells of its (2r+1) x (2r+1) square (clipped at the edges) where it is strictly stronger
    than the band there so far (``rec``: (width, height), -1 for none, updated in place;
    ``fighters``: indexed by band, positive for the bands given)."""
    w, h = rec.shape
    for band in bands:
        x, y = cells[band] // h, cells[band] % h
        f = fighters[band]
        for xx in range(max(x - radius, 0), min(x + radius + 1, w)):
            for yy in range(max(y - radius, 0), min(y + radius + 1, h)):
                held = rec[xx, yy]
                if (fighters[held] if held >= 0 else 0.0) < f:
                    rec[xx, yy] = band


def strongest_band_py(bands, cells, fighters, radius, rec):
    """Readable twin of :func:`strongest_band`: each band's square as a slice."""
    h = rec.shape[1]
    for band in bands:
        x, y = divmod(int(cells[band]), h)
        sl = (slice(max(x - radius, 0), x + radius + 1), slice(max(y - radius, 0), y + radius + 1))
        best = np.where(rec[sl] >= 0, fighters[np.maximum(rec[sl], 0)], 0.0)
        rec[sl] = np.where(best < fighters[band], band, rec[sl])


@kernel
def zone_sums(control, people, starts, stops, ptr, state_zone, insurgent_zone, out):
    """Per group of cells (group ``g`` from 1: the runs ``starts[r]:stops[r]`` of cells for ``r``
    in ``ptr[g - 1]:ptr[g]``; row 0 is all of them): people, people in state-held
    (``control >= state_zone``), insurgent-held (``<= insurgent_zone``) and contested cells,
    cells not state-held, and cells (``out``: (groups + 1, 6), overwritten).

    People are whole numbers: they are summed as integers, exactly, which gives the same bits as
    numpy's pairwise sums of the floats over the masked arrays.
    """
    out[:] = 0.0
    for g in range(1, ptr.size):
        p_all = p_state = p_ins = n_not_state = n_cells = 0
        for r in range(ptr[g - 1], ptr[g]):
            for c in range(starts[r], stops[r]):
                p = np.int64(people[c])
                state = control[c] >= state_zone
                p_all += p
                p_state += p if state else 0
                p_ins += p if control[c] <= insurgent_zone else 0
                n_not_state += 0 if state else 1
            n_cells += stops[r] - starts[r]
        for k, v in enumerate((p_all, p_state, p_ins, p_all - p_state - p_ins, n_not_state, n_cells)):
            out[g, k] = v
            out[0, k] += v


def zone_sums_py(control, people, starts, stops, ptr, state_zone, insurgent_zone, out):
    """Readable twin of :func:`zone_sums`, with numpy masks."""
    runs = [np.arange(a, b) for a, b in zip(starts, stops, strict=True)]
    for g in range(ptr.size):
        at = np.concatenate(runs[ptr[g - 1]:ptr[g]] if g else runs) if runs else np.zeros(0, np.int64)
        p, z = people[at], control[at]
        state, ins = z >= state_zone, z <= insurgent_zone
        out[g] = [p.sum(), p[state].sum(), p[ins].sum(), p[~state & ~ins].sum(), (~state).sum(), at.size]


@kernel
def reopen_arteries(status, hit, last_attack, fighters_near, step, dur_repair, cell_xy, ptr, height, cut):
    """Arteries: a contested or cut cell (``status > 0``; ``hit``: the cells with a status) reopens
    (0) once ``dur_repair`` days have passed since its last attack with no fighters within reach;
    then ``cut[e]``: artery ``e`` (cells ``cell_xy[ptr[e]:ptr[e + 1]]``, at least one) has a cut
    cell (status 2)."""
    for c in hit:
        if status[c] > 0 and step - last_attack[c] >= dur_repair and fighters_near[c] == 0:
            status[c] = 0
    for e in range(ptr.size - 1):
        cut[e] = False
        for i in range(ptr[e], ptr[e + 1]):
            if status[cell_xy[i, 0] * height + cell_xy[i, 1]] == 2:
                cut[e] = True
                break


def reopen_arteries_py(status, hit, last_attack, fighters_near, step, dur_repair, cell_xy, ptr, height, cut):
    """Readable twin of :func:`reopen_arteries`, with numpy."""
    hit = hit[status[hit] > 0]
    quiet = (step - last_attack[hit] >= dur_repair) & (fighters_near[hit] == 0)
    status[hit[quiet]] = 0
    cut_cells = (status[cell_xy[:, 0] * height + cell_xy[:, 1]] == 2).astype(np.int64)
    cut[:] = np.add.reduceat(cut_cells, ptr[:-1]) > 0 if cut.size else False


@kernel
def town_supplies(town_a, town_b, cut, supplies, supply_days, blockaded, cut_share):
    """Towns: the share of their arteries (ends ``town_a``, ``town_b``) that are ``cut``; a town
    all of whose arteries are cut is ``blockaded`` (a town with none never is); its ``supplies``
    fall by a day's worth (to 0), an open town's refill by three days' (to ``supply_days``)."""
    n = supplies.size
    n_art, n_cut = np.zeros(n), np.zeros(n)
    for e in range(cut.size):
        n_art[town_a[e]] += 1.0
        n_art[town_b[e]] += 1.0
        if cut[e]:
            n_cut[town_a[e]] += 1.0
            n_cut[town_b[e]] += 1.0
    for t in range(n):
        cut_share[t] = n_cut[t] / max(n_art[t], 1.0) if n_art[t] > 0 else 0.0
        blockaded[t] = n_art[t] > 0 and n_cut[t] == n_art[t]
        supplies[t] = max(supplies[t] - 1.0, 0.0) if blockaded[t] else min(supplies[t] + 3.0, supply_days)


def town_supplies_py(town_a, town_b, cut, supplies, supply_days, blockaded, cut_share):
    """Readable twin of :func:`town_supplies`, with numpy."""
    n = supplies.size
    n_art = np.bincount(town_a, minlength=n) + np.bincount(town_b, minlength=n)
    c = cut.astype(np.int64)
    n_cut = np.bincount(town_a, weights=c, minlength=n) + np.bincount(town_b, weights=c, minlength=n)
    cut_share[:] = np.where(n_art > 0, n_cut / np.maximum(n_art, 1), 0.0)
    blockaded[:] = (n_art > 0) & (n_cut == n_art)
    supplies[:] = np.where(blockaded, np.maximum(supplies - 1.0, 0.0), np.minimum(supplies + 3.0, supply_days))


@kernel
def scatter_add(out, cells, weights):
    """``out`` (flat) set to the sum of ``weights`` by cell, added in their order (what
    ``np.bincount(cells, weights, minlength=out.size)`` computes), in place."""
    out[:] = 0.0
    for i in range(cells.size):
        out[cells[i]] += weights[i]


@kernel
def tax_bands(fighters, faction, cell, governs, control, people, insurgent_zone, tax_rate, experience):
    """Taxation: each band with fighters of a governing faction in an insurgent-held cell
    (``control <= insurgent_zone``) gains ``tax_rate * people / 1000`` experience."""
    for band in range(fighters.size):
        if fighters[band] > 0:
            c = cell[band]
            if governs[faction[band]] and control[c] <= insurgent_zone:
                experience[band] += tax_rate * people[c] / 1000.0


def tax_bands_py(fighters, faction, cell, governs, control, people, insurgent_zone, tax_rate, experience):
    """Readable twin of :func:`tax_bands`: the loop over the bands with fighters."""
    for band in np.flatnonzero(fighters > 0).tolist():
        c = cell[band]
        if governs[faction[band]] and control[c] <= insurgent_zone:
            experience[band] += tax_rate * people[c] / 1000.0
