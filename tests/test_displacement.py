"""Displacement (issue 12): each rule has a test that fails if the rule breaks, and every kernel
matches its readable twin.

Rules: flight by cause (coercion without violent events still sends people away; violence a few
days' walk away counts); a siege traps its town's people and releases hunger-driven flight when
it breaks; return waits for months of security and is partial; destinations weigh safety,
distance, kin, crowding and borders, and a refugee crosses a border only where the destination
lies across one; displaced people carry hardship (and so grievance) and crowding adds to it;
displaced people in neighbouring countries may leave the modelled area (emigrants).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import sim
from sim.core import rng
from sim.core.codes import DISPLACED, HOME
from sim.sahel.displacement import flows
from sim.sahel.displacement import kernels as kd
from sim.sahel.displacement.sites import build_sites, candidates
from sim.sahel.kernels import civilians as kc
from tests.conftest import SMALL
from tests.test_kernels import _civilian_inputs, _update

N_COMM = 4


def _params(**changes) -> np.ndarray:
    cfg = sim.load_config(SMALL)
    model = SimpleNamespace(cfg=cfg)
    v = flows.pack_params(model)
    for name, value in changes.items():
        v[getattr(kd, name)] = value
    return v


def _hazard(n_cells=1, violence=0.0, near=0.0, control=0.5, fighters=0.0, troops=0.0, harm=0.0, hunger=0.0,
            trapped=False, params=None, impl=kd.flight_hazard):
    arr = lambda v: np.full(n_cells, float(v))  # noqa: E731
    causes, total = np.zeros((5, n_cells, N_COMM)), np.zeros((n_cells, N_COMM))
    impl(arr(violence), arr(near), arr(control), arr(fighters), arr(troops), np.full((n_cells, N_COMM), harm),
         arr(hunger), np.full(n_cells, trapped), np.array([1.5, 1.0, 0.5, 1.0]),
         _params() if params is None else params, causes, total)
    return causes, total


# --------------------------------------------------------------------------- kernels vs twins
def test_flight_hazard_matches_its_twin():
    g = np.random.default_rng(3)
    n = 200
    args = (g.random(n) * g.choice([0, 1], n), g.random(n) * 0.3, g.uniform(-1, 1, n), g.choice([0.0, 40.0], n),
            g.choice([0.0, 300.0, 5000.0], n), g.random((n, N_COMM)) * g.choice([0, 1], (n, N_COMM)),
            g.random(n) * g.choice([0, 1], n), g.random(n) < 0.2, np.array([1.5, 1.0, 0.5, 1.0]), _params())
    a = (np.zeros((5, n, N_COMM)), np.zeros((n, N_COMM)))
    b = (np.zeros((5, n, N_COMM)), np.zeros((n, N_COMM)))
    kd.flight_hazard(*args, *a)
    kd.flight_hazard_py(*args, *b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)
    assert (a[0] > 0).any(axis=(1, 2)).all()  # every cause was exercised
    np.testing.assert_allclose(a[0].sum(axis=0), a[1], rtol=1e-12)


def _destination_inputs(seed: int, w: int = 12, h: int = 10):
    g = np.random.default_rng(seed)
    world = SimpleNamespace(width=w, height=h)
    site_cell = g.choice(w * h, 8, replace=False).astype(np.int64)
    radius = np.array([3, 3, 3, 3, 3, 6, 6, 6])
    ptr, site, dist = candidates(world.width, world.height, site_cell, radius)
    return dict(cand_ptr=ptr, cand_site=site, cand_dist=dist, site_cell=site_cell,
                site_country=g.integers(0, 2, 8).astype(np.int64), site_is_camp=radius > 3,
                site_open=g.random(8) < 0.8, site_crowding=g.random(8) * 2, site_kin=g.random((8, N_COMM)),
                violence=g.random(w * h) * 0.5, control=g.uniform(-1, 1, w * h),
                cell_country=(np.arange(w * h) // (w * h // 2)).astype(np.int64),
                hazard=g.random((w * h, N_COMM)) * (g.random((w * h, N_COMM)) < 0.8), params=_params())


def test_choose_destinations_matches_its_twin():
    x = _destination_inputs(1)
    a = np.zeros((x["violence"].size, N_COMM), np.int32)
    b = a.copy()
    kd.choose_destinations(*x.values(), a)
    kd.choose_destinations_py(*x.values(), b)
    np.testing.assert_array_equal(a, b)
    cells = np.arange(a.shape[0])
    assert (a != cells[:, None]).any() and (a == cells[:, None]).any()  # some flee somewhere, some stay
    assert not np.isin(a, x["site_cell"][~x["site_open"]]).any()        # a blockaded site is never reached
    assert (a[x["hazard"] == 0] == np.nonzero(x["hazard"] == 0)[0]).all()  # nobody flees: no destination


@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_emigrate_matches_its_twin_and_only_takes_displaced_people_abroad(impl):
    cols, _, _ = _civilian_inputs(2, n=500)
    abroad = np.arange(30) >= 20
    twin = {k: v.copy() for k, v in cols.items()}
    left, left_py = np.zeros(500, np.int32), np.zeros(500, np.int32)
    key = rng.stream_key(2, "displacement")
    fn = kd.emigrate if impl == "njit" else kd.emigrate.py_func
    fn(500, cols["cell"], cols["status"], cols["people"], abroad, 0.05, key, 7, left)
    kd.emigrate_py(500, twin["cell"], twin["status"], twin["people"], abroad, 0.05, int(key), 7, left_py)
    np.testing.assert_array_equal(left, left_py)
    eligible = (cols["status"] == DISPLACED) & abroad[cols["cell"]]
    assert left[eligible].sum() > 0 and left[~eligible].sum() == 0
    np.testing.assert_array_equal(cols["people"] + left, _civilian_inputs(2, n=500)[0]["people"])


# --------------------------------------------------------------------------- 1. flight by cause
def test_coercion_without_violent_events_still_sends_people_away():
    causes, total = _hazard(violence=0.0, near=0.0, control=-0.6, fighters=50.0)
    assert total.min() > 0 and causes[kd.C_VIOLENCE].max() == 0
    np.testing.assert_allclose(causes[kd.C_COERCION], total)
    assert total[0, 0] > total[0, 2]  # the targeted community (farmers: 1.5) more than nomads (0.5)
    # ... and the civilian kernel draws people away on that hazard alone
    cols, cells, params = _civilian_inputs(4, n=600)
    cols["status"][:] = HOME
    cells["flee_hazard"][:] = total[0][None, :]
    cells["refuge"][:] = (np.arange(30)[:, None] + 1) % 30
    _, moving = _update(kc.civilian_update, cols, cells, params, rng.stream_key(4, "civilians"))
    assert moving.sum() > 0
    # no armed group within reach, no orders to leave: nobody flees
    assert _hazard(control=-0.6, fighters=0.0)[1].max() == 0


def test_violence_a_few_days_walk_away_makes_people_flee():
    assert _hazard(violence=0.0, near=0.2)[1].min() > 0
    assert _hazard(violence=0.0, near=0.2, params=_params(Q_NEAR=0.0))[1].max() == 0


def test_collective_punishment_and_operations_are_causes_of_their_own():
    causes, total = _hazard(harm=0.5)
    np.testing.assert_allclose(causes[kd.C_PUNISHMENT], total)
    causes, total = _hazard(troops=2000.0, fighters=10.0, control=0.5)
    np.testing.assert_allclose(causes[kd.C_OPERATIONS], total)
    assert total.min() > 0 and _hazard(troops=2000.0, fighters=0.0)[1].max() == 0


def test_flights_are_split_over_their_causes():
    causes, total = _hazard(violence=0.1, control=-0.5, fighters=20.0, harm=0.2)
    pop = SimpleNamespace(status=np.array([HOME, HOME, DISPLACED], np.int8), cell=np.zeros(3, np.int32),
                          community=np.array([0, 3, 1], np.int8))
    interval = SimpleNamespace(flights=np.zeros(5), returns=0.0)
    model = SimpleNamespace(population=pop, flight_causes=causes, interval=interval)
    flows.account(model, 3, np.array([100, 50, 7], np.int32))
    assert interval.flights.sum() == pytest.approx(150) and interval.returns == 7
    share = causes[:, 0, 0] / total[0, 0]
    assert interval.flights[kd.C_VIOLENCE] > 0 and interval.flights[kd.C_PUNISHMENT] > 0
    assert interval.flights[kd.C_COERCION] > 100 * share[kd.C_COERCION]  # farmers' share plus urban's


# --------------------------------------------------------------------------- 4. sieges
def test_a_siege_traps_its_people_and_hunger_drives_flight_when_it_breaks():
    free = _hazard(violence=0.2, hunger=0.0)[1]
    trapped = _hazard(violence=0.2, hunger=0.0, trapped=True)[1]
    np.testing.assert_allclose(trapped, free * (1 - _params()[kd.Q_TRAP]))
    assert trapped.max() < 0.2 * free.min()
    # supplies fell during the siege: once it breaks, hunger adds its own flight
    causes, broken = _hazard(violence=0.2, hunger=0.8)
    assert (broken > free).all() and causes[kd.C_SIEGE].min() > 0
    assert _hazard(violence=0.2, hunger=0.8, trapped=True)[1].max() < broken.min()


# --------------------------------------------------------------------------- 3. protracted displacement
def test_return_waits_for_months_of_security():
    days = np.zeros(3)
    calm, held, free = np.zeros(3), np.full(3, 0.5), np.zeros(3)
    hazard = None
    for _ in range(2):  # a quiet fortnight
        days, hazard = kd.secure_homes(days, calm, held, free, 0.05, 1 / 3, 7, 180.0, 0.005)
    assert hazard.max() == 0
    for _ in range(26):  # half a year
        days, hazard = kd.secure_homes(days, calm, held, free, 0.05, 1 / 3, 7, 180.0, 0.005)
    assert (hazard == 0.005).all()
    # one violent week resets the count; fighters near an insurgent-held home keep it insecure
    days2, hazard2 = kd.secure_homes(days, np.array([0.0, 0.2, 0.0]), np.array([0.5, 0.5, -0.5]),
                                     np.array([0.0, 0.0, 30.0]), 0.05, 1 / 3, 7, 180.0, 0.005)
    assert hazard2.tolist() == [0.005, 0.0, 0.0] and days2[1] == 0 and days2[2] == 0


def test_no_return_before_home_is_secure_and_return_is_partial():
    cols, cells, params = _civilian_inputs(6, n=800)
    cols["status"][:] = DISPLACED
    cells["flee_hazard"][:] = 0.0
    cells["return_hazard"][:] = 0.0
    _, moving = _update(kc.civilian_update, {k: v.copy() for k, v in cols.items()}, cells, params,
                        rng.stream_key(6, "civilians"))
    assert moving.sum() == 0
    cells["return_hazard"][:] = 0.01
    cells_recent = dict(cells, t_displaced=np.zeros(800, np.int32))
    cells_old = dict(cells, t_displaced=np.full(800, -3000, np.int32))
    _, back_recent = _update(kc.civilian_update, {k: v.copy() for k, v in cols.items()}, cells_recent, params,
                             rng.stream_key(6, "civilians"))
    _, back_old = _update(kc.civilian_update, {k: v.copy() for k, v in cols.items()}, cells_old, params,
                          rng.stream_key(6, "civilians"))
    assert back_recent.sum() > 5 * back_old.sum() > 0  # the wish to return fades with years away


def test_displaced_people_carry_hardship_and_can_be_recruited_where_they_are():
    cols, cells, params = _civilian_inputs(7, n=3000)
    cols["hardship"][:] = 0.15
    cols["harm"][:] = 0.0
    cells["harm_state"][:] = 0.0
    cells["push"][:] = 0.0
    cells["flee_hazard"][:] = 0.0
    cells["return_hazard"][:] = 0.0
    cells["extra_hardship"][:] = 0.0
    params[kc.P_JOIN] = 0.01
    joined = {}
    for status in (HOME, DISPLACED):
        c = {k: v.copy() for k, v in cols.items()}
        c["status"][:] = status
        joined[status], _ = _update(kc.civilian_update, c, cells, params, rng.stream_key(7, "civilians"))
    assert joined[DISPLACED].sum() > 1.2 * joined[HOME].sum()
    crowded = dict(cells, extra_hardship=np.full(30, 0.3))
    c = {k: v.copy() for k, v in cols.items()}
    c["status"][:] = HOME
    j_crowded, _ = _update(kc.civilian_update, c, crowded, params, rng.stream_key(7, "civilians"))
    assert j_crowded.sum() > 1.2 * joined[HOME].sum()


# --------------------------------------------------------------------------- 2. destinations
def _one_cell_choice(site_country, border=0.3, crowding=(0.0, 0.0), kin=0.0, camp=(False, False)):
    """A cell in country 0 at (0, 0) with two candidate sites at distance 2 and 3."""
    params = _params(Q_BORDER=border)
    n_cells = 10
    ptr = np.zeros(n_cells + 1, np.int64)
    ptr[1:] = 2
    kin_a = np.zeros((2, N_COMM))
    kin_a[0, 0] = kin  # in the first site's cell (5)
    refuge = np.zeros((n_cells, N_COMM), np.int32)
    kd.choose_destinations(ptr, np.array([0, 1]), np.array([2.0, 3.0]), np.array([5, 7]),
                           np.array(site_country, np.int64), np.array(camp), np.ones(2, np.bool_),
                           np.array(crowding), kin_a, np.r_[0.3, np.zeros(n_cells - 1)],
                           np.r_[-0.5, np.full(n_cells - 1, 0.5)], np.zeros(n_cells, np.int64),
                           np.ones((n_cells, N_COMM)), params, refuge)
    return refuge[0]


def test_a_refugee_crosses_a_border_only_where_the_destination_lies_across_one():
    # the nearer site lies across the border: people prefer their own country's site ...
    assert (_one_cell_choice([1, 0]) == 7).all()
    # ... unless the border costs nothing, or the only site in reach is across it
    assert (_one_cell_choice([1, 0], border=0.0) == 5).all()
    assert (_one_cell_choice([1, 1]) == 5).all()
    # and refugees are the displaced whose cell lies in another country than their home
    country = np.array([0, 0, 1, 1], np.int8)
    pop = SimpleNamespace(n=4, status=np.array([DISPLACED, DISPLACED, DISPLACED, HOME], np.int8),
                          people=np.array([10, 20, 40, 80], np.int32), cell=np.array([1, 2, 3, 3], np.int32),
                          home=np.array([0, 3, 0, 3], np.int32))
    model = SimpleNamespace(population=pop, world=SimpleNamespace(country_names=("A", "B")),
                            field=lambda name: country)
    displaced_in, refugees = flows.stocks(model)
    assert displaced_in.tolist() == [10, 60] and refugees.tolist() == [40, 0]  # only the one across a border


def test_destinations_weigh_crowding_kin_and_camps():
    assert (_one_cell_choice([0, 0]) == 5).all()                          # nearer, all else equal
    assert (_one_cell_choice([0, 0], crowding=(1.0, 0.0)) == 7).all()     # a crowded site is avoided
    choice = _one_cell_choice([0, 0], crowding=(0.5, 0.0), kin=1.0)       # kin outweigh some crowding
    assert choice[0] == 5 and (choice[1:] == 7).all()
    assert (_one_cell_choice([0, 0], camp=(False, True)) == 7).all()      # a camp's protection


def test_the_sahel_map_has_the_records_refugee_camps_and_crowding_counts_hosted_people():
    from sim.world import build_world

    cfg = sim.load_config([])
    world = build_world(cfg.map, rng.stream(0, "world"))
    sites = build_sites(world, 1.0, 6, 30)
    camps = dict(zip(sites.name[sites.is_camp], sites.country[sites.is_camp], strict=True))
    assert {"Mbera", "Goudoubo", "Mentao", "Abala"} <= set(camps)
    assert world.country_names[camps["Mbera"]] == "Northern neighbours"  # Mauritania
    assert (sites.cand_ptr[-1] == sites.cand_site.size) and sites.cand_site.size > world.width * world.height
    people = world.people.reshape(-1).copy()
    model = SimpleNamespace(sites=sites, site_resident0=people[sites.cell].copy(), field=lambda name: people)
    assert flows.site_crowding(model).max() == 0
    mbera = int(np.flatnonzero(sites.name == "Mbera")[0])
    people[sites.cell[mbera]] += 40_000
    assert flows.site_crowding(model)[mbera] == pytest.approx(0.5)


def test_people_flee_across_the_border_and_some_move_on_in_a_seeded_sahel_run():
    cfg = sim.load_config(["scenario=historical_2012_2025", "end_date=2013-06-30", "people_per_agent=20000",
                           "output.progress=false", "output.dashboard=false"])
    res = sim.run(cfg)
    ts = res.timeseries
    tot = ts[(ts.community == "all") & (ts.faction == "all")]
    refugees = tot[(tot.metric == "refugees") & (tot.country == "all")]["value"]
    assert refugees.iloc[-1] > 0
    flights = tot[tot.metric.str.startswith("flight_") & (tot.country == "all")].groupby("metric")["value"].sum()
    assert flights["flight_violence"] > 0 and flights.sum() > 0
    assert tot[tot.metric == "emigrants"]["value"].sum() > 0
    assert res.summary["people"]["balance"] == 0
