"""Experiment 6: the historical timeline 2012-2025 beside the reference figures.

Runs ``historical_2012_2025`` (dated interventions: Serval/Barkhane, MINUSMA, VDP, Wagner, the
coups' doctrine changes, French and UN exits, the Alliance of Sahel States, US intelligence)
with 20 seeds and puts the model beside the reference figures in ``experiments/reference.csv``
(from sahel_facts.md s.4). Direction and rough size only: the model is not calibrated to these
series, and no parameter is tuned here.

Definitions (model side):

* **militant-linked deaths, all conflict deaths** (the headline definition): per calendar year,
  state/partner/militia personnel killed + insurgent fighters killed + civilians killed by
  anyone (metrics ``state_losses + insurgent_losses + civilian_deaths_by_*``; equal to the sum
  of the event log's fatalities);
* **militant-linked deaths, events involving a faction** (closer to the Africa Center's
  definition, which counts events with a militant Islamist group as an actor): fatalities of
  events whose actor1 or actor2 is an insurgent faction; this leaves out state, partner and
  militia violence against civilians in which no faction takes part;
* **Burkina Faso's share**: its share of the fatalities of events in Mali, Burkina Faso and
  Niger; **JNIM share**: fatalities of events involving the JNIM-like faction over those
  involving any faction;
* **displaced**: people away from home (metric ``displaced``), at the reference date;
* **territory outside state control** (Burkina Faso): the metric's mean over the reference year;
* **violence against civilians in Mali** (shares, change): counts of model events of type
  "Violence against civilians" located in Mali, by perpetrator (actor1);
* **Wagner**: the share of the Wagner-like partner's violent events (battles, remote violence,
  violence against civilians) that target civilians;
* **fighters**: each faction's fighters, mean over the reference year.

    python experiments/history.py
    python experiments/history.py --small
"""

from __future__ import annotations

from pathlib import Path

import common
import numpy as np
import pandas as pd
from common import plt

NAME = "history"
SCENARIO = "historical_2012_2025"
REFERENCE = Path(__file__).resolve().parent / "reference.csv"
DEATH_METRICS = ("state_losses", "insurgent_losses", *common.CIVILIAN_DEATHS)
VIOLENT = ("Battles", "Explosions/Remote violence", "Violence against civilians")
VAC = "Violence against civilians"
MARKS = [("2013-01-11", "Serval"), ("2021-12-01", "Wagner"), ("2022-10-01", "BF coup"),
         ("2022-11-09", "Barkhane ends"), ("2023-12-31", "UN exit")]


# --------------------------------------------------------------------------- model indicators
def country_labels(ts: pd.DataFrame) -> dict[str, str]:
    """Map labels: Mali and Burkina Faso (on a synthetic map, its first and second country)."""
    labels = sorted(set(ts["country"]) - {"all"})
    if "Burkina Faso" in labels:
        return {"mali": "Mali", "burkina_faso": "Burkina Faso"}
    return {"mali": labels[0], "burkina_faso": labels[min(1, len(labels) - 1)]}


def _days_per_year(start: str, end: str) -> pd.Series:
    days = pd.date_range(start, pd.Timestamp(end) - pd.Timedelta(days=1), freq="D")
    return pd.Series(1, index=days).groupby(days.year).sum()


def yearly_deaths(exp: common.Experiment, sweep: Path, events: pd.DataFrame,
                  factions: list[str]) -> pd.DataFrame:
    """Per seed and year: all conflict deaths (metrics) and deaths in events with a faction."""
    ts = exp.load(sweep, DEATH_METRICS)
    ts["year"] = ts["date"].dt.year
    all_deaths = ts.groupby(["seed", "year"])["value"].sum().rename("deaths_all")
    ev = events[events["event_type"].isin(VIOLENT)]
    involved = _involves(ev, factions)
    militant = ev[involved].groupby(["seed", "year"])["fatalities"].sum().rename("deaths_militant")
    out = pd.concat([all_deaths, militant], axis=1).fillna(0.0).reset_index()
    return out


def _involves(ev: pd.DataFrame, names: list[str]) -> pd.Series:
    a1 = ev["actor1"].fillna("")
    a2 = ev["actor2"].fillna("")
    hit = pd.Series(False, index=ev.index)
    for n in names:
        hit |= a1.str.startswith(n) | a2.str.startswith(n)
    return hit


