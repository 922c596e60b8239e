"""Torus geometry for the civil-violence kernels: padded cell-code grid and vision diamonds.

The cell-code grid is stored *padded*: a halo of ``pad`` cells on every side holds copies of
the cells across the torus seam, so a vision scan reads contiguous row segments with no modulo.
Every write goes through :func:`set_code`, which also writes the (at most three) halo copies.

A von Neumann neighbourhood of radius r (Mesa's ``cell.get_neighborhood(radius=r)``: the cells
within r grid steps, breadth-first on the torus, *excluding* the cell itself) is the diamond
|dx| + |dy| <= r minus its centre: 2r(r+1) cells, 112 for r = 7. The offsets are listed
row-major (dy ascending, then dx ascending); kernels and twins use this order throughout.
"""

from __future__ import annotations

import numpy as np

from sim.core.jit import inline

__all__ = [
    "EMPTY", "COP", "QUIET", "ACTIVE", "JAILED",
    "diamond_offsets", "padded_shape", "padded_index", "set_code", "set_code_py", "wrap",
    "code_grid_from_occupants",
]

# Cell codes. A citizen's state column uses the same values, so its cell code equals its state.
EMPTY = np.int8(0)
COP = np.int8(1)
QUIET = np.int8(2)
ACTIVE = np.int8(3)
JAILED = np.int8(4)  # Mesa's CitizenState.ARRESTED: in jail, still occupying its cell


def diamond_offsets(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """(dx, dy) of the von Neumann diamond of ``radius`` without its centre, row-major, int8."""
    dxs, dys = [], []
    for dy in range(-radius, radius + 1):
        half_width = radius - abs(dy)
        for dx in range(-half_width, half_width + 1):
            if dx == 0 and dy == 0:
                continue
            dxs.append(dx)
            dys.append(dy)
    return np.array(dxs, dtype=np.int8), np.array(dys, dtype=np.int8)


def padded_shape(width: int, height: int, pad: int) -> tuple[int, int]:
    """(rows, columns) of the padded code grid."""
    return height + 2 * pad, width + 2 * pad


@inline
def padded_index(x: int, y: int, padded_width: int, pad: int) -> int:
    """Flat index in the padded grid of the real cell (x, y)."""
    return (y + pad) * padded_width + x + pad


@inline
def wrap(value: int, size: int) -> int:
    """``value mod size`` for ``-size <= value < 2*size`` (one step across the seam at most)."""
    if value < 0:
        return value + size
    if value >= size:
        return value - size
    return value


@inline
def set_code(code: np.ndarray, x: int, y: int, value: np.int8, width: int, height: int, pad: int) -> None:
    """Write ``value`` at real cell (x, y) and at its halo copies (width, height >= 2*pad+1)."""
    padded_width = width + 2 * pad
    # Padded columns holding real column x: x+pad always, x+pad+width if x < pad, x+pad-width if
    # x >= width-pad. Likewise rows. At most one extra per axis because width >= 2*pad + 1.
    col0 = x + pad
    col1 = -1
    if x < pad:
        col1 = col0 + width
    elif x >= width - pad:
        col1 = col0 - width
    row0 = y + pad
    row1 = -1
    if y < pad:
        row1 = row0 + height
    elif y >= height - pad:
        row1 = row0 - height
    code[row0 * padded_width + col0] = value
    if col1 >= 0:
        code[row0 * padded_width + col1] = value
    if row1 >= 0:
        code[row1 * padded_width + col0] = value
        if col1 >= 0:
            code[row1 * padded_width + col1] = value


def set_code_py(code: np.ndarray, x: int, y: int, value: int, width: int, height: int, pad: int) -> None:
    """Plain-Python twin of :func:`set_code`: write every padded cell that maps to (x, y)."""
    rows, cols = padded_shape(width, height, pad)
    for row in (y + pad - height, y + pad, y + pad + height):
        for col in (x + pad - width, x + pad, x + pad + width):
            if 0 <= row < rows and 0 <= col < cols:
                code[row * cols + col] = value


def code_grid_from_occupants(occupant_code: np.ndarray, width: int, height: int, pad: int) -> np.ndarray:
    """Padded flat code grid (int8) from a (height, width) grid of cell codes."""
    padded = np.pad(occupant_code.reshape(height, width), pad, mode="wrap")
    return np.ascontiguousarray(padded, dtype=np.int8).ravel()
