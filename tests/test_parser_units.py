"""Parts of the command language: numbers, times, ranges, context, routing, suggestions, errors."""

from __future__ import annotations

import math

import pytest

from t2v_desktop.commands import parse
from t2v_desktop.commands.clause import Clause
from t2v_desktop.commands.numbers import digitize, take_intensity, take_quantity
from t2v_desktop.commands.parser import suggest
from t2v_desktop.commands.plan import CLASSIC, GENERATIVE, MIXED, ParseError, RangeSpec, TimeRef
from t2v_desktop.commands.router import is_word_like
from t2v_desktop.commands.timecode import parse_time, take_range

# ---- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value, unit",
    [("2x", 2.0, "x"), ("20%", 20.0, "%"), ("+0.3", 0.3, ""), ("-20%", -20.0, "%"), ("by 0.3", 0.3, ""),
     ("6 dB", 6.0, "db"), ("45°", 45.0, "deg"), ("10px", 10.0, "px"), ("3 times", 3.0, "x"), (".5", 0.5, ""),
     ("1 stop", 1.0, "stops"), ("-14 LUFS", -14.0, "lufs")],
)
def test_quantities(text, value, unit):
    q = take_quantity(Clause.of(text))
    assert q is not None and math.isclose(q.value, value) and q.unit == unit


def test_quantity_keeps_sign_and_preposition():
    q = take_quantity(Clause.of("slow down to 25%"))
    assert (q.value, q.unit, q.prep, q.signed) == (25.0, "%", "to", False)
    q = take_quantity(Clause.of("volume -6"))
    assert (q.value, q.signed) == (-6.0, True)


@pytest.mark.parametrize("text", ["1e308", "9" * 400, "1e999"])
def test_huge_numbers_are_parse_errors(text):
    with pytest.raises(ParseError, match="too large|not a number"):
        take_quantity(Clause.of(text))


@pytest.mark.parametrize(
    "words, digits",
    [("two seconds", "2"), ("twenty five percent", "25"), ("one and a half seconds", "1.5"),
     ("half a second", "0.5"), ("a second", "1"), ("three times", "3")],
)
def test_word_numbers_become_digits_without_changing_length(words, digits):
    cl = Clause.of(words)
    digitize(cl)
    assert len(cl.low) == len(words) and cl.orig == words
    assert cl.low.split()[0] == digits


@pytest.mark.parametrize("text, level", [("a bit", "small"), ("slightly", "small"), ("a lot", "large"),
                                         ("much", "large"), ("way more", "large"), ("very", "large"), ("", "")])
def test_intensity_words(text, level):
    assert take_intensity(Clause.of(text)) == level


def test_contradictory_intensity_is_an_error():
    with pytest.raises(ParseError):
        parse("make it a bit much brighter")


# ---- times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds",
    [("3s", 3), ("3 sec", 3), ("1.5 seconds", 1.5), ("2 minutes", 120), ("1:05", 65), ("01:02:03", 3723),
     ("0:05.5", 5.5), ("500ms", 0.5), ("1m30s", 90), ("1 minute 30 seconds", 90), ("2h", 7200), ("7", 7)],
)
def test_parse_time(text, seconds):
    assert math.isclose(parse_time(text), seconds)


@pytest.mark.parametrize("text", ["1:75", "1:60:00", "1:2:3:4", "99999 hours"])
def test_invalid_times(text):
    with pytest.raises(ParseError):
        parse_time(text)


S, E, F = "start", "end", "fraction"


