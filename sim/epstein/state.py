"""Per-agent state of the civil-violence model as typed numpy columns (structure of arrays).

The column table below is the single declaration of every per-agent array: name, dtype,
default, unit and meaning. Citizens and cops are two populations; agent ids are ``0..n_cit-1``
for citizens and ``n_cit..n_cit+n_cop-1`` for cops (the occupant grid and the activation order
use these ids). A citizen's ``state`` equals the code of its cell in the padded code grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.epstein import EpsteinConfig
from sim.core.columns import Column
from sim.core.rng import stream
from sim.epstein.grid import COP, EMPTY, QUIET, code_grid_from_occupants

__all__ = ["Column", "CITIZEN_COLUMNS", "COP_COLUMNS", "EpsteinState", "init_state", "bytes_per_agent"]


CITIZEN_COLUMNS = (
    Column("x", np.int16, 0, "cell", "column of the citizen's cell"),
    Column("y", np.int16, 0, "cell", "row of the citizen's cell"),
    Column("state", np.int8, int(QUIET), "code", "QUIET=2, ACTIVE=3, JAILED=4 (Mesa's ARRESTED)"),
    Column("dur_jail", np.int16, 0, "steps", "jail steps left; 0 = free at its next activation"),
    Column("hardship", np.float32, 0.0, "1", "H ~ U(0,1), perceived hardship (Epstein 2002)"),
    Column("risk_aversion", np.float32, 0.0, "1", "R ~ U(0,1), risk aversion (Epstein 2002)"),
)
COP_COLUMNS = (
    Column("x", np.int16, 0, "cell", "column of the cop's cell"),
    Column("y", np.int16, 0, "cell", "row of the cop's cell"),
)


@dataclass
class EpsteinState:
    """The model state: agent columns plus the two grids that index them.

    ``code`` is the padded flat cell-code grid (see :mod:`sim.epstein.grid`); ``occupant`` is the
    (height*width) flat grid of agent ids, -1 where empty; ``order`` is the activation order.
    """

    cit_x: np.ndarray
    cit_y: np.ndarray
    cit_state: np.ndarray
    cit_jail: np.ndarray
    hardship: np.ndarray
    risk_aversion: np.ndarray
    cop_x: np.ndarray
    cop_y: np.ndarray
    code: np.ndarray
    occupant: np.ndarray
    order: np.ndarray
    width: int
    height: int
    pad: int

    @property
    def n_citizens(self) -> int:
        return int(self.cit_x.shape[0])

    @property
    def n_cops(self) -> int:
        return int(self.cop_x.shape[0])

    @property
    def n_agents(self) -> int:
        return self.n_citizens + self.n_cops

    def copy(self) -> EpsteinState:
        kwargs = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}
        return EpsteinState(**kwargs)


def init_state(cfg: EpsteinConfig, seed: int) -> EpsteinState:
    """Populate the torus as Mesa does: each cell independently holds a citizen with probability
    ``citizen_density``, else a cop with probability ``cop_density``, else nothing; citizens draw
    H and R from U(0,1) and start quiet and free. Draws come from the stream ``epstein.init``.
    """
    rng = stream(seed, "epstein.init")
    n_cells = cfg.n_cells
    u = rng.random(n_cells)
    is_citizen = u < cfg.citizen_density
    is_cop = ~is_citizen & (u < cfg.citizen_density + cfg.cop_density)
    cit_cells = np.flatnonzero(is_citizen)
    cop_cells = np.flatnonzero(is_cop)
    n_cit = cit_cells.size
    hardship = rng.random(n_cit, dtype=np.float32)
    risk_aversion = rng.random(n_cit, dtype=np.float32)

    occupant = np.full(n_cells, -1, dtype=np.int32)
    occupant[cit_cells] = np.arange(n_cit, dtype=np.int32)
    occupant[cop_cells] = np.arange(n_cit, n_cit + cop_cells.size, dtype=np.int32)
    cell_code = np.full(n_cells, EMPTY, dtype=np.int8)
    cell_code[cit_cells] = QUIET
    cell_code[cop_cells] = COP
    pad = max(cfg.citizen_vision, cfg.cop_vision)
    return EpsteinState(
        cit_x=(cit_cells % cfg.width).astype(np.int16),
        cit_y=(cit_cells // cfg.width).astype(np.int16),
        cit_state=np.full(n_cit, QUIET, dtype=np.int8),
        cit_jail=np.zeros(n_cit, dtype=np.int16),
        hardship=hardship,
        risk_aversion=risk_aversion,
        cop_x=(cop_cells % cfg.width).astype(np.int16),
        cop_y=(cop_cells // cfg.width).astype(np.int16),
        code=code_grid_from_occupants(cell_code, cfg.width, cfg.height, pad),
        occupant=occupant,
        order=np.arange(n_cit + cop_cells.size, dtype=np.int32),
        width=cfg.width,
        height=cfg.height,
        pad=pad,
    )


def bytes_per_agent(state: EpsteinState) -> dict[str, float]:
    """Memory per agent: the agent columns alone, and everything (grids and scratch included)."""
    columns = sum(a.nbytes for a in (state.cit_x, state.cit_y, state.cit_state, state.cit_jail,
                                      state.hardship, state.risk_aversion, state.cop_x, state.cop_y))
    total = columns + state.code.nbytes + state.occupant.nbytes + state.order.nbytes
    n = max(state.n_agents, 1)
    return {"columns": columns / n, "total": total / n,
            "citizen_columns": float(sum(np.dtype(c.dtype).itemsize for c in CITIZEN_COLUMNS)),
            "cop_columns": float(sum(np.dtype(c.dtype).itemsize for c in COP_COLUMNS))}
