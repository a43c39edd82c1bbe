"""Property: for ANY input the parser returns a valid Plan or raises ParseError, nothing else.

The inner ``_parse`` is tested (the public ``parse`` also turns unexpected exceptions into
ParseError, which would hide a bug from this test). Every returned apply step must name a
registered op whose params pass its spec's validation unchanged.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from t2v_desktop.commands import parse
from t2v_desktop.commands.parser import _parse
from t2v_desktop.commands.plan import ParseError, Plan
from t2v_desktop.ops import find_op

TOKENS = [
    "make", "it", "brighter", "darker", "warmer", "black", "and", "white", "b&w", "sepia", "then", ",", ";", ".",
    "from", "to", "between", "the", "first", "last", "half", "second", "third", "seconds", "s", "0:05", "0:12",
    "1:75", "01:02:03", "0:05-0:12", "2x", "20%", "-20%", "+0.3", "by", "0.3", "1e308", "-1e308", "nan", "inf",
    "-inf", "99999999999999999999999", "0", "-0", "a bit", "much", "very", "twice", "half", "double", "speed",
    "up", "slow", "down", "motion", "reverse", "freeze", "at", "for", "fade", "in", "out", "over", "louder",
    "volume", "dB", "mute", "normalize", "LUFS", "crop", "9:16", "resize", "720p", "1280x720", "rotate", "90",
    "degrees", "flip", "mirror", "zoom", "blur", "px", "sharpen", "denoise", "stabilize", "stabilise", "deflicker",
    "trim", "cut", "keep", "only", "undo", "redo", "remove", "reset", "last", "effect", "ai:", "classic:", "add",
    "snow", "sunset", "look", "like", "van", "gogh", "seed", "7", "steps", "strongly", "subtly", "fast",
    "everything", "timeline", "all clips", "apply", "lut", "film.cube", '"', "'", "\x00", "\n", "\t", "🙂", "ß",
    "İ", "ﬁ", "٣", "½", "²", "−", "–", "×", "°", "asdf", "qwer", "until", "after", "before", "end", "start",
]
token_text = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=14).map(" ".join)
glued_text = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=10).map("".join)
any_text = st.text(max_size=300)
number_text = st.floats(allow_nan=True, allow_infinity=True).map(lambda f: f"speed up {f}x and blur {f} from {f} to {f}")
durations = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6))


def check(text, duration=None):
    ctx = None if duration is None else {"duration": duration}
    try:
        plan = _parse(text, ctx)
    except ParseError as err:
        assert isinstance(err.message, str) and err.message
        assert all(isinstance(s, str) for s in err.suggestions)
        return
    assert isinstance(plan, Plan) and plan.steps
    assert plan.target in ("selection", "timeline")
    assert plan.route in ("classic", "generative", "mixed")
    for step in plan.steps:
        assert step.action in ("apply", "undo", "redo", "remove", "compose")  # compose: structural (steps.py)
        if step.action != "apply":
            continue
        spec = find_op(step.op)
        assert spec is not None, step.op
        assert spec.validate(step.params) == step.params
        assert step.route == ("generative" if step.op == "ai_edit" else "classic")
        if step.range is not None:
            for ref in (step.range.start, step.range.end):
                if ref is not None:
                    assert math.isfinite(ref.value) and ref.value >= 0
            s, e = step.range.resolve(100.0)
            assert e is None or s is None or e > s or step.range.start.anchor != step.range.end.anchor
    plan.to_json()
    plan.explain()


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(any_text)
def test_arbitrary_unicode(text):
    check(text)


@SETTINGS
@given(token_text, durations)
def test_command_like_text(text, duration):
    check(text, duration)


@settings(max_examples=150, deadline=None)
@given(glued_text)
def test_glued_tokens(text):
    check(text)


@settings(max_examples=100, deadline=None)
@given(number_text)
def test_extreme_numbers(text):
    check(text)


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1001, max_size=5000))
def test_long_text(text):
    check(text)


def test_public_parse_only_raises_parse_error():
    for value in (None, 0, 1e308, float("nan"), b"x", object(), "", "nan", "1e308", "inf", "\x00" * 10):
        try:
            parse(value)
        except ParseError:
            pass
