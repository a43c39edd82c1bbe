"""The slow part of a typed command done first, with progress and cancel: a voice-over spoken, a dub
translated and spoken, a library searched (each area's PREPARE table, commands/areas.py).

The results go into content caches (speech.tts, speech.dub's translated lines, the library
commands' kept hits), so applying the command afterwards resolves at once: the editor runs
``prepare`` in a background job (gui/command_jobs.py) and then applies on the GUI thread as one undo
step; the command line runs it with a progress bar and Ctrl-C. A cancelled prepare changes nothing.
"""

from __future__ import annotations

from typing import List


def slow_steps(plan) -> List:
    """The steps of ``plan`` that have a slow part to do first."""
    from .areas import preparers

    table = preparers()
    return [s for s in getattr(plan, "steps", ()) if type(s) in table]


def prepare(project, steps, *, progress=None, cancel=None) -> None:
    """Do every step's slow part (``project``: the project as it is now; read, never changed)."""
    from ..jobs import check, no_progress
    from .areas import preparers

    progress = progress or no_progress
    table = preparers()
    n = len(steps)
    for k, step in enumerate(steps):
        check(cancel)

        def sub(done, total, message="", _k=k):
            progress(_k + (done / total if total else 0.0), n, message)

        table[type(step)](step, project, progress=sub, cancel=cancel)
    progress(n, n, "Ready")
