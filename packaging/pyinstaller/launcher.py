"""Entry script for the frozen app (PyInstaller needs a file, not a console_scripts entry)."""

import sys

from t2v_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