@pytest.mark.parametrize(
    "text, start, end",
    [("from 0:05 to 0:12", (5, S), (12, S)),
     ("between 5s and 8s", (5, S), (8, S)),
     ("0:05-0:12", (5, S), (12, S)),
     ("5 to 8 seconds", (5, S), (8, S)),
     ("for the first 3 seconds", (0, S), (3, S)),
     ("the last 2 seconds", (2, E), None),
     ("the first half", (0, S), (0.5, F)),
     ("the last half", (0.5, F), None),
     ("the second half", (0.5, F), None),
     ("the first third", (0, S), (1 / 3, F)),
     ("the last quarter", (0.75, F), None),
     ("until 0:10", (0, S), (10, S)),
     ("after 0:10", (10, S), None),
     ("from 0:05", (5, S), None),
     ("from 0:05 for 2 seconds", (5, S), (7, S)),
     ("from the start to 0:04", (0, S), (4, S)),
     ("from 0:05 to the end", (5, S), None),
     ("the first second", (0, S), (1, S))],
)
def test_ranges(text, start, end):
    cl = Clause.of(text)
    digitize(cl)
    rng = take_range(cl)
    assert rng is not None and not cl.text(), f"left over: {cl.text()!r}"
    assert (rng.start.anchor, math.isclose(rng.start.value, start[0])) == (start[1], True)
    if end is None:
        assert rng.end is None
    else:
        assert rng.end.anchor == end[1] and math.isclose(rng.end.value, end[0])


@pytest.mark.parametrize("text", ["from 0:12 to 0:05", "between 8s and 5s", "from 0:05 to 0:05", "the last 0 seconds",
                                  "the first 0 seconds"])
def test_empty_or_backwards_ranges_are_errors(text):
    with pytest.raises(ParseError):
        take_range(Clause.of(text))


def test_no_range_is_none():
    assert take_range(Clause.of("make it warmer")) is None


# ---- context: resolving relative ranges --------------------------------------------------------


def test_context_resolves_relative_ranges():
    plan = parse("make it warmer for the last 3 seconds", {"duration": 10})
    rng = plan.steps[0].range
    assert rng == RangeSpec(TimeRef(7.0), TimeRef(10.0))
    assert plan.to_json()["steps"][0]["range"] == [7.0, 10.0]


def test_without_context_ranges_stay_relative():
    plan = parse("sepia for the second half")
    assert plan.steps[0].range == RangeSpec(TimeRef(0.5, "fraction"), None)
    assert plan.steps[0].range.resolve(8.0) == (4.0, 8.0)
    assert plan.to_json(8.0)["steps"][0]["range"] == [4.0, 8.0]


def test_context_may_be_an_object_with_duration():
    class Ctx:
        duration = 6.0

    plan = parse("sepia for the first third", Ctx())
    assert plan.steps[0].range == RangeSpec(TimeRef(0.0), TimeRef(2.0))


@pytest.mark.parametrize("ctx", [None, {}, {"duration": None}, {"duration": float("nan")}, {"duration": -1}, object()])
def test_unusable_context_is_ignored(ctx):
    assert parse("sepia for the last half", ctx).steps[0].range.start.anchor == "fraction"


def test_ranges_outside_the_clip_are_errors_when_duration_is_known():
    with pytest.raises(ParseError, match="only"):
        parse("sepia from 0:05 to 0:12", {"duration": 10})
    with pytest.raises(ParseError, match="only"):
        parse("cut from 0:20 to 0:30", {"duration": 10})


def test_an_end_a_rounding_error_past_the_clip_is_the_end():
    plan = parse("sepia from 0:01 to 0:02", {"duration": 1.99})
    assert plan.steps[0].range == RangeSpec(TimeRef(1.0), TimeRef(1.99))
    with pytest.raises(ParseError, match="only"):
        parse("sepia from 0:01 to 0:03", {"duration": 1.99})


def test_ranges_after_timing_ops_resolve_against_the_new_duration():
    plan = parse("speed up 2x, then sepia for the last half", {"duration": 10})
    assert plan.steps[1].range == RangeSpec(TimeRef(2.5), TimeRef(5.0))
    plan = parse("trim the first 3 seconds, then sepia for the last 2 seconds", {"duration": 10})
    assert plan.steps[0].range == RangeSpec(TimeRef(0.0), TimeRef(3.0))
    assert plan.steps[1].range == RangeSpec(TimeRef(5.0), TimeRef(7.0))
    plan = parse("keep only 0:02 to 0:06, then blur the last half", {"duration": 10})
    assert plan.steps[1].range == RangeSpec(TimeRef(2.0), TimeRef(4.0))


