"""Preview first for AI edits: the CLI's estimate line and --preview-keyframes, and the GUI's
AiPreviewDialog (keyframes, Cancel, Render, classic look without a model), on a tiny on-disk model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")


from t2v_desktop.cli import main  # noqa: E402
from t2v_desktop.media.frames import FrameSource  # noqa: E402


@pytest.fixture
def env(ai_env):
    return ai_env


@pytest.fixture
def small(make_clip):
    """8 frames, 64x48."""
    return make_clip("ai-small", width=64, height=48, fps=8, duration=1.0)


def first_frame(path):
    src = FrameSource(str(path))
    try:
        return src.frame(0)
    finally:
        src.close()


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_preview_keyframes_writes_pngs_and_no_output(env, small, capsys):
    out, kf = env / "out.mp4", env / "kf"
    code = main(["apply", str(small), "ai: make it sunset", "-o", str(out), "--preview-keyframes", str(kf)])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    assert not out.exists()
    pngs = sorted(kf.glob("*.png"))
    assert [p.name for p in pngs] == ["ai1-frame000000.png", "ai1-frame000004.png", "ai1-frame000007.png"]
    assert all(str(p) in cap.out for p in pngs)
    assert "AI edit: 8 frames at 64x48, about" in cap.err and "estimate" in cap.err
    imgs = [cv2.imread(str(p)) for p in pngs]
    assert all(i is not None and i.shape == (48, 64, 3) for i in imgs)
    src0 = first_frame(small)
    assert np.abs(imgs[0][..., ::-1].astype(int) - src0).mean() > 2  # really edited (BGR on disk)


def test_cli_preview_keyframes_follow_the_range_and_count(env, small, capsys):
    kf = env / "kf"
    code = main(["apply", str(small), "ai: make it sunset from 0:00.5 to 0:01", "-o", str(env / "o.mp4"),
                 "--preview-keyframes", str(kf), "--keyframes", "2"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in kf.glob("*.png")) == ["ai1-frame000004.png", "ai1-frame000007.png"]
    assert "AI edit: 4 frames at 64x48" in capsys.readouterr().err


def test_cli_preview_keyframes_refuses_bad_requests(env, small, capsys):
    out = env / "o.mp4"
    assert main(["apply", str(small), "ai: make it sunset", "-o", str(out), "--preview-keyframes",
                 str(env / "kf"), "--keyframes", "0"]) == 1
    assert "--keyframes must be at least 1" in capsys.readouterr().err
    assert main(["apply", str(small), "make it warmer", "-o", str(out), "--preview-keyframes",
                 str(env / "kf")]) == 1
    assert "no AI edit" in capsys.readouterr().err
    assert not out.exists() and not list((env / "kf").glob("*.png"))


def test_cli_missing_model_names_the_fetch_and_a_classic_look(env, small, capsys, monkeypatch, tmp_path):
    empty = tmp_path / "no-models"
    empty.mkdir()
    monkeypatch.setenv("T2V_MODELS_DIR", str(empty))
    out, kf = env / "o.mp4", env / "kf"
    code = main(["apply", str(small), "ai: make it sunset", "-o", str(out), "--preview-keyframes", str(kf)])
    err = capsys.readouterr().err
    assert code != 0 and "not installed" in err and "classic: make it sunset" in err
    assert not out.exists() and not kf.exists()


def test_cli_apply_prints_the_estimate_before_rendering(env, make_clip, capsys):
    clip = make_clip("ai-tiny", width=64, height=48, fps=8, duration=0.5)
    out = env / "out.mp4"
    assert main(["apply", str(clip), "ai: make it sunset", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    line = err.index("AI edit: 4 frames at 64x48, about")
    assert line < err.index("Exporting")
    assert out.stat().st_size > 0


# -- GUI ---------------------------------------------------------------------------------------


@pytest.fixture
def win(env, qtbot, main_window, small):
    w = main_window
    w.open_media(str(small))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    yield w
    w.jobs.cancel_all()
    w.jobs.wait(60000)


def ops(w):
    return [o.op for o in w.project.all_clips()[0].ops]


def test_gui_ai_command_opens_the_dialog_and_previews_keyframes(win, qtbot):
    assert win.apply_command("ai: make it sunset") is None
    dlg = win.ai_preview_dialog
    assert dlg is not None and dlg.isVisible()
    assert ops(win) == []  # nothing applied until Render
    assert "AI edit: 8 frames at 64x48, about" in dlg.estimate.text()
    assert dlg.render_btn.isEnabled() and not dlg.classic_btn.isVisible()
    job = dlg.start_preview()
    qtbot.waitUntil(lambda: job.state in ("done", "failed", "cancelled"), timeout=120000)
    assert job.state == "done", job.error
    qtbot.waitUntil(lambda: dlg.thumb_row.count() == 3)
    assert [i for _k, i, _f in dlg.result_frames] == [0, 4, 7]
    assert all(f.shape == (48, 64, 3) for _k, _i, f in dlg.result_frames)
    pix = [dlg.thumb_row.itemAt(i).widget().pixmap() for i in range(3)]
    assert all(p.width() == 160 and p.height() == 120 for p in pix)
    assert ops(win) == []
    dlg.cancel_btn.click()


def test_gui_cancel_changes_nothing(win, qtbot):
    count = win.undo_stack.count()
    win.apply_command("add snow")
    dlg = win.ai_preview_dialog
    dlg.cancel_btn.click()
    assert not dlg.isVisible() and win.ai_preview_dialog is None
    assert ops(win) == [] and win.undo_stack.count() == count


def test_gui_render_applies_the_ai_edit(win, qtbot):
    win.apply_command("ai: make it sunset")
    dlg = win.ai_preview_dialog
    dlg.render_btn.click()
    assert not dlg.isVisible()
    assert ops(win) == ["ai_edit"]
    assert win.project.all_clips()[0].ops[0].params["prompt"] == "make it sunset"
    assert win.command_bar.history == ["ai: make it sunset"]


def test_gui_missing_model_offers_the_classic_look(win, qtbot, tmp_path, monkeypatch):
    empty = tmp_path / "no-models"
    empty.mkdir()
    monkeypatch.setenv("T2V_MODELS_DIR", str(empty))
    win.apply_command("ai: make it sunset from 0:00.5 to 0:01")
    dlg = win.ai_preview_dialog
    assert dlg.message.isVisible() and "classic" in dlg.message.text().lower()
    assert not dlg.render_btn.isEnabled() and not dlg.preview_btn.isEnabled()
    assert dlg.classic_btn.isVisible()
    assert ops(win) == []
    dlg.classic_btn.click()
    clip = win.project.all_clips()[0]
    assert [o.op for o in clip.ops] == ["sunset"] and clip.ops[0].range == (0.5, 1.0)


def test_gui_confirm_can_be_switched_off(win, monkeypatch):
    monkeypatch.setenv("T2V_AI_CONFIRM", "0")
    assert win.apply_command("ai: make it sunset") is not None
    assert getattr(win, "ai_preview_dialog", None) is None
    assert ops(win) == ["ai_edit"]
