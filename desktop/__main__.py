"""``python -m desktop`` and the PyInstaller entry script (hence the absolute import)."""
import sys

from desktop.main import main

if __name__ == "__main__":
    sys.exit(main())
