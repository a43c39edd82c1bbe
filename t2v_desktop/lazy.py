"""Lazily imported modules, so ``t2v-desktop parse`` and ``ops`` start in a fraction of a second.

The op modules register their operations at import time, but only the op *bodies* need OpenCV
(and PyAV, in media/); importing cv2 costs ~70 ms of the CLI's start-up. ``cv2 = lazy("cv2")``
at the top of a module gives a stand-in that imports the real module on first attribute access
and then holds its attributes itself, so later look-ups cost what a real module's do. The real
module is not put in ``sys.modules`` before first use (tests check exactly that).
"""

from __future__ import annotations

import importlib
import types


class LazyModule(types.ModuleType):
    """A module object that becomes a copy of ``name``'s namespace on first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = name

    def _load(self) -> types.ModuleType:
        module = importlib.import_module(self.__dict__["_lazy_target"])
        self.__dict__.update(module.__dict__)  # later look-ups hit this dict, not __getattr__
        return module

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__") and attr not in ("__version__", "__file__"):
            raise AttributeError(attr)  # copy/pickle/inspect probes must not import the module
        return getattr(self._load(), attr)

    def __dir__(self):
        return dir(self._load())

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_lazy_target']!r}>"


def lazy(name: str) -> types.ModuleType:
    """A stand-in for ``import name`` that imports on first use (``cv2 = lazy("cv2")``)."""
    import sys

    module = sys.modules.get(name)
    return module if module is not None else LazyModule(name)
