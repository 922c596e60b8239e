"""Phase 1, timeline: dated interventions and partner presence.

A scenario's ``timeline`` is a list of ``{date, key, value}``: on that date the config value at
``key`` is replaced. Configs stay frozen: ``model.cfg``, the config in force on the model's date,
becomes a changed copy, while ``model.config`` keeps the one the run started with. Partners are present
while ``active`` and ``arrival <= date < departure``. Unit properties that follow from the config
(quality, discrimination, doctrine, presence) are re-derived whenever the config changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sim.core.codes import MILITIA, PARTNER, STATE
from sim.core.params import parse_date


def with_value(obj, dotted: str, value):
    """A copy of a frozen dataclass tree with the value at ``dotted`` replaced."""
    head, _, rest = dotted.partition(".")
    if isinstance(obj, dict):
        new = dict(obj)
        new[head] = with_value(obj[head], rest, value) if rest else value
        return new
    current = getattr(obj, head)
    return dataclasses.replace(obj, **{head: with_value(current, rest, value) if rest else value})


def pending(timeline) -> list:
    """(date, intervention) in the order they apply: by date, same-day ones as written."""
    return sorted(((parse_date("timeline.date", iv.date), iv) for iv in timeline), key=lambda d: d[0])


_DATES: dict[int, tuple] = {}  # id of a profiles mapping -> (the mapping, its dates); configs are frozen


def presence_dates(profiles) -> list[tuple[dt.date, dt.date] | None]:
    """Per profile (a mapping of partner or platform profiles): ``(arrival, departure)`` if it is
    ``active``, else None; parsed once per mapping (the config in force changes rarely)."""
    seen = _DATES.get(id(profiles))
    if seen is None or seen[0] is not profiles:
        if len(_DATES) > 64:
            _DATES.clear()
        seen = _DATES[id(profiles)] = (profiles, [(parse_date("arrival", p.arrival), parse_date("departure", p.departure))
                                                  if p.active else None for p in profiles.values()])
    return seen[1]


def apply(model) -> None:
    """Apply every intervention dated on or before the model's date that has not been applied.

    At set-up this applies those dated on or before the start (the world as it stands on the
    start date); none is ever skipped, even one whose date falls between two model dates."""
    changed = model.steps == 0
    queue = model.timeline_pending
    while queue and queue[0][0] <= model.date:
        dated, iv = queue.pop(0)
        model.cfg = with_value(model.cfg, iv.key, iv.value)
        note = iv.note or f"{iv.key} = {iv.value}"
        if dated != model.date:
            note += f" (dated {dated.isoformat()}, applied {model.date.isoformat()})"
        model.events.strategic(model.date, "Change to group/activity", "State", note, cell=None)
        changed = True
    for p, dates in enumerate(presence_dates(model.cfg.partners.profiles)):
        present = dates is not None and dates[0] <= model.date < dates[1]
        if present != model.partner_present[p]:
            model.partner_present[p] = present
            if model.steps > 0:
                what = "arrives" if present else "leaves"
                model.events.strategic(model.date, "Change to group/activity", model.partner_names[p],
                                       f"{model.partner_names[p]} {what}", cell=None)
            changed = True
    if changed:
        derive_unit_properties(model)


def derive_unit_properties(model) -> None:
    """Set each unit's quality, discrimination, doctrine and presence from the current config."""
    cfg, u, n = model.cfg, model.units, model.units.n
    names = model.country_key
    profiles = list(cfg.partners.profiles.values())
    for i in range(n):
        if u.owner[i] == STATE:
            f = cfg.state.forces[names[u.country[i]]]
            u.quality[i], u.discrimination[i] = f.quality, f.discrimination
            u.gloves_off[i], u.active[i] = f.doctrine == "gloves_off", u.troops[i] > 0
        elif u.owner[i] == PARTNER:
            prof = profiles[u.partner[i]]
            u.quality[i], u.discrimination[i] = prof.quality, prof.discrimination
            u.gloves_off[i] = prof.collective_punishment
            u.active[i] = model.partner_present[u.partner[i]] and u.troops[i] > 0
        elif u.owner[i] == MILITIA:
            m = cfg.state.militia
            u.quality[i], u.discrimination[i] = m.quality, m.discrimination
            u.gloves_off[i], u.active[i] = False, m.active and u.troops[i] > 0
