"""Typed "generate a 4 second clip of ..." / "animate logo.png" in the editor: the estimate and a
low-res keyframe preview on request first (gui/generate_dialog.py; T2V_AI_CONFIRM=0 skips it), then
the clip is rendered in a background Job (progress and cancel in the Jobs panel, the time estimate in the status bar
first), into the content cache; then the command is applied and resolves at once from the cache, as
one undo step. A cancelled job adds nothing and leaves no file.
"""

from __future__ import annotations

from .workers import Job


def _generate_steps(win, text: str) -> list:
    from ..commands import parse
    from ..commands.generate_commands import GenerateClip
    from ..errors import T2VError

    try:
        return [s for s in parse(text, win._parse_context()).steps if isinstance(s, GenerateClip)]
    except T2VError:
        return []  # apply_command shows the error as for any command


def requests_for(project, steps) -> tuple[list, str]:
    """generate_clip()'s (prompt, arguments) per step and the estimate line to show first. Raises
    T2VError (no model, bad image) before anything starts."""
    from ..commands.generate_commands import clip_request
    from ..engine.generate import estimate_clip

    requests = [(s.prompt, clip_request(s, project)) for s in steps]
    return requests, "; ".join(estimate_clip(p, **kw).describe() for p, kw in requests)


def generation_job(requests) -> Job:
    """A Job rendering every requested clip into the content cache."""
    from ..engine.generate import generate_clip

    def work(progress, cancel):
        n = len(requests)
        for k, (prompt, kw) in enumerate(requests):
            def sub(done, total, message="", _k=k):
                progress(_k + (done / total if total else 0.0), n, message)

            generate_clip(prompt, progress=sub, cancel=cancel, **kw)
        return True

    return Job("Generate clip", work)


def run_as_job(win, text: str) -> bool:
    """True when ``text`` generates a clip: the job renders it and then applies the command."""
    from ..errors import T2VError

    if getattr(win, "_generate_ready", None) == text:
        win._generate_ready = None
        return False
    steps = _generate_steps(win, text)
    if not steps:
        return False
    try:
        requests, estimate = requests_for(win.project, steps)
    except T2VError as e:
        win.command_bar.show_error(e)
        return True
    from .ai_preview import confirm_wanted

    if confirm_wanted():
        from .generate_dialog import GenerateDialog

        dialog = GenerateDialog(win, text, requests, estimate,
                                lambda: _start(win, text, generation_job(requests), estimate))
        win.generate_dialog = dialog
        dialog.show()
        return True
    _start(win, text, generation_job(requests), estimate)
    return True


def _start(win, text: str, job: Job, estimate: str) -> None:
    from .command_jobs import start_then_apply

    start_then_apply(win, text, job, slot="generate_job", ready="_generate_ready",
                     cancelled="Generation cancelled: nothing was added.",
                     status=f"{estimate} (see Jobs; cancel there)...", status_ms=15000)
