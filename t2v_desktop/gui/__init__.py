"""PySide6 user interface: a thin view over the core."""

from ._none_guard import install as _install_none_guard

_install_none_guard()
