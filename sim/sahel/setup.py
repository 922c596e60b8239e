"""Set-up of the actors: garrisons, columns, partner contingents, militias, bands and their heartlands."""

from __future__ import annotations

import numpy as np

from sim.core.codes import (
    COLUMN,
    COUNTRY_KEYS,
    GARRISON,
    MILITIA,
    PARTNER,
    STATE,
    country_key,
)
from sim.core.params import ConfigError
from sim.sahel import frontier


def _towns_of(world, country: int) -> np.ndarray:
    return np.flatnonzero(world.towns.country == country)


def _town_cell(world, t: int) -> int:
    return int(world.towns.x[t]) * world.height + int(world.towns.y[t])


def _split(total: float, weights: np.ndarray) -> np.ndarray:
    return total * weights / weights.sum() if weights.sum() > 0 else np.zeros_like(weights)


def country_keys(world) -> tuple[str, ...]:
    """The config name each map country answers to (in ``state.forces`` and partners' hosts).

    On the sahel map that is the country's own name as a key (``burkina_faso``). A synthetic map's countries stand in for the
    core countries in order (the first for Mali, the second for Burkina Faso, ...), so the same
    force and partner configs drive both maps.
    """
    names = [country_key(n) for n in world.country_names]
    if all(n in COUNTRY_KEYS or not core for n, core in zip(names, world.is_core_country, strict=True)):
        return tuple(names)
    return tuple(COUNTRY_KEYS[i % len(COUNTRY_KEYS)] if core else name
                 for i, (name, core) in enumerate(zip(names, world.is_core_country, strict=True)))


def _heartland(world, fac, rng) -> tuple[int, int]:
    """The faction's home cell; on a map that does not cover its coordinates (synthetic maps),
    a random town of the map stands in for it."""
    try:
        hx, hy = world.cell_of(fac.home_lon, fac.home_lat)
        return int(hx), int(hy)
    except ValueError:
        t = int(rng.integers(len(world.towns.name)))
        return int(world.towns.x[t]), int(world.towns.y[t])


def _even_split(total: int, parts: int) -> np.ndarray:
    """``total`` people in ``parts`` whole numbers that differ by at most one."""
    return (total // parts + (np.arange(parts) < total % parts)).astype(np.float64)


def _take_people(pop, distance: np.ndarray, wanted: int) -> int:
    """Take up to ``wanted`` people from the groups nearest by ``distance`` (whole groups, then
    part of the last); return how many were taken."""
    order = np.argsort(distance, kind="stable")
    heads = pop.people[: pop.n][order].astype(np.int64)
    before = np.cumsum(heads) - heads
    take = np.clip(wanted - before, 0, heads)
    pop.people[order] -= take.astype(np.int32)
    return int(take.sum())


def populate_actors(model) -> None:
    """Create every unit and band from the config. Deterministic given the seed."""
    cfg, world, units = model.cfg, model.world, model.units
    rng = model.streams["setup"]
    country_index = {name: i for i, name in enumerate(model.country_key)}
    # State forces: garrisons in towns (weighted by sqrt(population)), columns at the largest towns.
    for name, force in cfg.state.forces.items():
        c = country_index.get(name)
        towns = _towns_of(world, c) if c is not None else np.zeros(0, int)
        if towns.size == 0 or force.troops == 0:
            continue
        weights = np.sqrt(world.towns.population[towns])
        for t, troops in zip(towns, _split(force.troops * force.garrison_share, weights), strict=True):
            units.add(STATE, GARRISON, c, _town_cell(world, t), int(t), troops)
        bases = towns[np.argsort(-world.towns.population[towns], kind="stable")]
        for j in range(force.n_columns):
            t = int(bases[j % bases.size])
            units.add(STATE, COLUMN, c, _town_cell(world, t), t,
                      force.troops * (1 - force.garrison_share) / max(force.n_columns, 1))
    # Partners: ground partners as columns of ~500 (Wagner-like ones accompany state columns),
    # peacekeepers as garrisons in host towns. Intel and drone partners have no ground units.
    for p, prof in enumerate(cfg.partners.profiles.values()):
        if not prof.active or prof.troops == 0 or prof.kind in ("intel", "drone"):
            continue
        hosts = [country_index[h] for h in prof.countries if h in country_index]
        towns = np.concatenate([_towns_of(world, h) for h in hosts]) if hosts else np.zeros(0, int)
        if towns.size == 0:
            continue
        if prof.kind == "peacekeeping":
            weights = np.sqrt(world.towns.population[towns])
            for t, troops in zip(towns, _split(prof.troops, weights), strict=True):
                units.add(PARTNER, GARRISON, int(world.towns.country[t]), _town_cell(world, t), int(t), troops, p)
        else:
            n_cols = max(1, int(round(prof.troops / 500)))
            order = towns[np.argsort(-world.towns.population[towns], kind="stable")]
            for j in range(n_cols):
                t = int(order[j % order.size])
                units.add(PARTNER, COLUMN, int(world.towns.country[t]), _town_cell(world, t), t,
                          prof.troops / n_cols, p)
    # Militias: volunteers in every town of the core countries (inactive until militia.active).
    for c, core in enumerate(world.is_core_country):
        if not core:
            continue
        for t in _towns_of(world, c):
            units.add(MILITIA, GARRISON, c, _town_cell(world, t), int(t), float(cfg.state.militia.volunteers_per_town))
    n = units.n
    units.troops0 = units.troops[:n].copy()
    # Bands: near each faction's heartland; their first fighters are recruits from nearby people.
    pop = model.population
    model.heartland.clear()
    px, py = np.divmod(pop.home[: pop.n], world.height)
    for f, (name, fac) in enumerate(cfg.insurgents.factions.items()):
        hx, hy = _heartland(world, fac, rng)
        model.heartland.append((hx, hy))
        spread = max(2, cfg.insurgents.band_range)
        frontier.start_area(model, f, hx, hy, spread)
        first = model.bands.n
        for _ in range(fac.n_bands):
            bx = int(np.clip(hx + rng.integers(-spread, spread + 1), 0, world.width - 1))
            by = int(np.clip(hy + rng.integers(-spread, spread + 1), 0, world.height - 1))
            model.bands.add(f, bx * world.height + by, 0.0, fac.leaders_per_band)
        # the fighters are people taken from the civilians nearest the heartland (one owner per person)
        available = pop.total
        if fac.fighters0 > available:  # known only once the map is built, hence not checked by the schema
            raise ConfigError(f"insurgents.factions.{name}.fighters0", fac.fighters0,
                              f"at most the {available} people left on this map to recruit them from")
        taken = _take_people(pop, np.maximum(np.abs(px - hx), np.abs(py - hy)), fac.fighters0)
        model.bands.fighters[first:model.bands.n] = _even_split(taken, fac.n_bands)