def indicators(exp: common.Experiment, sweep: Path) -> tuple[pd.DataFrame, dict]:
    """Long table: indicator, region, period, seed, value, days_covered."""
    labels = country_labels(_all_countries(sweep))
    factions = _factions(sweep)
    events = common.load_events(sweep, columns=["seed", "event_date", "year", "event_type",
                                                "actor1", "actor2", "country", "fatalities"])
    events["event_date"] = pd.to_datetime(events["event_date"])
    days = _days_per_year(exp.start, exp.end)
    rows: list[dict] = []

    def add(indicator, region, period, values: pd.Series, covered):
        for seed, v in values.items():
            rows.append({"indicator": indicator, "region": region, "period": period,
                         "seed": int(seed), "value": float(v), "days_covered": int(covered)})

    # deaths per year, both definitions
    yd = yearly_deaths(exp, sweep, events, factions)
    for year, g in yd.groupby("year"):
        add("militant_linked_deaths", "central_sahel", str(year),
            g.set_index("seed")["deaths_all"], days.get(year, 0))
        add("militant_linked_deaths_events_with_faction", "central_sahel", str(year),
            g.set_index("seed")["deaths_militant"], days.get(year, 0))
    span = [y for y in range(2016, 2020) if y in days.index]
    if span:
        m = yd[yd["year"].isin(span)].groupby("seed")[["deaths_all", "deaths_militant"]].mean()
        add("militant_linked_deaths", "central_sahel", "2016-2019", m["deaths_all"],
            days.loc[span].sum())
        add("militant_linked_deaths_events_with_faction", "central_sahel", "2016-2019",
            m["deaths_militant"], days.loc[span].sum())

    # shares of deaths (events in the core countries)
    core = events[events["event_type"].isin(VIOLENT)
                  & events["country"].isin(_core_countries(sweep))]
    tot = core.groupby(["seed", "year"])["fatalities"].sum()
    bf = core[core["country"] == labels["burkina_faso"]].groupby(["seed", "year"])["fatalities"].sum()
    share_bf = (bf.reindex(tot.index, fill_value=0) / tot.replace(0, np.nan)).dropna()
    for year, s in share_bf.groupby(level="year"):
        add("burkina_faso_share_of_deaths", "central_sahel", str(year), s.droplevel("year"),
            days.get(year, 0))
    fac_ev = core[_involves(core, factions)]
    fac_tot = fac_ev.groupby(["seed", "year"])["fatalities"].sum()
    jnim = fac_ev[_involves(fac_ev, ["jnim"])].groupby(["seed", "year"])["fatalities"].sum()
    share_j = (jnim.reindex(fac_tot.index, fill_value=0) / fac_tot.replace(0, np.nan)).dropna()
    for year, s in share_j.groupby(level="year"):
        add("jnim_share_of_militant_deaths", "central_sahel", str(year), s.droplevel("year"),
            days.get(year, 0))

    # displaced at dates; territory per year; fighters per year
    ref = pd.read_csv(REFERENCE, dtype={"period": str})
    for region, label in (("burkina_faso", labels["burkina_faso"]), ("central_sahel", "all")):
        disp = exp.load(sweep, ["displaced"], country=label)
        w = disp.pivot_table(index="date", columns="seed", values="value")
        for period in ref[(ref.indicator == "displaced") & (ref.region == region)]["period"]:
            day = pd.Timestamp(period)
            if w.index[0] <= day <= w.index[-1]:
                add("displaced", region, period, w.loc[w.index <= day].iloc[-1], 1)
    terr = exp.load(sweep, ["territory_share_outside_state_control"],
                    country=labels["burkina_faso"])
    terr["year"] = terr["date"].dt.year
    for year, g in terr.groupby("year"):
        add("territory_outside_state_control", "burkina_faso", str(year),
            g.groupby("seed")["value"].mean(), days.get(year, 0))
    for fac in factions:
        fi = exp.load(sweep, ["insurgent_fighters"], faction=fac)
        fi["year"] = fi["date"].dt.year
        for year, g in fi.groupby("year"):
            add(f"fighters_{fac}", "central_sahel", str(year), g.groupby("seed")["value"].mean(),
                days.get(year, 0))

    # violence against civilians in Mali (event counts)
    seeds = sorted(events["seed"].unique())
    mali_vac = events[(events["event_type"] == VAC) & (events["country"] == labels["mali"])]
    if 2023 in days.index:
        v23 = mali_vac[mali_vac["year"] == 2023]
        n = v23.groupby("seed").size().reindex(seeds, fill_value=0)
        groups = {"jnim": v23["actor1"].str.startswith("jnim"),
                  "is_sahel": v23["actor1"].str.startswith("is_sahel"),
                  "state_and_wagner": v23["actor1"].str.startswith("Military Forces")
                  | v23["actor1"].str.startswith("wagner")}
        for key, mask in groups.items():
            k = v23[mask].groupby("seed").size().reindex(seeds, fill_value=0)
            add(f"vac_perpetrator_share_{key}", "mali", "2023",
                (k / n.replace(0, np.nan)).dropna(), days[2023])
    jan_aug = mali_vac[mali_vac["event_date"].dt.month <= 8]
    if {2022, 2023} <= set(days.index):
        c22 = jan_aug[jan_aug["year"] == 2022].groupby("seed").size().reindex(seeds, fill_value=0)
        c23 = jan_aug[jan_aug["year"] == 2023].groupby("seed").size().reindex(seeds, fill_value=0)
        add("vac_change_jan_aug_2023_vs_2022", "mali", "2023",
            (c23 / c22.replace(0, np.nan) - 1).dropna(), 243)
    window = ("2021-12-01", "2022-07-31")
    wag = events[events["event_type"].isin(VIOLENT)
                 & (events["event_date"] >= window[0]) & (events["event_date"] <= window[1])
                 & _involves(events, ["wagner"])]
    if len(wag):
        tot_w = wag.groupby("seed").size()
        vac_w = wag[wag["event_type"] == VAC].groupby("seed").size().reindex(tot_w.index,
                                                                             fill_value=0)
        covered = (min(pd.Timestamp(window[1]), pd.Timestamp(exp.end))
                   - max(pd.Timestamp(window[0]), pd.Timestamp(exp.start))).days
        add("wagner_share_of_activity_targeting_civilians", "mali", "/".join(window),
            vac_w / tot_w, max(covered, 0))
        add("wagner_violent_events", "mali", "/".join(window),
            tot_w.reindex(seeds, fill_value=0), max(covered, 0))
        arrests = events[(events["event_date"] >= window[0]) & (events["event_date"] <= window[1])
                         & events["actor1"].fillna("").str.startswith("wagner")
                         & (events["event_type"] == "Strategic developments")]
        add("wagner_detention_events", "mali", "/".join(window),
            arrests.groupby("seed").size().reindex(seeds, fill_value=0), max(covered, 0))
    out = pd.DataFrame(rows)
    # years the window does not cover (the record of the end date itself) are not data
    return out[out["days_covered"] > 0].reset_index(drop=True), labels


