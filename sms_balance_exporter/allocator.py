"""glibc's allocator, set up for a server whose threads each build large answers.

By default glibc gives each thread that allocates an arena of its own (up to eight per core)
and serves large blocks from those arenas once a large block has been freed. Each of the web
server's workers builds a whole `/metrics` answer (megabytes at a thousand accounts), so every
worker that has served one scrape keeps megabytes in its own arena: measured at N = 1000, the
exporter grew from 64 to 120 MiB over its first 16 scrapes, one arena per worker. Two arenas
and a fixed threshold for large blocks (served from their own mappings, returned to the
system when freed) keep it flat, with no work on any request (bench/README.md).
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

ARENAS = 2  # the exporter's Python runs on one core at a time (the GIL)
LARGE_BLOCK_BYTES = 128 * 1024  # glibc's own starting value, kept fixed

_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
_M_ARENA_MAX = -8


def tune_allocator() -> bool:
    """Set glibc's arena count and large-block threshold, before the threads start; return
    whether they were set. Not glibc (musl, macOS), or the operator set the allocator up
    through the environment (MALLOC_ARENA_MAX, GLIBC_TUNABLES): left as it is."""
    if _operator_tuned(os.environ):
        return False
    libc = _glibc()
    if libc is None:
        return False
    done = bool(libc.mallopt(_M_ARENA_MAX, ARENAS)) and bool(
        libc.mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES)
    )
    if not done:
        log.debug("allocator settings not accepted; glibc's defaults stay")
    return done


def _operator_tuned(environ: Mapping[str, str]) -> bool:
    return any(name.startswith("MALLOC_") for name in environ) or (
        "glibc.malloc." in environ.get("GLIBC_TUNABLES", "")
    )


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)  # the C library Python itself runs on
        libc.gnu_get_libc_version  # noqa: B018 - present only in glibc
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc
