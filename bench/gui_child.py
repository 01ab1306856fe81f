"""The app started as ``yice --db X`` would, with the bench's probe in the window (bench only).

    python bench/gui_child.py --db X [--settle 1.0] [-- more app args]

desktop.main.main() runs unchanged; only ``desktop.gui.app.open_main`` is wrapped, in this
process, to attach gui_probe.Probe to the window it returns. Usable = the last plan is open (its
checklist filled) and the unit tree has rows with the plan's node current. Prints BENCH-JSON.
"""
from __future__ import annotations

import sys


def ready(w) -> bool:
    tree = w.tree
    return (w.plan is not None and w.model.rowCount() > 0 and tree.model() is not None
            and tree.model().rowCount() > 0 and tree.currentIndex().isValid())


def extra(w) -> dict:
    return dict(plan_id=w.plan.id if w.plan else None, tree_rows=w.tree.model().rowCount() if w.tree.model() else 0,
                current=w.tree.currentIndex().data() if w.tree.currentIndex().isValid() else None)


def main() -> int:
    args = sys.argv[1:]
    settle = 1.0
    if "--settle" in args:
        i = args.index("--settle")
        settle = float(args[i + 1])
        del args[i:i + 2]
    from desktop import main as entry  # the same import order as ``python -m desktop``
    from desktop import cli  # noqa: F401
    from desktop.gui import app

    from gui_probe import Probe

    real = app.open_main

    def open_main(*a, **k):
        w = real(*a, **k)
        w._bench_probe = Probe(w, ready=ready, settle=settle, extra=extra)
        return w

    app.open_main = open_main
    return entry.main(args)


if __name__ == "__main__":
    sys.exit(main())