# ---- routing -----------------------------------------------------------------------------------


def test_routes_and_reasons():
    plan = parse("sepia")
    assert plan.route == CLASSIC and "sepia" in plan.steps[0].reason
    plan = parse("add snow")
    assert plan.route == GENERATIVE and "snow" in plan.steps[0].reason
    plan = parse("stabilize, then make it sunset")
    assert plan.route == MIXED
    assert [s.route for s in plan.steps] == [CLASSIC, GENERATIVE]


def test_sunset_ambiguity():
    assert parse("make it sunset").steps[0].op == "ai_edit"
    assert parse("sunset look").steps[0].op == "sunset"
    assert parse("golden hour look").steps[0].op == "sunset"
    assert parse("sunset").steps[0].op == "sunset"
    forced = parse("classic: make it sunset").steps[0]
    assert forced.op == "sunset" and forced.route == CLASSIC


def test_ai_prefix_takes_the_whole_text_as_one_prompt():
    plan = parse("ai: stabilize, then make it warmer and add snow")
    assert len(plan.steps) == 1
    step = plan.steps[0]
    assert step.op == "ai_edit" and step.route == GENERATIVE
    assert step.params["prompt"] == "stabilize, then make it warmer and add snow"
    assert "forced" in step.reason


def test_ai_prefix_keeps_modifiers_and_range_out_of_the_prompt():
    step = parse("AI: Add Snow from 0:02 to 0:04, seed 7, 4 steps, strongly").steps[0]
    assert step.params["prompt"] == "Add Snow"
    assert (step.params["seed"], step.params["steps"], step.params["strength"]) == (7, 4, 0.8)
    assert step.range == RangeSpec(TimeRef(2.0), TimeRef(4.0))


def test_ai_modifier_values_are_validated():
    with pytest.raises(ParseError, match="steps"):
        parse("add snow with 500 steps")
    with pytest.raises(ParseError, match="seed"):
        parse("add snow, seed -3")


def test_classic_prefix_refuses_what_it_cannot_do_and_suggests():
    with pytest.raises(ParseError) as info:
        parse("classic: turn it into a watercolor painting")
    assert "classic" in info.value.message.lower()
    with pytest.raises(ParseError) as info:
        parse("classic: brighten the sky")
    assert any(s.startswith("ai:") for s in info.value.suggestions)


def test_target_timeline():
    assert parse("make everything warmer").target == "timeline"
    assert parse("sepia to the whole timeline").target == "timeline"
    assert parse("make it warmer").target == "selection"


# ---- history -----------------------------------------------------------------------------------


def test_history_steps():
    assert [(s.action, s.op) for s in parse("undo").steps] == [("undo", "undo")]
    assert [(s.action, s.op) for s in parse("undo 3 times").steps] == [("undo", "undo")] * 3
    assert [(s.action, s.op) for s in parse("redo").steps] == [("redo", "redo")]
    assert [(s.action, s.op) for s in parse("remove the blur").steps] == [("remove", "blur")]
    assert [(s.action, s.op) for s in parse("remove the last effect").steps] == [("remove", "last")]
    assert [(s.action, s.op) for s in parse("reset").steps] == [("remove", "all")]
    plan = parse("undo, then make it warmer")
    assert [(s.action, s.op) for s in plan.steps] == [("undo", "undo"), ("apply", "temperature")]


# ---- suggestions and errors ----------------------------------------------------------------------


@pytest.mark.parametrize("typo, expected", [("brightnes", "brightness"), ("blurr", "blur"), ("stabalize", "stabilize"),
                                            ("sepai", "sepia"), ("saturaton", "saturation"), ("contrst", "contrast")])
