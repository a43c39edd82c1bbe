"""t2v-desktop: a video editor driven by plain-language commands.

The core (media, ops, edit, commands) never imports Qt or torch, so it runs headless.
"""

__version__ = "0.1.0"
