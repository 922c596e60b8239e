"""``prefetch(array, index)``: a hint to the CPU to start loading ``array[index]`` into cache;
``prefetch_write(array, index)`` the same for a line about to be written.

Used by the sequential kernel, whose random activation order makes each activation touch
memory at a random place: at a million agents most of its time is spent waiting for memory.
Asking for the data of the agent activated a few places later overlaps those waits. It emits
LLVM's ``llvm.prefetch`` intrinsic (read or write, high temporal locality, data cache); a
prefetch never faults and has no effect on results. The plain-Python twin does nothing.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["prefetch", "prefetch_write", "prefetch_py"]


def _prefetch_signature(array, index, write):
    """Typing and code generation of a prefetch of ``array[index]``; ``write``: 1 to write, 0 to read."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        array_type, _ = signature.args
        ary = context.make_array(array_type)(context, builder, args[0])
        index_value = context.cast(builder, args[1], signature.args[1], types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, ary, [index_value],
                                           wraparound=False)
        i32 = ir.IntType(32)
        pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        fnty = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [pointer, i32(write), i32(3), i32(1)])  # read/write, keep, data cache
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def prefetch(typingctx, array, index):
    """Prefetch the cache line holding ``array[index]`` (1-d array, integer index) to read it."""
    return _prefetch_signature(array, index, 0)


@intrinsic
def prefetch_write(typingctx, array, index):
    """Prefetch the cache line holding ``array[index]`` to write it (``prefetchw``)."""
    return _prefetch_signature(array, index, 1)


def prefetch_py(array, index) -> None:
    """Plain-Python twin of :func:`prefetch` and :func:`prefetch_write`: a hint only, so
    nothing to do."""
