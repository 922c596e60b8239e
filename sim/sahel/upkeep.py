"""Limits on armed groups: what a faction can arm and pay, and fighters who leave.

Run by the civilians phase each time it runs (every ``dur_civilian_update`` days), after the
recruits have joined. Rules (``levers.upkeep``):

* **income** per faction and day: taxation of the people in cells where its bands recruit
  (the cell's recruiter, :func:`sim.sahel.phases.control.assign_recruiters`) that it holds
  (``tax_usd_per_person_year``; contested cells at ``rel_contested_tax``; a non-governing
  faction extorts at ``rel_extortion``), mines it holds or contests (``mine_usd_per_year``),
  loot from successful raids (``loot_usd_per_raid``, counted as they happen) and smuggling,
  ransoms and outside money (``smuggling_usd_per_year``).
* **upkeep**: ``usd_per_fighter_year`` per fighter. Funds carry over up to ``reserve_months``
  of upkeep; a shortfall leaves that many fighters unpaid.
* **desertion** (:func:`sim.rules.levers.desertion`): unpaid fighters desert at
  ``p_desert_unpaid`` a month and every fighter leaves at ``rate_demobilise`` a year (both
  times ``levers.leaders.rel_desert_disrupted`` in a band disrupted by a leader's loss); each
  band's leavers are a binomial draw. They go back to the civilians of the band's cell (into a
  group there, or a new group of the faction's most-appealed community), so the people
  identity holds: fighters become civilians, nobody is lost.
"""

from __future__ import annotations

import numpy as np

from sim.core import rng as rngs
from sim.core.codes import HOME
from sim.rules.levers import desertion
from sim.sahel import leaders
from sim.sahel.kernels.civilians import first_home_rows
from sim.sahel.phases.control import INSURGENT_ZONE, STATE_ZONE

__all__ = ["UpkeepState", "income_per_day", "pay_and_desert"]


class UpkeepState:
    """Each faction's funds and flows (one owner: this object, on ``model.upkeep``)."""

    def __init__(self, model):
        n_fac = len(model.cfg.insurgents.factions)
        self.funds = np.zeros(n_fac)       # USD in hand
        self.loot = np.zeros(n_fac)        # USD looted since the last payday
        self.capacity = np.zeros(n_fac)    # fighters today's income pays for (people)
        self.deserters = np.zeros(n_fac)   # fighters who left since the last record (people)
        self.rng = rngs.stream(model.cfg.seed, "upkeep")


def income_per_day(model) -> np.ndarray:
    """USD per day per faction from taxation, mines and smuggling (loot is counted apart)."""
    cfg, b = model.cfg, model.bands
    u = cfg.levers.upkeep
    n_fac = len(cfg.insurgents.factions)
    cells = np.flatnonzero(model.recruiter >= 0)  # cells within reach of a band (the rest pay nothing)
    fac = b.faction[model.recruiter[cells]]
    control, people = model.field("control")[cells], model.field("people")[cells]
    held = control <= INSURGENT_ZONE
    contested = ~held & (control < STATE_ZONE)
    share = np.where(held, 1.0, np.where(contested, u.rel_contested_tax, 0.0))
    governs = np.array([1.0 if f.governs else u.rel_extortion for f in cfg.insurgents.factions.values()])
    tax = np.bincount(fac, weights=people * share, minlength=n_fac) * governs * u.tax_usd_per_person_year
    mines = (model.field("mine")[cells] > 0) & (held | contested)
    mine = np.bincount(fac[mines], minlength=n_fac) * u.mine_usd_per_year
    return (tax + mine + np.asarray(u.smuggling_usd_per_year)) / 365.0


def pay_and_desert(model, days: float) -> None:
    """Pay ``days`` of upkeep from the funds; unpaid and tired fighters go home."""
    s, b, cfg = model.upkeep, model.bands, model.cfg
    u = cfg.levers.upkeep
    n = b.n
    cost_per_day = u.usd_per_fighter_year / 365.0
    income = income_per_day(model)
    s.capacity = income / cost_per_day
    fighters = np.bincount(b.faction[:n], weights=b.fighters[:n], minlength=s.funds.size)
    s.funds += income * days + s.loot - fighters * cost_per_day * days
    s.loot[:] = 0.0
    unpaid = np.maximum(-s.funds, 0.0) / (cost_per_day * days)
    s.funds = np.clip(s.funds, 0.0, u.reserve_months * 30.0 * cost_per_day * fighters)
    p = np.array([desertion(fighters[f], unpaid[f], u.p_desert_unpaid, u.rate_demobilise, days)
                  for f in range(s.funds.size)])
    alive = np.flatnonzero(b.fighters[:n] > 0)
    if alive.size == 0:
        return
    p_band = np.minimum(p[b.faction[alive]] * leaders.desert_factor(model)[alive], 1.0)  # disrupted bands: more
    leave = s.rng.binomial(b.fighters[alive].astype(np.int64), p_band)
    go = leave > 0
    if not go.any():
        return
    bands, leave = alive[go], leave[go]
    b.fighters[bands] -= leave
    np.add.at(s.deserters, b.faction[bands], leave)
    _return_to_civilians(model, b.cell[bands], leave, b.faction[bands])


def _return_to_civilians(model, cells: np.ndarray, people: np.ndarray, factions: np.ndarray) -> None:
    """Add ``people`` to a civilian group at home in each of ``cells`` (a new group if none)."""
    pop, cfg = model.population, model.cfg
    pop.reserve(cells.size)
    n = pop.n
    # the first (lowest) non-empty row at home in each of the cells, if any
    at = np.unique(cells)
    slot = np.full(model.field("people").size, -1, np.int64)
    slot[at] = np.arange(at.size)
    rows = np.empty(at.size, np.int64)
    first_home_rows(n, pop.cell, pop.status, pop.people, slot, rows)
    first = {c: r for c, r in zip(at.tolist(), rows.tolist(), strict=True) if r >= 0}
    appeal = [int(np.argmax(f.appeal)) for f in cfg.insurgents.factions.values()]
    for c, k, f in zip(cells.tolist(), people.tolist(), factions.tolist(), strict=True):
        r = first.get(c)
        if r is None:
            r = pop.n
            pop.n += 1
            comm = appeal[f]
            pop.cell[r], pop.home[r], pop.community[r], pop.status[r] = c, c, comm, HOME
            pop.people[r] = 0
            pop.hardship[r], pop.risk_aversion[r] = s_uniform(model), s_uniform(model)
            pop.legitimacy[r] = cfg.population.legitimacy0[comm]
            pop.sympathy[r] = cfg.population.sympathy0[comm]
            pop.harm[r], pop.t_displaced[r], pop.sibling[r] = 0.0, -1, -1
            first[c] = r
        pop.people[r] += int(k)


def s_uniform(model) -> float:
    return float(model.upkeep.rng.random())
