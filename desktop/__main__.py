"""``python -m desktop`` and the PyInstaller entry script (hence the absolute import)."""
import sys

from desktop.main import main

if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # the bundle: a checking process of a bulk import starts here
        import multiprocessing

        multiprocessing.freeze_support()
    sys.exit(main())
