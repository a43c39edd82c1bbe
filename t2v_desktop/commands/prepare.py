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
    """Do every step's slow part (``project``: the project as it is now; read, never changed), in
    the order the command applies them. After each one, while later ones wait, its edit is made on a
    copy (from the caches just filled: quick) so that "add captions and dub it in French" translates
    the captions the first step makes."""
    from ..jobs import check, no_progress
    from .apply import _in_phases
    from .areas import preparers

    progress = progress or no_progress
    table = preparers()
    steps = _in_phases(list(steps))
    n = len(steps)
    sim = project
    for k, step in enumerate(steps):
        check(cancel)

        def sub(done, total, message="", _k=k):
            progress(_k + (done / total if total else 0.0), n, message)

        table[type(step)](step, sim, progress=sub, cancel=cancel)
        if k < n - 1:
            sim = _simulated(sim, step, project)
    progress(n, n, "Ready")


def _simulated(sim, step, project):
    """``sim`` (a copy of ``project`` once changed) with ``step``'s edit made; ``project`` when it
    cannot be made (it needs an edit of the same command that has no slow part): the later steps
    then prepare against the project as it is, and what they miss is done when the command applies."""
    import copy

    from ..errors import Cancelled, T2VError
    from .compose_apply import ComposeState, compose_commands

    if sim is project:
        sim = copy.deepcopy(project)
    try:
        for cmd in compose_commands(copy.copy(step), ComposeState(sim)):
            cmd.do(sim)
    except Cancelled:
        raise
    except T2VError:
        return project  # the command says what is wrong when it is applied
    return sim
