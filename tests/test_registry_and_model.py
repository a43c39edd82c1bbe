import json
from fractions import Fraction

import pytest

from t2v_desktop.project.model import AppliedOp, Clip, Project
from t2v_desktop.errors import ParamError, ProjectError
from t2v_desktop.ops.params import Bool, Choice, Float, Int, Text


def test_float_rejects_out_of_range_instead_of_clamping():
    p = Float(min=-1, max=1, default=0.2)
    assert p.validate("amount", 0.5) == 0.5
    with pytest.raises(ParamError, match="between -1 and 1"):
        p.validate("amount", 1.5)
    with pytest.raises(ParamError):
        p.validate("amount", "lots")
    with pytest.raises(ParamError):
        p.validate("amount", float("nan"))


def test_other_param_types():
    assert Int(min=0, max=10).validate("n", 3.0) == 3
    with pytest.raises(ParamError):
        Int(min=0, max=10).validate("n", 11)
    assert Bool().validate("b", "yes") is True
    assert Choice(options=("16:9", "1:1")).validate("aspect", "1:1") == "1:1"
    with pytest.raises(ParamError):
        Choice(options=("16:9", "1:1")).validate("aspect", "4:3")
    with pytest.raises(ParamError):
        Text(max_length=3).validate("prompt", "abcd")


def test_project_json_roundtrip(tmp_path):
    p = Project.from_media(str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4"))
    p.fps = Fraction(30000, 1001)
    p.main_track.clips[0].ops.append(AppliedOp("brightness", {"amount": 0.3}, range=(1.0, 2.5)))
    p.main_track.clips[1].out_point = 4.0
    path = tmp_path / "proj.t2v.json"
    p.save(path)
    q = Project.load(path)
    assert q.fps == Fraction(30000, 1001)
    assert [c.path for c in q.all_clips()] == [c.path for c in p.all_clips()]
    assert q.main_track.clips[0].ops[0].range == (1.0, 2.5)
    assert q.main_track.clips[0].ops[0].params == {"amount": 0.3}
    assert q.main_track.clips[1].out_point == 4.0
    # sources are stored relative to the project file, so a moved folder still opens
    raw = json.loads(path.read_text())
    assert raw["tracks"][0]["items"][0]["source"]["path"] == "a.mp4"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=99),
        lambda d: d.update(schema="other"),
        lambda d: d["tracks"][0]["items"][0].update({"in": -1}),
        lambda d: d["tracks"][0]["items"][0]["ops"][0].update(range=[3, 1]),
        lambda d: d.update(fps=[0, 1]),
    ],
)
def test_invalid_projects_are_rejected(tmp_path, mutate):
    p = Project(tracks=[])
    p.main_track.items.append(Clip(source="/x.mp4", ops=[AppliedOp("blur")]))
    d = p.to_json()
    mutate(d)
    with pytest.raises(ProjectError):
        Project.from_json(d)


def test_unreadable_project_is_a_project_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x00\xff not json")
    with pytest.raises(ProjectError):
        Project.load(bad)
    with pytest.raises(ProjectError):
        Project.load(tmp_path / "missing.json")


def test_save_is_atomic_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    Project(name="first").save(path)
    import t2v_desktop.fsutil as fs

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fs.os, "replace", boom)
    with pytest.raises(Exception, match="No space left"):
        Project(name="second").save(path)
    assert Project.load(path).name == "first"
    assert [f.name for f in tmp_path.iterdir()] == ["p.json"]


def test_saved_project_gets_normal_permissions(tmp_path):
    import os
    import stat

    umask = os.umask(0o022)
    try:
        path = tmp_path / "perm.json"
        Project().save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    finally:
        os.umask(umask)
