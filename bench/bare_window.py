"""The baseline for start-up: a bare QMainWindow in a fresh process, timed like the app.

    python bench/bare_window.py            # prints "first paint: X s" and quits
    python bench/bare_window.py --probe    # BENCH-JSON with first paint, usable (= painted), GUI blocks

Only the standard library and PySide6 are imported: what any Qt window must pay.
"""
import sys

from PySide6.QtWidgets import QApplication, QMainWindow

from gui_probe import FirstPaintLine, Probe  # bench/ is sys.path[0] when run as a script


def main() -> int:
    app = QApplication(sys.argv[:1])
    w = QMainWindow()
    w.setWindowTitle("bare")
    w.resize(1024, 700)
    w.show()
    if "--probe" in sys.argv:
        settle = float(sys.argv[sys.argv.index("--settle") + 1]) if "--settle" in sys.argv else 1.0
        w._probe = Probe(w, settle=settle)
    else:
        w._first = FirstPaintLine(w)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
