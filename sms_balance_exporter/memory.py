"""Handing memory freed by large, short-lived work back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache

# Work that frees at least this much is worth a trim (a render of 1000 accounts is 1 MB).
LARGE_BYTES = 256 * 1024


def release_free_memory() -> None:
    """Collect garbage, then return freed heap pages to the OS.

    Parsing a large config or rendering a large exposition leaves megabytes that glibc keeps
    for reuse, and the resident size operators watch stays high for nothing. The trim is a
    no-op where the C library has no `malloc_trim` (musl, macOS).
    """
    gc.collect()  # request objects in reference cycles still hold some of it
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return function
