"""SahelModel: the Mesa model that owns the clock, the RNG streams, the world and the actors.

Every piece of the model's state is declared in :meth:`SahelModel.__init__`, with its meaning;
the phases (:mod:`sim.sahel.phases`, one module per phase of :meth:`SahelModel.step`) read and
update it but add nothing to the model.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer

from sim.config import Config
from sim.core import rng as rngs
from sim.core.codes import COMMUNITIES
from sim.output.events import EventLog
from sim.output.metrics import Recorder
from sim.sahel import deterrence, frontier, isr, leaders, setup, upkeep
from sim.sahel.actors import Band, BandTable, Faction, ForceUnit, Partner, UnitTable
from sim.sahel.displacement import CAUSES, build_sites
from sim.sahel.phases import civilians, control, fight, harm, perceive, record, timeline
from sim.sahel.phases.record import CountryCells, Interval
from sim.sahel.population import place_population
from sim.world import build_world

__all__ = ["SahelModel", "PHASES"]

PHASES = ("timeline", "perceive", "fight", "harm", "civilians", "control", "record")
"""The phases of a step, in order (one module each in :mod:`sim.sahel.phases`)."""

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
    ("violence_events", np.float64, 0.0),   # cumulative violent events (for the violence map)
)


class SahelModel(mesa.Model):
    """The central Sahel at one step per day.

    ``step()`` runs a fixed phase order, each phase one module of :mod:`sim.sahel.phases`:

    1. **timeline** - apply dated interventions; partners arrive and leave on their dates.
    2. **perceive** - armed presence fields; detection of bands (ground forces, partner
       intelligence, civilian tips, surveillance platforms) and leaders (pattern of life).
    3. **fight** - strikes on detected bands; platforms' strikes and raids; columns patrol arteries and engage;
       bands raid, ambush, lay IEDs, blockade towns, strike mines and punish informers;
       gloves-off units detain and take reprisals.
    4. **harm** - civilian deaths drawn today come off the headcounts of the groups in their
       cell, of the targeted community (they were attributed to their perpetrator, and raised
       local harm and violence, when drawn in the fight).
    5. **civilians** - the civilian kernel (every ``dur_civilian_update`` days): blame,
       grievance, joining bands (recruitment, deterred by fear), flight by cause to towns and camps,
       late return, onward emigration (:mod:`sim.sahel.displacement`); factions pay their
       fighters and unpaid or tired fighters go home.
    6. **control** - cells follow the balance of presence; arteries reopen; towns blockaded.
    7. **record** - metrics into the preallocated recorder.
    """

    def __init__(self, cfg: Config):
        super().__init__(rng=cfg.seed)
        # ---- configuration and clock
        self.config: Config = cfg          # as the run started (never changed)
        self.cfg: Config = cfg             # in force on the model's date (timeline interventions replace it)
        self.date: dt.date = cfg.start
        self.phase_seconds = dict.fromkeys(PHASES, 0.0)  # wall seconds spent in each phase (profiling only)
        self.lap_start = 0.0                              # perf_counter at the start of the current phase
        self.timeline_pending = timeline.pending(cfg.scenario.timeline)  # (date, intervention) not yet applied
        # ---- the world: the cell fields as Mesa property layers (the layers own the memory). The
        # model's rules read the layers; ``grid``, the Mesa grid that carries them for Mesa's
        # tools, is built on first use (its connected cells take 0.8 s on the sahel map).
        self.world = build_world(cfg.map, rngs.stream(cfg.seed, "world"))
        w = self.world
        n_cells, n_towns, n_comm = w.width * w.height, len(w.towns.name), len(COMMUNITIES)
        self.layers = {name: PropertyLayer(name, (w.width, w.height), default_value=dtype(init), dtype=dtype)
                       for name, dtype, init in LAYERS}
        self._grid: OrthogonalMooreGrid | None = None     # the Mesa grid, once ``grid`` is read
        # flat views of the layers, made once (Mesa's ``data`` setter writes in place, so they stay true)
        self.flat = {name: layer.data.reshape(-1) for name, layer in self.layers.items()}
        for name in ("country", "terrain", "road_class", "mine"):
            self.layers[name].data[:] = getattr(w, name)
        # ---- people and actors (tables are the state; Mesa agents are façades over their rows)
        self.population = place_population(w, cfg, rngs.stream(cfg.seed, "population"))
        self.communities = COMMUNITIES
        self.faction_names = tuple(cfg.insurgents.factions)
        self.partner_names = tuple(cfg.partners.profiles)
        self.units = UnitTable(capacity=4096)
        self.bands = BandTable(capacity=4096)
        self.partner_present = np.zeros(len(self.partner_names), np.bool_)
        self.heartland: list[tuple[int, int]] = []  # each faction's home cell (x, y)
        self.events = EventLog(self)
        # ---- randomness: a named stream per mechanism, a counter-based key for the kernel
        self.streams = {name: rngs.stream(cfg.seed, name) for name in ("forces", "insurgents", "harm", "setup")}
        self.keys = {name: rngs.stream_key(cfg.seed, name) for name in ("civilians", "displacement")}
        self.country_key = setup.country_keys(w)
        # ---- perceive: today's detection, per band; strikes per day, per country
        self.detected = np.zeros(0, np.bool_)
        self.leader_detected = np.zeros(0, np.bool_)
        self.strikes_per_day = np.zeros(len(w.country_names))
        # ---- the levers (issue 11): platforms, leader hierarchy, fear, armed groups' funds
        self.isr = isr.IsrState(self)                       # coverage, ISR detection, strikes by country
        self.leaders = leaders.LeaderState(self)            # senior-leader posts, leader flows
        self.fear = deterrence.FearState(n_cells)           # fear of state violence per cell
        self.frontier = frontier.FrontierState(len(self.faction_names), w.width, w.height,
                                               cfg.insurgents.frontier)  # the factions' established cells
        self.upkeep = upkeep.UpkeepState(self)              # funds, capacity and deserters per faction
        # ---- harm and civilians: per (cell, community) aggregates, harm drawn since the last update
        self.people_by_comm = np.zeros((n_cells, n_comm))   # civilians present (people)
        self.harm_state_acc = np.zeros((n_cells, n_comm))   # deaths (and detentions) by the state side
        self.harm_ins_acc = np.zeros((n_cells, n_comm))     # deaths by insurgents
        self.sum_legit, self.sum_griev = np.zeros(n_comm), np.zeros(n_comm)  # sums over living civilians
        self.n_alive = np.zeros(n_comm)                     # living civilians by community (people)
        self.cell_start = np.zeros(n_cells + 1, np.int64)   # groups of cell c: cell_rows[cell_start[c]:cell_start[c+1]]
        self.cell_rows = np.zeros(self.population.capacity, np.int32)
        self.deaths_today: list[tuple[int, np.ndarray]] = []  # (cell, deaths by community) for the harm phase
        # ---- displacement (sim.sahel.displacement): destinations, flight by cause, secure homes
        d = cfg.displacement
        self.sites = build_sites(w, d.rel_town_capacity, d.flee_radius, d.camp_radius)  # towns and camps
        self.site_resident0 = w.people.reshape(-1)[self.sites.cell]  # people living in each site's cell at the start
        self.refuge = np.repeat(np.arange(n_cells, dtype=np.int32)[:, None], n_comm, axis=1)  # [cell, community] -> destination cell
        self.flight_causes = np.zeros((len(CAUSES), n_cells, n_comm))  # daily flight hazard by cause
        self.flee_hazard = np.zeros((n_cells, n_comm))      # their sum
        self.secure_days = np.full(n_cells, d.dur_secure)   # days each cell has been secure (return needs dur_secure)
        self.return_hazard = np.zeros(n_cells)              # daily chance of return to each home cell
        self.extra_hardship = np.zeros(n_cells)             # hardship added by crowding in a site's cell
        self.abroad = ~w.is_core_country[w.country.reshape(-1)]  # cells outside the core countries
        # ---- control: arteries, towns, and who recruits where
        self.artery_last_attack = np.full(n_cells, -10**9, np.int64)  # step of the last attack per cell
        self.artery_is_cut = np.zeros(len(w.arteries.name), np.bool_)
        self.blockaded = np.zeros(n_towns, np.bool_)
        self.town_cut_share = np.zeros(n_towns)             # share of a town's arteries cut
        self.supplies = np.full(n_towns, cfg.mechanisms.supply_days)  # days of supplies per town
        self.recruiter = np.full(n_cells, -1, np.int32)     # the band a recruit of each cell joins
        # ---- set-up of the actors (draws from the ``setup`` stream)
        setup.populate_actors(self)
        control.assign_recruiters(self)
        self.unit_agents = [ForceUnit(self, self.units, i) for i in range(self.units.n)]
        self._band_agents: list[Band] = []
        self.factions = [Faction(self, i, n) for i, n in enumerate(self.faction_names)]
        self.partners = [Partner(self, i, n) for i, n in enumerate(self.partner_names)]
        # ---- record: the initial state, every record_every-th step, and always the last step
        n_records = -(-cfg.n_steps // cfg.output.record_every) + 1
        countries = tuple(n for n, core in zip(w.country_names, w.is_core_country, strict=True) if core)
        self.recorder = Recorder(n_records, self.faction_names, COMMUNITIES, countries)
        self.interval = Interval.zeros(len(self.faction_names))  # flows since the last record
        self.country_cells = CountryCells.of(w)             # the core countries' cells (what record sums over)
        n_countries = len(w.country_names)
        self.civilians_in = np.zeros(n_countries)           # civilians by the country they are in (people)
        self.displaced_from = np.zeros(n_countries)         # displaced people by home country
        self.displaced_in = np.zeros(n_countries)           # displaced people by the country they are in
        self.refugees_from = np.zeros(n_countries)          # displaced people outside their home country, by home country
        self.initial_people = float(self.population.total + self.bands.fighters[: self.bands.n].sum())
        # ---- the state on the start date
        timeline.apply(self)
        civilians.aggregate(self)
        perceive.perceive(self)
        record.reset_interval(self)
        record.record(self)

    # Mesa façades over the actor tables: one agent per row, created once (the arrays are the state)
    @property
    def band_agents(self) -> list[Band]:
        """Bands with fighters left (bands are added when they split, so façades are added lazily)."""
        for i in range(len(self._band_agents), self.bands.n):
            self._band_agents.append(Band(self, self.bands, i))
        return [a for a in self._band_agents if a.fighters > 0]

    @property
    def grid(self) -> OrthogonalMooreGrid:
        """The Mesa grid of the map, carrying :attr:`layers` as its property layers (made on first use)."""
        if self._grid is None:
            w = self.world
            grid = OrthogonalMooreGrid((w.width, w.height), torus=False, random=self.random)
            for layer in self.layers.values():
                grid.add_property_layer(layer)
            self._grid = grid
        return self._grid

    def field(self, name: str) -> np.ndarray:
        """A cell field as a flat view (the property layer owns the memory)."""
        return self.flat[name]

    @property
    def t(self) -> int:
        """Days since the start."""
        return self.steps

    def step(self) -> None:
        # Mesa counts this step in ``steps`` before calling step(): step s simulates the day
        # start + s, the date of its time-series row (row 0, dated start, is the initial state).
        self.date = self.cfg.start + dt.timedelta(days=self.steps)
        self.lap_start = time.perf_counter()
        timeline.apply(self)
        self.lap("timeline")
        perceive.perceive(self)
        self.lap("perceive")
        fight.fight(self)
        self.lap("fight")
        harm.realise_harm(self)
        self.lap("harm")
        if (self.steps + 1) % self.cfg.population.dur_civilian_update == 0:
            civilians.update(self)
        self.lap("civilians")
        control.update(self)
        self.lap("control")
        if self.steps % self.cfg.output.record_every == 0 or self.steps == self.cfg.n_steps:
            record.record(self)
            record.reset_interval(self)
        self.lap("record")

    def lap(self, phase: str) -> None:
        """Add the time since the last lap to ``phase_seconds[phase]`` (read by benchmarks only)."""
        now = time.perf_counter()
        self.phase_seconds[phase] += now - self.lap_start
        self.lap_start = now

    def run(self, progress: bool = False) -> None:
        from tqdm.auto import tqdm

        bar = tqdm(total=self.cfg.n_steps, unit="day", delay=2.0, disable=not progress,
                   mininterval=1.0 if sys.stderr.isatty() else 15.0, desc=self.cfg.scenario.name)
        for _ in range(self.cfg.n_steps):
            self.step()
            bar.update(1)
        bar.close()
