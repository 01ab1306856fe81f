"""The Qt desktop app: a thin layer over the core (desktop.store, validation, reports, sheets, summary)."""
import sys


def _pin_singletons() -> None:
    """Work around PySide6 6.12 on Python < 3.12: every call of a C++ method returning void
    gives back ``None`` without taking a reference (measured: -1 per call; 3.12+ has immortal
    None, so it only bites on 3.11), so
    None's reference count falls by one per call until CPython frees None and aborts
    ("none_dealloc"; the same for True/False at exit). A large tree reload does ~40 000 such
    calls. Raising the counts by 2**40 makes them immortal in practice. No-op on 3.12+."""
    if sys.version_info >= (3, 12):
        return
    import ctypes

    for obj in (None, True, False):
        before = sys.getrefcount(obj)
        cell = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is the first field of PyObject
        if abs(cell.value - before) > 16:  # not the layout we know (e.g. a debug build): leave it
            continue
        cell.value += 1 << 40


_pin_singletons()
