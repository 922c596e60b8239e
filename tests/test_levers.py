"""The levers of issue 11, rule by rule: platforms detect and strike, leaders are found by
pattern of life and replaced after a delay, fear deters only when its sensitivity is above
zero, unpaid fighters go home as civilians (people identity kept)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.config.levers import PlatformConfig
from sim.rules.levers import desertion, deterrence_lyall_2009, pattern_of_life
from sim.rules.search import koopman_1946_hazard, koopman_1946_p
from sim.sahel import leaders, upkeep
from sim.sahel.model import SahelModel
from sim.sahel.phases import civilians, perceive
from tests.conftest import SMALL
from tests.invariants import check_step

EYE = PlatformConfig(kind="drone", operator="", actor="Test drones", countries=["mali", "burkina_faso"],
                     radius_km=3000.0, hours_aloft=24.0, search_km2_per_hour=20000.0, sorties_per_day=0.0,
                     discrimination=0.8)


def _cfg(platforms: dict | None = None, troops: bool = True, **levers):
    cfg = sim.load_config(SMALL)
    lv = cfg.levers
    if platforms is not None:
        lv = dataclasses.replace(lv, platforms=platforms)
    for group, changes in levers.items():
        lv = dataclasses.replace(lv, **{group: dataclasses.replace(getattr(lv, group), **changes)})
    cfg = dataclasses.replace(cfg, levers=lv)
    if not troops:  # no state or partner on the ground: nothing detects bands but the platforms
        forces = {k: dataclasses.replace(f, troops=0, strikes_per_day=0.0) for k, f in cfg.state.forces.items()}
        profiles = {k: dataclasses.replace(p, active=False) for k, p in cfg.partners.profiles.items()}
        cfg = dataclasses.replace(cfg, state=dataclasses.replace(cfg.state, forces=forces),
                                  partners=dataclasses.replace(cfg.partners, profiles=profiles))
    return cfg


# ---- the rules


def test_koopman_random_search_hazard_is_effort_over_area():
    assert koopman_1946_hazard(1000.0, 24.0, 240_000.0) == pytest.approx(0.1)
    assert koopman_1946_hazard(1000.0, 24.0, 0.0) == 0.0
    assert koopman_1946_p(0.1) == pytest.approx(1 - np.exp(-0.1))


def test_pattern_of_life_accumulates_with_dwell_and_decays_only_when_surveillance_lapses():
    ev, th = np.zeros(2), np.array([1.0, 1.0])
    for _ in range(7):
        located = pattern_of_life(ev, np.array([0.125, 0.0]), 30.0, th)
    assert ev[0] == pytest.approx(0.875) and not located[0]  # no decay while watched
    assert pattern_of_life(ev, np.array([0.125, 0.0]), 30.0, th)[0]  # located on the eighth day, not by a coin flip
    before = ev[0]
    pattern_of_life(ev, np.array([0.0, 0.0]), 30.0, th)
    assert ev[0] == pytest.approx(before * np.exp(-1 / 30))


def test_deterrence_at_zero_sensitivity_adds_no_risk_and_deters_nothing():
    risk, factor = deterrence_lyall_2009(np.array([0.0, 0.5, 1.0, 3.0]), 0.0, 0.0)
    assert (risk == 0).all() and (factor == 1).all()
    risk, factor = deterrence_lyall_2009(np.array([0.0, 1.0, 3.0]), 0.2, 0.24)
    assert list(risk) == pytest.approx([0, 0.2, 0.2]) and list(factor) == pytest.approx([1, 0.76, 0.76])


def test_unpaid_fighters_desert_more_than_paid_ones():
    paid = desertion(100.0, 0.0, 0.3, 0.05, 30.0)
    unpaid = desertion(100.0, 100.0, 0.3, 0.05, 30.0)
    assert 0 < paid < 0.01 and unpaid == pytest.approx(1 - 0.95 ** (30 / 365) * 0.7)
    assert desertion(0.0, 5.0, 0.3, 0.05, 30.0) == 0.0


# ---- platforms: detection and strikes


def test_a_band_inside_coverage_and_far_from_troops_is_detected():
    model = SahelModel(_cfg({"eye": EYE}, troops=False))
    assert model.field("troops").sum() == 0
    perceive.perceive(model)
    alive = model.bands.fighters[: model.bands.n] > 0
    assert model.isr.ground_hazard.max() == 0  # no ground detection at all
    assert model.detected[alive].all()


def test_without_a_platform_and_without_troops_no_band_is_detected():
    model = SahelModel(_cfg({}, troops=False))
    perceive.perceive(model)
    assert not model.detected.any()


def _strike_events(cfg, days: int = 40):
    model = SahelModel(cfg)
    for _ in range(days):
        model.step()
    ev = model.events.to_frame()
    return model, ev[ev.sub_event_type == "Air/drone strike"]


def test_no_platform_means_no_strikes():
    model, strikes = _strike_events(_cfg({}, troops=False))
    assert len(strikes) == 0 and model.isr.strikes.sum() == 0


def test_a_platform_with_sorties_strikes_and_its_strikes_are_attributed_to_it():
    striker = dataclasses.replace(EYE, sorties_per_day=2.0, discrimination=0.0)
    model, strikes = _strike_events(_cfg({"eye": striker}, troops=False))
    assert len(strikes) > 20
    assert set(strikes.actor1) == {"Test drones"}
    assert (strikes.fatalities >= strikes.civilian_fatalities).all()


def test_a_platform_is_present_only_within_its_dates():
    later = dataclasses.replace(EYE, sorties_per_day=2.0, arrival="2016-01-01")
    model, strikes = _strike_events(_cfg({"eye": later}, troops=False))
    assert len(strikes) == 0 and not model.isr.present.any() and model.isr.effort.sum() == 0


# ---- leaders


def test_a_killed_senior_leader_is_replaced_after_the_delay_and_disrupts_his_region():
    model = SahelModel(_cfg({}, leaders={"dur_senior_replacement": 12, "dur_senior_disruption": 30}))
    s, b = model.leaders, model.bands
    assert (s.host >= 0).all()  # posts filled at set-up
    band = int(s.host[0])
    s.located[0] = True
    assert leaders.kill_located_senior(model, band, 1.0, np.random.default_rng(0))
    assert s.host[0] == -1 and s.senior_killed.sum() == 1 and model.interval.leaders_killed.sum() == 1
    assert b.t_senior_disrupted[band] == model.steps + 30
    model.step()
    assert model.leaders.rel_operate[band] < 1.0  # his region operates less
    for _ in range(10):
        model.step()
    assert s.host[0] == -1  # still vacant before the delay
    leaders_before = b.leaders[: b.n].sum()
    model.step()
    model.step()
    assert s.host[0] >= 0  # an experienced band leader was promoted
    assert b.leaders[: b.n].sum() <= leaders_before  # ... and his band lost him


def test_a_senior_leader_is_not_killed_unless_located():
    model = SahelModel(_cfg({}))
    s = model.leaders
    s.located[:] = False
    assert not leaders.kill_located_senior(model, int(s.host[0]), 1.0, np.random.default_rng(0))
    assert s.senior_killed.sum() == 0


def test_leaders_under_persistent_coverage_are_located_in_time_and_not_without():
    watched = SahelModel(_cfg({"eye": dataclasses.replace(EYE, search_km2_per_hour=2000.0)}, troops=False))
    unwatched = SahelModel(_cfg({}, troops=False))
    for _ in range(150):
        watched.step()
        unwatched.step()
    assert watched.leader_detected.any() and watched.leaders.located.any()
    assert not unwatched.leader_detected.any() and not unwatched.leaders.located.any()


# ---- deterrence


def _recruits_after_update(rel_fear_risk: float, fear: float) -> float:
    cfg = _cfg({}, deterrence={"rel_fear_risk": rel_fear_risk})
    cfg = dataclasses.replace(cfg, population=dataclasses.replace(cfg.population, p_join=1e-3))
    model = SahelModel(cfg)
    model.fear.level[:] = fear
    model.interval.recruits[:] = 0
    civilians.update(model)
    return float(model.interval.recruits.sum())


def test_with_deterrence_sensitivity_zero_state_violence_cannot_lower_joining():
    assert _recruits_after_update(0.0, 1.0) == _recruits_after_update(0.0, 0.0)


def test_with_deterrence_sensitivity_above_zero_fear_lowers_joining():
    calm = _recruits_after_update(0.3, 0.0)
    assert calm > 0 and _recruits_after_update(0.3, 1.0) < calm


def test_state_killing_raises_fear_where_it_happens():
    from sim.sahel.engagement import band_loss

    model = SahelModel(_cfg({}))
    band = int(np.flatnonzero(model.bands.fighters[: model.bands.n] > 0)[0])
    cell = int(model.bands.cell[band])
    band_loss(model, band, 3.0)
    assert model.fear.level[cell] == pytest.approx(min(1.0, 3 * model.cfg.levers.deterrence.fear_per_kill))


# ---- limits on armed groups


def test_a_faction_without_income_loses_fighters_to_the_civilians_and_nobody_is_lost():
    model = SahelModel(_cfg({}, upkeep={"tax_usd_per_person_year": 0.0, "mine_usd_per_year": 0.0,
                                        "smuggling_usd_per_year": [0.0, 0.0]}))
    b, pop = model.bands, model.population
    fighters0, people0 = b.fighters[: b.n].sum(), pop.total + b.fighters[: b.n].sum()
    upkeep.pay_and_desert(model, 30.0)
    assert b.fighters[: b.n].sum() < 0.85 * fighters0  # about 30% of the unpaid go home in a month
    assert pop.total + b.fighters[: b.n].sum() == people0
    assert model.upkeep.deserters.sum() == fighters0 - b.fighters[: b.n].sum()


def test_a_rich_faction_keeps_its_fighters_but_for_demobilisation():
    model = SahelModel(_cfg({}, upkeep={"smuggling_usd_per_year": [1e9, 1e9]}))
    b = model.bands
    fighters0 = b.fighters[: b.n].sum()
    upkeep.pay_and_desert(model, 30.0)
    assert 0.99 * fighters0 < b.fighters[: b.n].sum() <= fighters0
    assert (model.upkeep.capacity > 1e5).all()


def test_the_people_identity_holds_with_every_lever_at_work():
    striker = dataclasses.replace(EYE, sorties_per_day=1.0, search_km2_per_hour=3000.0)
    cfg = _cfg({"eye": striker}, upkeep={"smuggling_usd_per_year": [0.0, 0.0], "tax_usd_per_person_year": 1.0})
    model = SahelModel(cfg)
    for _ in range(120):
        model.step()
        check_step(model)
    rec = model.recorder
    for metric in ("deserters", "air_drone_strikes"):
        assert np.nansum(rec.values[: rec.n, rec.index[(metric, "all")]]) > 0, metric


# ---- decapitation beyond operations: a disrupted band recruits less and holds its fighters less


def _disrupt_all(model) -> None:
    model.bands.t_disrupted[: model.bands.n] = model.steps + 1000


def _recruits_disrupted(rel: float, disrupt: bool) -> float:
    cfg = _cfg(leaders={"rel_recruit_disrupted": rel})
    model = SahelModel(dataclasses.replace(cfg, population=dataclasses.replace(cfg.population, p_join=1e-3)))
    if disrupt:
        _disrupt_all(model)
    model.interval.recruits[:] = 0
    civilians.update(model)
    return float(model.interval.recruits.sum())


def test_a_disrupted_band_recruits_at_rel_recruit_disrupted():
    normal = _recruits_disrupted(0.5, disrupt=False)
    assert normal > 0
    assert _recruits_disrupted(1.0, disrupt=True) == normal  # factor 1: decapitation leaves recruitment alone
    assert _recruits_disrupted(0.0, disrupt=True) == 0.0
    assert 0 < _recruits_disrupted(0.5, disrupt=True) < normal


def test_only_a_bands_own_leader_loss_touches_its_recruitment_and_it_ends_on_time():
    model = SahelModel(_cfg(leaders={"rel_recruit_disrupted": 0.25, "rel_desert_disrupted": 2.0}))
    b = model.bands
    b.t_senior_disrupted[1] = model.steps + 5  # a senior leader's region: operations only
    assert not leaders.leaderless(model)[1] and leaders.recruit_factor(model)[1] == 1.0
    b.t_disrupted[0] = model.steps + 5
    assert leaders.leaderless(model)[0] and not leaders.leaderless(model)[1:].any()
    assert leaders.recruit_factor(model)[0] == 0.25 and leaders.desert_factor(model)[0] == 2.0
    model.steps += 5
    assert not leaders.leaderless(model)[0] and leaders.desert_factor(model)[0] == 1.0


def _deserters(rel: float) -> float:
    model = SahelModel(_cfg(leaders={"rel_desert_disrupted": rel},
                            upkeep={"smuggling_usd_per_year": [1e9, 1e9]}))  # paid: demobilisation only
    _disrupt_all(model)
    b, people0 = model.bands, model.population.total + model.bands.fighters[: model.bands.n].sum()
    upkeep.pay_and_desert(model, 365.0)
    assert model.population.total + b.fighters[: b.n].sum() == people0  # they go home as civilians
    return float(model.upkeep.deserters.sum())


def test_a_disrupted_band_loses_more_fighters_to_desertion():
    assert _deserters(3.0) > 2 * _deserters(1.0) > 0


# ---- sweeps: gloves-off coercion that reaches the suspected villages


def _gloves_cfg(sweep_radius: int):
    cfg = _cfg({})
    forces = {k: dataclasses.replace(f, doctrine="gloves_off") for k, f in cfg.state.forces.items()}
    return dataclasses.replace(cfg, state=dataclasses.replace(cfg.state, forces=forces, p_detain=1.0,
                                                              sweep_radius=sweep_radius))


def test_without_a_sweep_radius_a_detention_falls_where_the_unit_sits_and_draws_nothing():
    from sim.sahel.deterrence import swept_cell

    model = SahelModel(_gloves_cfg(0))
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert swept_cell(model, 123, rng) == 123
    assert rng.bit_generator.state == state


def test_a_sweep_falls_on_a_populated_cell_within_reach_weighted_by_insurgent_control():
    from sim.sahel.deterrence import swept_cell

    model = SahelModel(_gloves_cfg(2))
    h = model.world.height
    people, control = model.field("people"), model.field("control")
    centre = 10 * h + 10
    box = [(10 + dx) * h + 10 + dy for dx in range(-2, 3) for dy in range(-2, 3)]
    people[:] = 0.0
    control[:] = 1.0  # state-held everywhere: weight 0
    people[box] = 100.0
    insurgent, leaning = (12 * h + 11), (8 * h + 9)
    control[insurgent], control[leaning] = -1.0, 0.5  # weights 2 and 0.5
    people[13 * h + 10], control[13 * h + 10] = 100.0, -1.0  # out of reach
    rng = np.random.default_rng(3)
    hits = [swept_cell(model, centre, rng) for _ in range(2000)]
    assert set(hits) == {insurgent, leaning}
    assert 0.75 < hits.count(insurgent) / len(hits) < 0.85  # 2 / 2.5
    control[:] = 1.0
    assert swept_cell(model, centre, rng) == centre  # nobody suspected within reach: where it sits


def _detention_fear_cells(sweep_radius: int) -> tuple[set[int], set[int]]:
    from sim.sahel.phases import fight

    model = SahelModel(_gloves_cfg(sweep_radius))
    u = model.units
    model.detected[:] = False  # no battle: the only fear added is the detentions'
    u.gloves_off[: u.n] = u.active[: u.n]
    fight.columns(model)
    return set(np.flatnonzero(model.fear.level > 0).tolist()), set(u.cell[: u.n][u.active[: u.n]].tolist())


def test_gloves_off_detentions_reach_villages_off_the_stops_only_with_a_sweep_radius():
    feared, stops = _detention_fear_cells(0)
    assert feared and feared <= stops
    feared, stops = _detention_fear_cells(3)
    assert feared - stops
