"""一市一策 / 一校一策: offline filing of 产教融合 implementation plans.

``desktop.core`` is the Qt-free core (checklists, store, lifecycle, summaries);
``desktop.word`` and ``desktop.excel`` write and read the documents; ``desktop.cli`` and
``desktop.gui`` are the two faces on top, chosen by ``desktop.main``.
"""
__version__ = "0.2.0"
