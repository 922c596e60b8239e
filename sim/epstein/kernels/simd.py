"""``diamond_counts(code, center, radius, padded_width)``: what a vision diamond holds, a row at
a time in vector registers.

Looking around is most of an activation's work: 112 cells for radius 7. Written as a scalar
loop it costs about 2.7 cycles per cell, because numba cannot vectorise rows of 1 to 15 cells.
This intrinsic emits the LLVM IR for the vector version:

* each diamond row is one unaligned 32-byte load of the cell codes (``LANES`` cells) and a lane
  mask that keeps the row's 2h + 1 cells;
* three byte compares (EMPTY, COP, ACTIVE) add into three per-lane byte counters;
* one horizontal sum per counter at the end.

Every load stays inside ``code``. The window starts at the row's first cell, or ends at the
array's last byte if that would run past it; the lane mask then shifts with the window. So
the result does not depend on what lies beyond the grid.

It returns the *packed* counts over the whole diamond, centre cell included:
``n_empty | n_cop << 16 | n_active << 32``. Use it only with ``radius <= MAX_RADIUS``, where
a row fits one window, and with ``code.size >= LANES``; :func:`sim.epstein.kernels.scan_vision`
checks both and falls back to the scalar loop otherwise.
:func:`diamond_counts_py` is the plain-Python twin.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from sim.epstein.grid import ACTIVE, COP, EMPTY

__all__ = ["LANES", "MAX_RADIUS", "diamond_counts", "diamond_counts_py"]

LANES = 32  # cells per load: one AVX2 register; on narrower machines LLVM splits it
MAX_RADIUS = (LANES - 1) // 2  # widest diamond row that fits one window: 2 radius + 1 cells

_I8 = ir.IntType(8)
_I16 = ir.IntType(16)
_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
_BYTES = ir.VectorType(_I8, LANES)


def _splat(builder, value):
    """A vector of LANES copies of the i8 ``value``."""
    one = builder.insert_element(ir.Constant(_BYTES, ir.Undefined), value, _I32(0))
    return builder.shuffle_vector(one, ir.Constant(_BYTES, ir.Undefined),
                                  ir.Constant(ir.VectorType(_I32, LANES), [0] * LANES))


def _select_min(builder, a, b):
    return builder.select(builder.icmp_signed("<", a, b), a, b)


@intrinsic
def diamond_counts(typingctx, code, center, radius, padded_width):
    """Packed (empty, cop, active) counts of the diamond of ``radius`` around flat index
    ``center`` of the padded int8 grid ``code``, centre included (module docstring)."""
    if not (isinstance(code, types.Array) and code.ndim == 1 and code.dtype == types.int8
            and all(isinstance(t, types.Integer) for t in (center, radius, padded_width))):
        return None
    sig = types.int64(code, center, radius, padded_width)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        ary = context.make_array(array_type)(context, builder, args[0])
        center_v, radius_v, width_v = (
            context.cast(builder, value, t, types.int64)
            for value, t in zip(args[1:], signature.args[1:], strict=True))
        last_window = builder.sub(builder.extract_value(ary.shape, 0), _I64(LANES))
        lane_index = ir.Constant(_BYTES, list(range(LANES)))
        codes = [ir.Constant(_BYTES, [int(value)] * LANES) for value in (EMPTY, COP, ACTIVE)]
        counters = [cgutils.alloca_once_value(builder, ir.Constant(_BYTES, None)) for _ in codes]
        n_rows = builder.add(builder.mul(radius_v, _I64(2)), _I64(1))
        with cgutils.for_range(builder, n_rows) as loop:
            dy = builder.sub(loop.index, radius_v)
            abs_dy = builder.select(builder.icmp_signed("<", dy, _I64(0)), builder.neg(dy), dy)
            half_width = builder.sub(radius_v, abs_dy)
            first = builder.sub(builder.add(center_v, builder.mul(dy, width_v)), half_width)
            window = _select_min(builder, first, last_window)
            low = builder.trunc(builder.sub(first, window), _I8)
            high = builder.add(low, builder.trunc(builder.mul(half_width, _I64(2)), _I8))
            pointer = builder.bitcast(builder.gep(ary.data, [window]), _BYTES.as_pointer())
            cells = builder.load(pointer, align=1)
            in_row = builder.and_(builder.icmp_unsigned(">=", lane_index, _splat(builder, low)),
                                  builder.icmp_unsigned("<=", lane_index, _splat(builder, high)))
            for counter, value in zip(counters, codes, strict=True):
                hit = builder.and_(in_row, builder.icmp_signed("==", cells, value))
                builder.store(builder.sub(builder.load(counter), builder.sext(hit, _BYTES)), counter)
        reduce_add = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(_I16, [ir.VectorType(_I16, LANES)]),
            f"llvm.vector.reduce.add.v{LANES}i16")
        packed = _I64(0)
        for shift, counter in zip((0, 16, 32), counters, strict=True):
            # a lane counts at most 2 radius + 1 <= 31 rows; the sum needs 16 bits
            wide = builder.zext(builder.load(counter), ir.VectorType(_I16, LANES))
            total = builder.zext(builder.call(reduce_add, [wide]), _I64)
            packed = builder.or_(packed, builder.shl(total, _I64(shift)))
        return packed

    return sig, codegen


def diamond_counts_py(code, center, radius, padded_width) -> int:
    """Plain-Python twin of :func:`diamond_counts`: the same packed counts, cell by cell."""
    n_empty = n_cop = n_active = 0
    for dy in range(-radius, radius + 1):
        half_width = radius - abs(dy)
        row = center + dy * padded_width
        for i in range(row - half_width, row + half_width + 1):
            n_empty += int(code[i] == EMPTY)
            n_cop += int(code[i] == COP)
            n_active += int(code[i] == ACTIVE)
    return n_empty | n_cop << 16 | n_active << 32
