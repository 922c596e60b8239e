"""Atomic file writes: a file is written under a temporary name in its own folder, flushed to
disk and renamed into place (``os.replace``), so a reader sees either the old file, the new one,
or none; never half of one.

    with atomic_path(out / "timeseries.parquet") as tmp:
        pq.write_table(table, tmp)          # any writer that takes a path
    write_text_atomic(out / "summary.json", text)

The temporary name keeps the suffix (``.timeseries.tmp-<pid>-<n>.parquet``), so writers that
pick a format from the extension (matplotlib) still work, and it starts with a dot and contains
``.tmp-``, so :func:`remove_stale_temporaries` can clear what a killed process left behind.
A failed write removes its temporary file and raises :class:`OutputError`, naming the file and
the reason (disk full, permission, ...).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["OutputError", "atomic_path", "write_text_atomic", "write_bytes_atomic",
           "remove_stale_temporaries", "fsync_dir"]

_COUNTER = itertools.count()
TMP_MARK = ".tmp-"


class OutputError(Exception):
    """A file could not be written; the message names it and says why."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"cannot write {path}: {reason}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} (errno {exc.errno})"
    return f"{type(exc).__name__}: {exc}"


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on a clean exit, flush it and rename it to ``path``."""
    final = Path(path)
    tmp = final.with_name(f".{final.stem}{TMP_MARK}{os.getpid()}-{next(_COUNTER)}{final.suffix}")
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, final)
    except BaseException as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(final, _describe(exc)) from exc
        raise
    fsync_dir(final.parent)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def remove_stale_temporaries(directory: str | Path) -> None:
    """Delete the temporary files that killed writers left in ``directory``."""
    for p in Path(directory).glob(f".*{TMP_MARK}*"):
        try:
            p.unlink()
        except OSError:
            pass
