"""Leaders as a hierarchy: senior leaders of a faction's regions above the band leaders.

* **band leaders** - ``leaders_per_band`` per band (:class:`sim.sahel.actors.BandTable`); a
  killed one disrupts his band for ``dur_leader_disruption`` days and is replaced from its
  experienced fighters after as long (:mod:`sim.sahel.bands`).
* **senior leaders** - ``levers.leaders.n_senior`` posts per faction (katiba and regional
  emirs). Each travels with a host band; he is better hidden (``rel_detect_senior`` against
  the faction's ``rel_detect_leader`` for band leaders). Killed, his post falls vacant for ``dur_senior_replacement``
  days and is then filled by promoting the most experienced band leader of the faction (whose
  band then loses a leader and replaces him in turn); while vacant, the faction's bands within
  ``senior_region`` cells of where he died operate at ``rel_senior_disruption`` of their
  normal rate for ``dur_senior_disruption`` days.
* **disruption beyond operations** - while disrupted by the loss of one of its own leaders, a
  band recruits at ``rel_recruit_disrupted`` of its normal rate (recruitment runs through its
  commanders' local networks) and its fighters desert at ``rel_desert_disrupted`` times theirs
  (:func:`recruit_factor`, :func:`desert_factor`); a senior leader's death disrupts his
  region's operations only. Whether decapitation weakens the movement is
  not written anywhere: it follows from these delays, the disruption, and how fast the mass
  base refills the bands.
* **pattern of life** (:func:`sim.rules.levers.pattern_of_life`) - evidence on each band's
  leadership and on each senior leader accumulates every day with the detection hazard on the
  band (ground forces, tips, platforms), multiplied by ``1 + intelligence sharing`` in the
  band's country, and decays with ``dur_track_memory``; a leader is located once it passes a
  threshold drawn from Exp(1) when he takes up his post. Leaked intelligence resets it.
* **operations factor** - each band's operations today are scaled by the senior-leader
  disruption and by deterrence (:mod:`sim.sahel.deterrence`).
"""

from __future__ import annotations

import math

import numpy as np

from sim.core import rng as rngs
from sim.rules.levers import pattern_of_life as accumulate
from sim.sahel.kernels.detection import band_evidence, band_operations_factor, senior_evidence

__all__ = ["LeaderState", "pattern_of_life", "senior_located_in", "kill_located_senior", "band_leader_killed",
           "leaderless", "recruit_factor", "desert_factor"]


class LeaderState:
    """Senior-leader posts and the leader flows (one owner: this object, on ``model.leaders``)."""

    def __init__(self, model):
        cfg = model.cfg
        n_fac = len(cfg.insurgents.factions)
        self.faction = np.repeat(np.arange(n_fac), cfg.levers.leaders.n_senior).astype(np.int8)  # of each post
        k = self.faction.size
        self.host = np.full(k, -1, np.int32)        # band the senior leader travels with (-1: post vacant)
        self.evidence = np.zeros(k)                 # pattern-of-life evidence on him
        self.threshold = np.ones(k)                 # evidence at which he is located (Exp(1) per leader)
        self.t_due = np.zeros(k, np.int64)          # step a vacant post is filled
        self.located = np.zeros(k, np.bool_)        # located today
        self.rel_operate = np.ones(0)               # today's operations factor per band
        self.intel = np.zeros(0)                    # today's partner intelligence sharing in each band's country
        self.senior_killed = np.zeros(n_fac)        # flows since the last record, by faction
        self.band_killed = np.zeros(n_fac)
        self.rng = rngs.stream(cfg.seed, "leaders")


def _fill(model) -> None:
    """Fill vacant posts that are due: at set-up among the bands, later by promotion."""
    s, b = model.leaders, model.bands
    due = np.flatnonzero((s.host < 0) & (s.t_due <= model.steps))
    if due.size == 0:
        return
    n = b.n
    alive = b.fighters[:n] > 0
    factions = list(model.cfg.insurgents.factions.values())
    for j in due:
        f = int(s.faction[j])
        mine = np.flatnonzero(alive & (b.faction[:n] == f) & (b.leaders[:n] > 0))
        if mine.size == 0:
            continue
        if model.steps == 0:  # set-up: posts spread over the faction's bands, largest first
            order = mine[np.argsort(-b.fighters[:n][mine], kind="stable")]
            band = int(order[np.count_nonzero(s.faction[:j] == f) % order.size])
        else:  # promotion of the most experienced band leader; his band replaces him in time
            band = int(mine[np.argmax(b.experience[:n][mine])])
            b.leaders[band] -= 1
            if b.t_leader_due[band] < 0:
                b.t_leader_due[band] = model.steps + factions[f].dur_leader_disruption
        s.host[j], s.evidence[j] = band, 0.0
        s.threshold[j] = s.rng.exponential(1.0)