def _all_countries(sweep: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    t = pq.read_table(sweep / "timeseries_all.parquet", columns=["country"],
                      filters=[("metric", "==", "displaced")])
    return pd.DataFrame({"country": sorted(set(t.column("country").to_pylist()))})


def _core_countries(sweep: Path) -> list[str]:
    return [c for c in _all_countries(sweep)["country"] if c != "all"]


def _factions(sweep: Path) -> list[str]:
    import pyarrow.parquet as pq

    t = pq.read_table(sweep / "timeseries_all.parquet", columns=["faction"],
                      filters=[("metric", "==", "insurgent_fighters")])
    return sorted(set(t.column("faction").to_pylist()) - {"all"})


# --------------------------------------------------------------------------- comparison
# model indicators compared with a reference indicator of another name
ALIASES = {"militant_linked_deaths_events_with_faction": "militant_linked_deaths"}


def compare(model: pd.DataFrame) -> pd.DataFrame:
    """Reference rows beside the model's distribution over seeds (mean with a t CI, quantiles)."""
    ref = pd.read_csv(REFERENCE, dtype={"period": str})
    rows = []
    pairs = [(r, r.indicator) for _, r in ref.iterrows()]
    pairs += [(r, alias) for alias, target in ALIASES.items()
              for _, r in ref[ref.indicator == target].iterrows()]
    for r, indicator in pairs:
        m = model[(model.indicator == indicator) & (model.region == r.region)
                  & (model.period == r.period)]
        if m.empty:
            continue
        v = m["value"].to_numpy(float)
        mean, lo, hi, _ = common.paired_ci(v)
        med = float(np.median(v))
        rows.append({
            "indicator": indicator, "region": r.region, "period": r.period,
            "reference": r.value, "reference_low": r.low, "reference_high": r.high,
            "unit": r.unit, "n_seeds": len(v), "days_covered": int(m["days_covered"].iloc[0]),
            "model_mean": mean, "ci95_low": lo, "ci95_high": hi,
            "model_p10": float(np.quantile(v, 0.1)), "model_median": med,
            "model_p90": float(np.quantile(v, 0.9)),
            "median_over_reference": med / r.value if r.value else float("nan"),
            "source": r.source,
        })
    return pd.DataFrame(rows)


def comparison_markdown(cmp: pd.DataFrame, exp: common.Experiment, model: pd.DataFrame) -> str:
    view = pd.DataFrame({
        "indicator": cmp["indicator"], "region": cmp["region"], "period": cmp["period"],
        "days simulated": cmp["days_covered"],
        "reference": cmp["reference"].map(common.fmt),
        "model median [10-90 %]": common.fmt_intervals(cmp.model_median, cmp.model_p10,
                                                       cmp.model_p90),
        "model mean [95 % CI]": common.fmt_intervals(cmp.model_mean, cmp.ci95_low, cmp.ci95_high),
        "model / reference": cmp["median_over_reference"].map(
            lambda v: "n/a" if not np.isfinite(v) else f"{v:.2g}"),
        "source": cmp["source"],
    })
    note = (f"{SCENARIO}, {len(exp.seeds)} seeds, {exp.start} to {exp.end}. Model / reference: "
            "ratio of the model median to the reference value. Definitions: experiments/history.py.")
    extra = model_only_note(model)
    if extra:
        note += " " + extra
    return common.markdown_table(view, title="Model beside the reference figures", note=note)


def model_only_note(model: pd.DataFrame) -> str:
    """Counts behind the Wagner share (how many events it rests on)."""
    parts = []
    for ind, what in (("wagner_violent_events", "violent events"),
                      ("wagner_detention_events", "mass-detention events (ACLED: strategic "
                                                  "developments, not counted as violent)")):
        v = model[model.indicator == ind]["value"]
        if len(v):
            parts.append(f"{common.fmt(float(v.mean()))} {what}")
    if not parts:
        return ""
    return ("The Wagner-like partner's share rests on a mean per run of " + " and ".join(parts)
            + " in the window.")


# --------------------------------------------------------------------------- figure
def _band(ax, w: pd.DataFrame, color: str, label: str, step: bool = False) -> None:
    q = w.quantile([0.1, 0.5, 0.9], axis=1).T
    if step:
        ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.2, lw=0, step="mid")
        ax.step(q.index, q[0.5], where="mid", color=color, lw=1.6, label=label)
    else:
        ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.2, lw=0)
        ax.plot(q.index, q[0.5], color=color, lw=1.6, label=label)


