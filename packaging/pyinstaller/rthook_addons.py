"""PyInstaller runtime hook: make installed add-ons importable in the frozen app before main runs.

``t2v-desktop addons install diffusion`` puts torch/diffusers in the app's add-on folder; the
bundle itself never contains them (base build). Idempotent, so the CLI may activate again.
"""

try:
    from t2v_desktop import addons

    addons.activate()
except Exception as exc:  # noqa: BLE001 - a broken add-on folder must not stop the editor starting
    import sys

    print(f"t2v-desktop: add-ons not activated: {exc}", file=sys.stderr)
