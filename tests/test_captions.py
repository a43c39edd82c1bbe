"""Caption segmentation rules on a long synthetic transcript with known pauses and punctuation."""

import random

from t2v_desktop.speech.captions import segment
from t2v_desktop.speech.transcript import Transcript, Word


def _transcript(n=400, seed=3):
    rng = random.Random(seed)
    vocab = ["the", "storm", "is", "coming", "please", "stay", "indoors", "tonight", "hurricane",
             "warning", "for", "coastal", "areas", "everyone", "should", "prepare", "water", "and", "food"]
    words, t = [], 0.0
    for k in range(n):
        text = rng.choice(vocab)
        if k % 11 == 10:
            text += "."
        elif k % 7 == 6:
            text += ","
        dur = 0.15 + 0.05 * len(text) / 2
        words.append(Word(text, t, t + dur))
        t += dur + (0.5 if text.endswith(".") else 0.08)
    return Transcript(tuple(words), duration=t)


def test_every_cue_is_readable_and_covers_all_words():
    tr = _transcript()
    cues = segment(tr)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == tr.text  # no word lost or split
    for c in cues:
        lines = c.text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 42 for line in lines), c
        assert 1.0 - 1e-6 <= c.end - c.start <= 7.0 + 1e-6, c
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end <= b.start + 1e-6
    # most breaks fall at punctuation (full stops come every 11 words, commas every 7)
    at_punct = sum(c.text[-1] in ".," for c in cues[:-1])
    assert at_punct >= 0.8 * (len(cues) - 1), [c.text for c in cues]


def test_lines_are_balanced():
    words = tuple(Word(w, i * 0.3, i * 0.3 + 0.25) for i, w in enumerate(
        "everyone along the coast should prepare water and food tonight".split()))
    (cue,) = segment(Transcript(words))
    a, b = cue.text.split("\n")
    assert abs(len(a) - len(b)) <= 10


def test_cue_words_round_trip_and_old_projects_load():
    from t2v_desktop.project.model import SubtitleTrack

    cues = segment(_transcript(40))
    assert all(c.words and abs(c.words[0][0] - c.start) < 1e-3 for c in cues)
    track = SubtitleTrack(cues)
    back = SubtitleTrack.from_json(track.to_json())
    assert back.cues[0].words == tuple((round(s, 3), round(e, 3), t) for s, e, t in cues[0].words)
    old = SubtitleTrack.from_json({"cues": [[0.0, 1.5, "hello"]]})
    assert old.cues[0].words == () and old.to_json()["cues"] == [[0.0, 1.5, "hello"]]