def test_obvious_typos_are_corrected_visibly(typo, expected):
    plan = parse(typo)
    assert [(c.typed, c.corrected) for c in plan.corrections] == [(typo, expected)]
    assert plan.corrected_text == expected and plan.text == typo
    assert plan.steps[0].op == parse(expected).steps[0].op


def test_typo_in_a_visual_sentence_is_not_sent_to_the_ai():
    plan = parse("make it brightr")
    assert plan.route == CLASSIC and plan.steps[0].op == "brightness"
    with pytest.raises(ParseError) as info:  # two edits away: not corrected, still not an AI prompt
        parse("make it brgihtr")
    assert "make it brighter" in info.value.suggestions


def test_british_spellings_work():
    assert parse("stabilise").steps[0].op == "stabilize"
    assert parse("normalise the audio").steps[0].op == "normalize"
    assert parse("remove the colour").steps[0].op == "black_and_white"


def test_nonsense_gets_examples_not_a_guess():
    with pytest.raises(ParseError) as info:
        parse("asdf qwer")
    assert info.value.suggestions
    assert info.value.to_json()["error"] == info.value.message


def test_out_of_range_amounts_explain_the_range_instead_of_clamping():
    with pytest.raises(ParseError, match=r"0\.25 and 4"):
        parse("speed up 10x")
    with pytest.raises(ParseError, match=r"-1 and 1"):
        parse("make it 200% brighter")


def test_suggest_is_deterministic():
    assert suggest("brightnes") == suggest("brightnes")
    assert "brightness" in suggest("brightnes")


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["sepia"], 1.5])
def test_non_text_input_is_a_parse_error(value):
    with pytest.raises(ParseError):
        parse(value)


def test_control_characters_and_odd_spacing():
    assert parse("make\tit\x00 warmer\r\n").steps[0].op == "temperature"
    assert parse("ＳＥＰＩＡ").steps[0].op == "sepia"  # full-width letters normalise
    assert parse("se\u00adpia\u200b").steps[0].op == "sepia"  # soft hyphen, zero-width space
    assert parse("\ud800 sepia").steps[0].op == "sepia"  # a lone surrogate is just noise


def test_too_long_is_a_parse_error():
    with pytest.raises(ParseError, match="too long"):
        parse("sepia " * 500)


# ---- word-likeness (the generative gate) --------------------------------------------------------


@pytest.mark.parametrize("word", ["snow", "cyberpunk", "watercolor", "gogh", "fireworks", "sky", "queen"])
def test_real_words_are_word_like(word):
    assert is_word_like(word)


@pytest.mark.parametrize("word", ["asdf", "qwer", "zxcv", "hjkl", "xkcdq", "aaaa", "123", "x"])
def test_keyboard_mash_is_not(word):
    assert not is_word_like(word)


def test_explain_and_json():
    plan = parse("stabilize, then make it black and white from 0:05 to 0:12")
    text = plan.explain()
    assert "stabilize" in text and "black_and_white" in text and "0:05.00" in text
    js = plan.to_json()
    assert js["route"] == CLASSIC and js["steps"][1]["range"] == {
        "start": {"anchor": "start", "value": 5.0}, "end": {"anchor": "start", "value": 12.0}}
    assert plan.to_json(20.0)["steps"][1]["range"] == [5.0, 12.0]


def test_plan_json_keeps_history_actions_and_relative_ranges_distinguishable():
    from t2v_desktop.commands import parse as _p

    steps = _p("remove the blur, then undo").to_json()["steps"]
    assert steps[0]["op"] == "remove" and steps[0]["params"] == {"op": "blur"}
    assert steps[1]["op"] == "undo"
    end = {"anchor": "end", "value": 0.0}
    assert _p("sepia for the last 2 seconds").to_json()["steps"][0]["range"] == {
        "start": {"anchor": "end", "value": 2.0}, "end": end}
    assert _p("sepia for the second half").to_json()["steps"][0]["range"] == {
        "start": {"anchor": "fraction", "value": 0.5}, "end": end}
    assert _p("sepia for the second half").to_json(10.0)["steps"][0]["range"] == [5.0, 10.0]