def _refs(ax, ref: pd.DataFrame, indicator: str, region: str, yearly: bool, scale=1.0,
          label="reference", color="k") -> None:
    sub = ref[(ref.indicator == indicator) & (ref.region == region)]
    first = True
    for _, r in sub.iterrows():
        if "-" in r.period and yearly and len(r.period) == 9:  # "2016-2019": a span
            a, b = (int(x) for x in r.period.split("-"))
            ax.hlines(r.value * scale, a - 0.4, b + 0.4, color=color, lw=2,
                      label=label if first else None)
        else:
            x = int(r.period) if yearly else pd.Timestamp(r.period[:10] if len(r.period) > 4
                                                          else f"{r.period}-07-01")
            lo = r.low if np.isfinite(r.low) else r.value
            hi = r.high if np.isfinite(r.high) else r.value
            ax.errorbar([x], [r.value * scale], yerr=[[(r.value - lo) * scale],
                                                      [(hi - r.value) * scale]],
                        fmt="D", color=color, ms=5, capsize=3, label=label if first else None)
        first = False


def figure(exp, sweep, model, labels, path) -> None:
    ref = pd.read_csv(REFERENCE, dtype={"period": str})
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    yearly = model[model["period"].str.fullmatch(r"\d{4}")].assign(
        year=lambda d: d["period"].astype(int))

    def by_year(ind):
        return yearly[yearly.indicator == ind].pivot_table(index="year", columns="seed",
                                                           values="value")

    ax = axes[0, 0]
    _band(ax, by_year("militant_linked_deaths"), common.COLORS[1], "model: all conflict deaths",
          step=True)
    _band(ax, by_year("militant_linked_deaths_events_with_faction"), common.COLORS[2],
          "model: events with a faction", step=True)
    _refs(ax, ref, "militant_linked_deaths", "central_sahel", yearly=True,
          label="Africa Center (ACLED)")
    ax.set_title("militant-linked deaths per year", fontsize=10)
    ax.legend(fontsize=7)

    ax = axes[0, 1]
    _band(ax, by_year("burkina_faso_share_of_deaths"), common.COLORS[1], "model", step=True)
    _refs(ax, ref, "burkina_faso_share_of_deaths", "central_sahel", yearly=True,
          label="Africa Center (ACLED)")
    ax.set_ylim(0, 1)
    ax.set_title("Burkina Faso's share of deaths", fontsize=10)
    ax.legend(fontsize=7)

    ax = axes[0, 2]
    for i, fac in enumerate(_factions(sweep)):
        _band(ax, by_year(f"fighters_{fac}"), common.COLORS[i + 1], f"model: {fac}", step=True)
        _refs(ax, ref, f"fighters_{fac}", "central_sahel", yearly=True,
              label=f"Africa Center 2025: {fac}", color=common.COLORS[i + 1])
    ax.set_title("fighters by faction (yearly mean)", fontsize=10)
    ax.legend(fontsize=7)

    for ax, region, title in ((axes[1, 0], "burkina_faso", "displaced people, Burkina Faso (M)"),
                              (axes[1, 1], "central_sahel", "displaced people, central Sahel (M)")):
        label = labels["burkina_faso"] if region == "burkina_faso" else "all"
        d = exp.load(sweep, ["displaced"], country=label)
        _band(ax, d.pivot_table(index="date", columns="seed", values="value") * 1e-6,
              common.COLORS[1], "model")
        _refs(ax, ref, "displaced", region, yearly=False, scale=1e-6)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)

    ax = axes[1, 2]
    t = exp.load(sweep, ["territory_share_outside_state_control"], country=labels["burkina_faso"])
    _band(ax, t.pivot_table(index="date", columns="seed", values="value"), common.COLORS[1],
          "model")
    _refs(ax, ref, "territory_outside_state_control", "burkina_faso", yearly=False)
    ax.set_ylim(0, 1)
    ax.set_title("territory outside state control, Burkina Faso", fontsize=10)
    ax.legend(fontsize=7)

    for ax in axes[1]:
        for day, text in MARKS:
            if exp.start <= day < exp.end:
                ax.axvline(pd.Timestamp(day), color="#888888", ls=":", lw=0.8)
                ax.text(pd.Timestamp(day), ax.get_ylim()[1], text, rotation=90, va="top",
                        ha="right", fontsize=6, color="#555555")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"{SCENARIO}: model (median, 10-90 % over {len(exp.seeds)} seeds) beside "
                 "reference figures", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = common.parser(NAME, __doc__, years=14, start="2012-01-01")
    args = p.parse_args(argv)
    exp = common.Experiment(NAME, args, small_start="2022-01-01")
    sweep = exp.sweep("main", {"scenario": [SCENARIO]})
    model, labels = indicators(exp, sweep)
    exp.write_csv(model, "model_indicators.csv")
    cmp = compare(model)
    exp.write_csv(cmp, "comparison.csv")
    exp.path("comparison.md").write_text(comparison_markdown(cmp, exp, model))
    yearly = (model[model["period"].str.fullmatch(r"\d{4}")]
              .groupby(["indicator", "period"])["value"]
              .agg(median="median", p10=lambda v: v.quantile(0.1), p90=lambda v: v.quantile(0.9))
              .reset_index())
    exp.write_table(yearly, "yearly", title="Model indicators per year (over seeds)")
    figure(exp, sweep, model, labels, exp.path("figure.png"))
    exp.finish(scenario=SCENARIO, country_labels=labels,
               definitions="see the docstring of experiments/history.py")


if __name__ == "__main__":
    main()
