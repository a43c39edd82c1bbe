"""Typos are corrected visibly and only when safe; ranges in parse --json have one typed form.

The typo fixer must never over-correct: every word of the phrasing table (349 rows before
issue 8) is left alone, text that parses is never touched, numbers and real English words are
never candidates, and a typo with two different meanings is an error that lists both.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t2v_desktop.cli import main
from t2v_desktop.commands import parse
from t2v_desktop.commands.parser import _parse
from t2v_desktop.commands.plan import CLASSIC, ParseError, Plan
from t2v_desktop.commands.typos import candidates, correct, distance
from tests.test_parser_phrasings import ORIGINAL_ROWS, ROWS

# (typed, [(typed word, corrected word)], corrected text, op of the first step)
CORRECTED = [
    ("brigther", [("brigther", "brighter")], "brighter", "brightness"),
    ("make it brigther", [("brigther", "brighter")], "make it brighter", "brightness"),
    ("more contrsat", [("contrsat", "contrast")], "more contrast", "contrast"),
    ("revese", [("revese", "reverse")], "reverse", "reverse"),
    ("revese teh clip", [("revese", "reverse"), ("teh", "the")], "reverse the clip", "reverse"),
    ("sepia for teh first 3 seconds", [("teh", "the")], "sepia for the first 3 seconds", "sepia"),
    ("stabalize", [("stabalize", "stabilize")], "stabilize", "stabilize"),
    ("remove the blurr", [("blurr", "blur")], "remove the blur", "blur"),
    ("Make It Brigther", [("Brigther", "Brighter")], "Make It Brighter", "brightness"),
    ("make it warmr and sharpr", [("warmr", "warmer"), ("sharpr", "sharper")], "make it warmer and sharper",
     "temperature"),
]


@pytest.mark.parametrize("text, fixes, reading, op", CORRECTED, ids=[c[0] for c in CORRECTED])
def test_obvious_typos_are_corrected_and_shown(text, fixes, reading, op):
    plan = parse(text)
    assert [(c.typed, c.corrected) for c in plan.corrections] == fixes
    for c in plan.corrections:
        assert text[c.start:c.end] == c.typed  # positions in the text as typed, for highlighting
    assert plan.corrected_text == reading and plan.text == text
    assert plan.steps[0].op == op and plan.route == CLASSIC
    assert plan.to_json() == {**parse(reading).to_json(), "corrected_text": reading,
                              "corrections": [c.to_json() for c in plan.corrections]}
    assert plan.explain().splitlines()[0].startswith("Corrected ")


@pytest.mark.parametrize("text, readings", [("quieker", {"quicker", "quieter"}), ("bleur", {"bluer", "blur"})])
def test_ambiguous_typos_are_errors_listing_each_reading(text, readings):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert set(info.value.suggestions) == readings
    assert "not sure" in info.value.message


@pytest.mark.parametrize("row", ORIGINAL_ROWS, ids=[r[0] for r in ORIGINAL_ROWS])
def test_no_word_of_the_original_phrasings_is_a_correction_candidate(row):
    for word in re.findall(r"[A-Za-z]+", row[0]):
        assert candidates(word) == [], word


def test_text_that_parses_is_never_corrected():
    for text, *_ in ROWS:
        assert parse(text).corrections == []


@pytest.mark.parametrize("word", ["tighter", "skies", "stormy", "sides", "there", "form", "cooker", "sandwich"])
def test_real_words_are_never_candidates(word):
    assert candidates(word) == []


def test_real_words_near_classic_ones_go_to_the_ai_not_to_an_error():
    plan = parse("make it stormy")  # "stormy" is one letter from "story" (a crop word)
    assert plan.steps[0].op == "ai_edit" and plan.corrections == []


def test_numbers_and_glued_tokens_are_not_touched():
    for text in ("brightness 1e308", "sepia 120%", "blur 500px"):
        with pytest.raises(ParseError):
            parse(text)
    assert candidates("1080p") == [] and candidates("teh1") == []


def test_typos_inside_an_ai_prompt_are_left_to_the_ai():
    plan = parse("add snwo and make it brigther")
    assert [(c.typed, c.corrected) for c in plan.corrections] == [("brigther", "brighter")]
    assert plan.steps[0].params["prompt"] == "add snwo"
    with pytest.raises(ParseError):  # correcting "brigther" would only feed an AI prompt
        parse("make the sky brigther")


def test_distance_counts_swaps_as_one_edit():
    assert distance("teh", "the") == 1 and distance("contrsat", "contrast") == 1
    assert distance("brightnes", "brightness") == 1 and distance("abc", "xyz", limit=1) == 2


def test_unknown_requests_still_get_suggestions():
    for text in ("make me a sandwich", "send an email", "asdf qwer", "what is the weather"):
        with pytest.raises(ParseError) as info:
            parse(text)
        assert info.value.suggestions, text


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["teh", "brigther", "revese", "contrsat", "quieker", "bleur", "make", "it", "and",
                                 "then", "sepia", "0:05", "2x", "1e308", "the", "last", "half", "ai:", "snwo",
                                 "add", "from", "to", "blurr"]), min_size=1, max_size=8).map(" ".join))
def test_correcting_raises_only_parse_errors(text):
    try:
        plan = correct(text, _parse, ParseError("as typed"))
    except ParseError:
        return
    assert isinstance(plan, Plan) and plan.steps


# ---- ranges in parse --json ---------------------------------------------------------------------

START, END = "start", "end"


@pytest.mark.parametrize("text, rng", [
    ("sepia from 0:05 to 0:08", {START: {"anchor": "start", "value": 5.0}, END: {"anchor": "start", "value": 8.0}}),
    ("sepia for the first half", {START: {"anchor": "start", "value": 0.0}, END: {"anchor": "fraction", "value": 0.5}}),
    ("sepia for the last 2 seconds", {START: {"anchor": "end", "value": 2.0}, END: {"anchor": "end", "value": 0.0}}),
    ("sepia from 0:05", {START: {"anchor": "start", "value": 5.0}, END: {"anchor": "end", "value": 0.0}}),
])
def test_relative_ranges_have_one_typed_form(text, rng):
    assert parse(text).to_json()["steps"][0]["range"] == rng


def _cli_json(capsys, *argv):
    code = main(["parse", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_cli_parse_json_ranges_are_seconds_with_a_clip(capsys, clip):
    text = "sepia for the first half, then blur for the last 0.5 seconds, then warmer from 0:01"
    code, js = _cli_json(capsys, text, str(clip))  # the default test clip is 2 s long
    assert code == 0
    assert [s["range"] for s in js["steps"]] == [[0.0, 1.0], [1.5, 2.0], [1.0, 2.0]]
    code, js = _cli_json(capsys, text, "--duration", "10")
    assert [s["range"] for s in js["steps"]] == [[0.0, 5.0], [9.5, 10.0], [1.0, 10.0]]
    code, js = _cli_json(capsys, text)
    assert all(set(s["range"]) == {START, END} for s in js["steps"])


def test_cli_parse_shows_corrections(capsys):
    code, js = _cli_json(capsys, "make it brigther")
    assert code == 0 and js["corrections"] == [{"typed": "brigther", "corrected": "brighter", "start": 8, "end": 16}]
    assert main(["parse", "make it brigther"]) == 0
    assert "Corrected 'brigther' -> 'brighter'" in capsys.readouterr().out


def test_cli_parse_refuses_file_and_duration_together(capsys, clip):
    assert main(["parse", "sepia", str(clip), "--duration", "3"]) != 0
    assert "not both" in capsys.readouterr().err
