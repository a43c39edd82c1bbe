"""PySide6 user interface: a thin view over the core."""