def _rehost(model) -> None:
    """A senior leader whose band is destroyed moves to his faction's largest band."""
    s, b = model.leaders, model.bands
    lost = np.flatnonzero((s.host >= 0) & (b.fighters[np.maximum(s.host, 0)] <= 0))
    for j in lost:
        mine = np.flatnonzero((b.fighters[: b.n] > 0) & (b.faction[: b.n] == s.faction[j]))
        s.host[j] = int(mine[np.argmax(b.fighters[: b.n][mine])]) if mine.size else -1
        s.evidence[j] = 0.0


def pattern_of_life(model, hazard: np.ndarray, warned: np.ndarray) -> None:
    """Accumulate evidence on band and senior leaders from today's detection ``hazard`` per band;
    set ``model.leader_detected``, the located seniors, and each band's operations factor."""
    s, b, lv = model.leaders, model.bands, model.cfg.levers.leaders
    n = b.n
    boost = 1.0 + (s.intel if s.intel.size == n else np.zeros(n))
    th = b.threshold[:n]
    new = np.isnan(th)
    if new.any():
        th[new] = s.rng.exponential(1.0, int(new.sum()))
    rel = np.array([f.rel_detect_leader for f in model.cfg.insurgents.factions.values()])
    model.leader_detected = np.empty(n, np.bool_)
    band_evidence(b.evidence[:n], th, warned, rel, b.faction[:n], hazard, boost, math.exp(-1.0 / lv.dur_track_memory),
                  b.leaders[:n], b.fighters[:n], model.leader_detected)
    _rehost(model)
    _fill(model)
    if n:  # (without bands no post is filled: every post's evidence decays)
        s.located = np.empty(s.host.size, np.bool_)
        senior_evidence(s.evidence, s.threshold, s.host, warned, hazard, boost, lv.rel_detect_senior,
                        math.exp(-1.0 / lv.dur_track_memory), s.located)
    else:
        s.located = accumulate(s.evidence, np.zeros(s.host.size), lv.dur_track_memory, s.threshold) & (s.host >= 0)
    s.rel_operate = np.empty(n)  # the senior-leader disruption times deterrence.operations_factor
    band_operations_factor(b.t_senior_disrupted[:n], model.steps, lv.rel_senior_disruption, model.fear.level,
                           b.cell[:n], model.cfg.levers.deterrence.rel_fear_activity, s.rel_operate)


def senior_located_in(model) -> np.ndarray:
    """Per band: hosts a located senior leader today."""
    s = model.leaders
    out = np.zeros(model.bands.n, np.bool_)
    out[s.host[s.located & (s.host < out.size)]] = True
    return out


def kill_located_senior(model, band: int, p_kill: float, rng) -> bool:
    """A strike or raid on ``band`` kills a located senior leader there with chance ``p_kill``."""
    s, b, lv = model.leaders, model.bands, model.cfg.levers.leaders
    posts = np.flatnonzero(s.located & (s.host == band))
    if posts.size == 0 or rng.random() >= p_kill:
        return False
    j = int(posts[0])
    f = int(s.faction[j])
    s.host[j], s.located[j], s.evidence[j] = -1, False, 0.0
    s.t_due[j] = model.steps + lv.dur_senior_replacement
    s.senior_killed[f] += 1
    model.interval.leaders_killed[f] += 1
    h = model.world.height
    x, y = divmod(int(b.cell[band]), h)
    bx, by = np.divmod(b.cell[: b.n], h)
    region = (b.faction[: b.n] == f) & (np.maximum(np.abs(bx - x), np.abs(by - y)) <= lv.senior_region)
    b.t_senior_disrupted[: b.n][region] = model.steps + lv.dur_senior_disruption
    return True


def band_leader_killed(model, band: int) -> None:
    """Count a band leader's death; his band's remaining leadership must be found afresh."""
    b = model.bands
    model.leaders.band_killed[b.faction[band]] += 1
    b.evidence[band] = 0.0
    b.threshold[band] = np.nan


def leaderless(model) -> np.ndarray:
    """Per band: disrupted today by the loss of one of its own leaders (``dur_leader_disruption``).
    A senior leader's death disrupts his region's operations only (``rel_senior_disruption``):
    recruitment and cohesion are local, in the band's commanders' hands."""
    b = model.bands
    return b.t_disrupted[: b.n] > model.steps


def recruit_factor(model) -> np.ndarray:
    """Per band: recruitment relative to normal (``rel_recruit_disrupted`` while leaderless)."""
    return np.where(leaderless(model), model.cfg.levers.leaders.rel_recruit_disrupted, 1.0)


def desert_factor(model) -> np.ndarray:
    """Per band: desertion relative to normal (``rel_desert_disrupted`` while leaderless)."""
    return np.where(leaderless(model), model.cfg.levers.leaders.rel_desert_disrupted, 1.0)
