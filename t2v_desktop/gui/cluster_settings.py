"""Edit > AI renders on a Ray cluster…: the editor's cluster setting (docs/cluster.md).

The address is kept in the window's settings and put in env T2V_RAY_ADDRESS, which the render code
reads when an AI render starts (cluster.session.active) and which the export child inherits; an
address given in the environment at start wins over the saved one. Empty: render on this computer.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QInputDialog, QMessageBox

from ..cluster.session import ENV_ADDRESS, INSTALL, forget, ray_installed

SETTING = "cluster/ray_address"
ACTION_TEXT = "AI renders on a Ray cluster…"


def add_cluster_action(window, menu):
    """Add the menu item; apply the saved address unless the environment names one already."""
    saved = str(window.settings.value(SETTING, "") or "").strip()
    if saved and not os.environ.get(ENV_ADDRESS):
        os.environ[ENV_ADDRESS] = saved
    act = menu.addAction(ACTION_TEXT)
    act.setToolTip("Send AI edits (in chunks) and generated clips to a Ray cluster's GPU workers")
    act.triggered.connect(lambda: ask_address(window))
    return act


def apply_address(window, address: str) -> str:
    """Save ``address`` and use it from the next AI render on; returns the status line."""
    address = address.strip()
    window.settings.setValue(SETTING, address)
    if address:
        os.environ[ENV_ADDRESS] = address
    else:
        os.environ.pop(ENV_ADDRESS, None)
    forget()  # a cluster joined under the old address is left; the next render joins the new one
    return (f"AI renders go to the Ray cluster at {address} from the next render." if address
            else "AI renders run on this computer.")


def ask_address(window) -> None:
    text, ok = QInputDialog.getText(window, "Ray cluster",
                                    "Address for AI renders (host:6379, auto, or local; empty = this computer):",
                                    text=os.environ.get(ENV_ADDRESS, ""))
    if not ok:
        return
    if text.strip() and not ray_installed():
        QMessageBox.warning(window, "Ray cluster", f"Rendering on a Ray cluster needs the Ray package. Install it "
                                                   f"with: {INSTALL}")
        return
    window.statusBar().showMessage(apply_address(window, text), 8000)
