"""SahelModel: the Mesa model that owns the clock, the RNG streams, the world and the actors."""

from __future__ import annotations

import datetime as dt
import sys

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from sim import rng as rngs
from sim.actors import Band, BandTable, Faction, ForceUnit, Partner, UnitTable
from sim.config import Config
from sim.config_actors import COMMUNITIES
from sim.events import EventLog
from sim.metrics import Recorder
from sim.phases import civilians, fight, operations, record, setup, territory, timeline
from sim.population import place_population
from sim.world import build_world

__all__ = ["SahelModel"]

# Cell fields exposed as Mesa property layers: (name, dtype, initial value)
LAYERS = (
    ("country", np.int8, 0), ("terrain", np.int8, 0), ("road_class", np.int8, 0), ("mine", np.int8, 0),
    ("people", np.float64, 0.0),            # civilians present (people)
    ("troops", np.float64, 0.0),            # state-side troops in the cell (people)
    ("fighters", np.float64, 0.0),          # insurgent fighters in the cell (people)
    ("troops_near", np.float64, 0.0),       # troops within `mechanisms.vision`
    ("fighters_near", np.float64, 0.0),     # fighters within `mechanisms.vision`
    ("control", np.float64, 0.5),           # +1 state .. -1 insurgent (Kalyvas zones by thresholds)
    ("violence", np.float64, 0.0),          # decaying local violence level
    ("tips", np.float64, 0.0),              # people inclined to inform the state
    ("push", np.float64, 0.0),              # economic push of blockades on grievance
    ("artery_status", np.int8, 0),          # 0 open, 1 contested, 2 cut
    ("deaths_pending", np.float64, 0.0),    # civilian deaths not yet realised as dead agents
    ("violence_events", np.float64, 0.0),   # cumulative violent events (for the violence map)
)


class SahelModel(mesa.Model):
    """The central Sahel at one step per day.

    ``step()`` runs a fixed phase order, each phase one module of :mod:`sim.phases`:

    1. **timeline** - apply dated interventions; partners arrive and leave on their dates.
    2. **perceive** - armed presence fields; detection of bands and leaders (state surveillance,
       partner intelligence, civilian tips).
    3. **decide and fight** - strikes on detected bands; columns patrol arteries and engage;
       bands raid, ambush, lay IEDs, blockade towns, strike mines and punish informers;
       gloves-off units detain and take reprisals.
    4. **harm and blame** - civilian deaths realised in the population and attributed to their
       perpetrator, raising local harm fields and violence.
    5. **recruit, move and displace** - the civilian kernel (every ``dur_civilian_update`` days):
       blame, grievance, joining bands, flight and return.
    6. **control** - cells follow the balance of presence; arteries reopen; towns blockaded.
    7. **record** - metrics into the preallocated recorder.
    """

    def __init__(self, cfg: Config):
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.date: dt.date = cfg.start
        self.world = build_world(cfg.map, rngs.stream(cfg.seed, "world"))
        w = self.world
        self.grid = OrthogonalMooreGrid((w.width, w.height), torus=False, random=self.random)
        self.layers = {}
        for name, dtype, init in LAYERS:
            self.layers[name] = self.grid.create_property_layer(name, default_value=dtype(init), dtype=dtype)
        for name in ("country", "terrain", "road_class", "mine"):
            self.layers[name].data[:] = getattr(w, name)
        self.population = place_population(w, cfg, rngs.stream(cfg.seed, "population"))
        self.communities = COMMUNITIES
        self.faction_names = tuple(cfg.insurgents.factions)
        self.partner_names = tuple(cfg.partners.profiles)
        self.units = UnitTable(capacity=4096)
        self.bands = BandTable(capacity=4096)
        self.partner_present = np.zeros(len(self.partner_names), np.bool_)
        self.events = EventLog(self)
        self.streams = {name: rngs.stream(cfg.seed, name) for name in ("forces", "insurgents", "harm", "setup")}
        self.keys = {name: rngs.stream_key(cfg.seed, name) for name in ("civilians",)}
        self.country_key = setup.country_keys(w)
        setup.populate_actors(self)
        territory.init(self)
        self.unit_agents = [ForceUnit(self, self.units, i) for i in range(self.units.n)]
        self._band_agents: list[Band] = []
        self.factions = [Faction(self, i, n) for i, n in enumerate(self.faction_names)]
        self.partners = [Partner(self, i, n) for i, n in enumerate(self.partner_names)]
        # the initial state, every record_every-th step, and always the last step
        n_records = -(-cfg.n_steps // cfg.output.record_every) + 1
        countries = tuple(n for n, core in zip(w.country_names, w.is_core_country, strict=True) if core)
        self.recorder = Recorder(n_records, self.faction_names, COMMUNITIES, countries)
        self.population_changed = True
        self.cum_civilian_deaths = 0.0  # civilian deaths drawn so far (people)
        self.initial_people = float(self.population.n * self.population.people_per_agent)
        timeline.apply(self)
        civilians.aggregate(self)
        operations.perceive(self)
        record.reset_interval(self)
        record.record(self)

    # Mesa façades over the actor tables: one agent per row, created once (the arrays are the state)
    @property
    def band_agents(self) -> list[Band]:
        """Bands with fighters left (bands are added when they split, so façades are added lazily)."""
        for i in range(len(self._band_agents), self.bands.n):
            self._band_agents.append(Band(self, self.bands, i))
        return [a for a in self._band_agents if a.fighters > 0]

    def field(self, name: str) -> np.ndarray:
        """A cell field as a flat view (the property layer owns the memory)."""
        return self.layers[name].data.reshape(-1)

    @property
    def t(self) -> int:
        """Days since the start."""
        return self.steps

    def step(self) -> None:
        # Mesa counts this step in ``steps`` before calling step(): step s simulates the day
        # start + s, the date of its time-series row (row 0, dated start, is the initial state).
        self.date = self.cfg.start + dt.timedelta(days=self.steps)
        timeline.apply(self)
        operations.perceive(self)
        fight.fight(self)
        operations.realise_harm(self)
        if (self.steps + 1) % self.cfg.population.dur_civilian_update == 0:
            civilians.update(self)
        territory.update(self)
        if self.steps % self.cfg.output.record_every == 0 or self.steps == self.cfg.n_steps:
            record.record(self)
            record.reset_interval(self)

    def run(self, progress: bool = False) -> None:
        from tqdm.auto import tqdm

        bar = tqdm(total=self.cfg.n_steps, unit="day", delay=2.0, disable=not progress,
                   mininterval=1.0 if sys.stderr.isatty() else 15.0, desc=self.cfg.scenario.name)
        for _ in range(self.cfg.n_steps):
            self.step()
            bar.update(1)
        bar.close()
