"""一市一策 / 一校一策: offline filing of 产教融合 implementation plans.

``desktop`` is the Qt-free core; ``desktop.ui`` is the PySide6 shell on top of it.
"""
__version__ = "0.1.0"
