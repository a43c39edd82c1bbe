"""Speech recognition speed and accuracy: each installed backend on a 5-minute espeak-ng speech file.

Synthesises a known text (plain paragraphs below, read by espeak-ng's en-us voice) to a WAV of about
--minutes, then times, in the same run,
  ffmpeg:   ffmpeg -i speech.wav -f null -  (decoding alone: the reference row)
  sphinx:   speech.asr.transcribe(backend="sphinx")   (pocketsphinx, the embedded default)
  whisper:  speech.asr.transcribe(backend="whisper")  (when a Whisper model is found locally)
  faster-whisper: speech.asr.transcribe(backend="faster-whisper") (package + CTranslate2 model found)
  align:    speech.align.align(speech, known text)    (forced alignment; --align)
and prints wall and CPU seconds, the real-time factor (audio seconds / wall seconds; goal for the
default: >= 3 on a 2-core machine; also per CPU second, which a busy machine does not stretch) and the word error rate against the known text (jiwer when
installed, else the same edit distance on words). Caches are bypassed. The load average is printed:
other work on the machine slows every row alike. A backend that is not installed gets a line saying
why (the missing model or package and how to fetch it) instead of a row.

    python bench/transcribe.py [--minutes 5] [--model PATH] [--faster-model PATH] [--align] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARAGRAPHS = [
    "The storm is expected to reach the coast late tonight. Residents should stay indoors, keep away "
    "from windows, and charge their phones before the power goes out. Emergency services will be "
    "available throughout the night, and schools will remain closed tomorrow.",
    "Rivers in the northern valley are already high after a week of rain. Officials ask people who live "
    "near the water to move their cars to higher ground and to follow the advice of the local radio "
    "station. Do not walk or drive through moving water, even when it looks shallow.",
    "A small library in the old market square has opened its doors again after two years of repairs. "
    "The new reading room has large windows, long wooden tables and a corner for children. Volunteers "
    "will read stories every Saturday morning, and entry is free for everyone.",
    "The city council has agreed to plant three thousand trees along the main roads over the next five "
    "years. Each street will choose its own trees from a short list. The council says that the shade "
    "will keep the houses cooler in summer and the air cleaner all year.",
    "Farmers in the south report a good harvest of apples and pears this autumn. The warm days of "
    "September gave the fruit time to ripen, and there was little damage from insects. Prices at the "
    "weekly market are lower than last year, and the shops expect a busy season.",
    "Doctors remind everyone to wash their hands often during the winter months. A simple habit like "
    "this one stops many illnesses from spreading at work and at school. People who feel unwell should "
    "rest at home, drink plenty of water and call their doctor if the fever does not go down.",
    "The night train between the two capitals will run again from the first of March. Passengers can "
    "book a seat or a small cabin with two beds. The journey takes eleven hours, and breakfast is "
    "served before the train arrives in the morning.",
    "Students from the technical college have built a boat that runs on sunlight alone. The boat is "
    "light, quiet and slow, but it can carry four people across the lake and back on a single sunny "
    "afternoon. The team hopes to enter a race on the river next summer.",
]


def words(text: str) -> list:
    return [w for w in re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split() if w]


def word_error_rate(ref: str, hyp: str) -> float:
    try:
        import jiwer

        return float(jiwer.wer(" ".join(words(ref)), " ".join(words(hyp)) or "-"))
    except ImportError:
        r, h = words(ref), words(hyp)
        d = list(range(len(h) + 1))
        for i, rw in enumerate(r, 1):
            prev, d[0] = d[0], i
            for j, hw in enumerate(h, 1):
                prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (rw != hw))
        return d[len(h)] / max(1, len(r))


def make_speech(folder: Path, minutes: float) -> tuple:
    """(wav path, known text, duration): paragraphs read until about ``minutes`` of speech."""
    import wave

    exe = shutil.which("espeak-ng")
    if exe is None:
        sys.exit("espeak-ng is not installed (apt install espeak-ng)")
    path = folder / f"speech-{minutes:g}min.wav"
    # about 175 words a minute at -s 160 (measured); one paragraph is ~48 words
    n = max(1, int(round(minutes * 175 / 48)))
    text = "\n\n".join(PARAGRAPHS[i % len(PARAGRAPHS)] for i in range(n))
    if not path.exists():
        subprocess.run([exe, "-v", "en-us", "-s", "160", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        duration = w.getnframes() / w.getframerate()
    return path, text, duration


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--model", help="Whisper model folder or Hub id (else the usual places)")
    ap.add_argument("--faster-model", help="CTranslate2 Whisper folder for faster-whisper (else the usual places)")
    ap.add_argument("--align", action="store_true", help="also time forced alignment of the known text")
    ap.add_argument("--workdir", help="keep the speech file here (default: a temp folder)")
    args = ap.parse_args()
    folder = Path(args.workdir or tempfile.mkdtemp(prefix="t2v-bench-asr-"))
    folder.mkdir(parents=True, exist_ok=True)
    path, text, duration = make_speech(folder, args.minutes)
    print(f"speech: {path} ({duration:.1f} s, {len(words(text))} words, espeak-ng en-us)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cores: {os.cpu_count()}")
    rows = []
    if shutil.which("ffmpeg"):
        _, wall, _ = timed(lambda: subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                                                  check=True))
        rows.append(("ffmpeg decode (reference)", wall, None, None))
    from t2v_desktop.errors import T2VError
    from t2v_desktop.speech import asr, fwhisper, whisper

    t, wall, cpu = timed(lambda: asr.transcribe(path, backend="sphinx", use_cache=False))
    rows.append(("sphinx (pocketsphinx)", wall, cpu, word_error_rate(text, t.text)))
    try:
        model = whisper.find_model(args.model)
    except T2VError as e:
        print(f"whisper: skipped: {e}")
    else:
        t, wall, cpu = timed(lambda: asr.transcribe(path, backend="whisper", model=str(model), language="en",
                                                    use_cache=False))
        rows.append((f"whisper ({model.name})", wall, cpu, word_error_rate(text, t.text)))
    try:
        fmodel = fwhisper.find_model(args.faster_model)
        if not fwhisper.available():
            raise T2VError(f"the package is not installed: {fwhisper.INSTALL}")
    except T2VError as e:
        print(f"faster-whisper: skipped: {e}")
    else:
        t, wall, cpu = timed(lambda: asr.transcribe(path, backend="faster-whisper", model=str(fmodel),
                                                    language="en", use_cache=False))
        rows.append((f"faster-whisper ({fmodel.name})", wall, cpu, word_error_rate(text, t.text)))
    if args.align:
        from t2v_desktop.speech.align import align

        t, wall, cpu = timed(lambda: align(path, text, use_cache=False))
        rows.append(("align (pocketsphinx)", wall, cpu, word_error_rate(text, t.text)))
    # "x real time (cpu)": audio seconds per CPU second of this process, what the wall figure would
    # be on an otherwise idle core (a busy machine stretches wall time, not CPU time)
    print(f"\n{'backend':28s} {'wall s':>8s} {'cpu s':>8s} {'x real time':>12s} {'x rt (cpu)':>11s} {'WER':>6s}")
    for name, wall, cpu, wer in rows:
        per_cpu = f"{duration / cpu:11.1f}" if cpu else f"{'':11s}"
        print(f"{name:28s} {wall:8.2f} {cpu if cpu is not None else float('nan'):8.2f} {duration / wall:12.1f} "
              f"{per_cpu} {'' if wer is None else f'{wer:6.1%}'}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
