"""Commands typed in another language: guessed cheaply, translated to English by a local model.

Only a command the parser does not understand gets here (parser.parse), so English commands never
pay for it. The guess is deliberately conservative: the script (Cyrillic, CJK, Arabic, ...) or at
least two common words of one language and more of them than English ones. The translation comes
from speech.translate (Marian opus-mt-<src>-en, NLLB or M2M100, offline); without a model the
message names the one to fetch. Quoted text ('Hola') is what the user wants shown, so it is put
back untranslated. The plan says what was parsed: "Translated from Spanish: 'add a title ...'".
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Optional

from .plan import ParseError, Plan

# common short words (articles, prepositions, pronouns, politeness) and a few editing verbs
_WORDS: Dict[str, set] = {
    "en": set("the a an and of to in on at it is this that with for from by make add cut remove please "
              "my me all first last seconds title music captions video clip".split()),
    "es": set("el la los las un una unos y de del al en con por para que es esto este esta más muy "
              "añade añadir agrega pon quita quitar elimina eliminar haz hazlo corta recorta primeros "
              "últimos segundos título música subtítulos vídeo video favor".split()),
    "fr": set("le la les un une des et de du au aux en avec pour que est ce cette plus très ajoute "
              "ajouter mets enlève supprime supprimer coupe fais rends premières dernières secondes "
              "titre musique sous-titres vidéo plaît".split()),
    "de": set("der die das ein eine und von zu im mit für ist es mehr sehr füge hinzu entferne "
              "schneide mach mache ersten letzten sekunden titel musik untertitel bitte".split()),
    "it": set("il lo gli le un una e di del della con per che è più molto aggiungi togli rimuovi "
              "taglia fai rendi primi ultimi secondi titolo musica sottotitoli favore".split()),
    "pt": set("o os as um uma e de do da no na com por para que é mais muito adicione adiciona "
              "remova remove corte faça deixe primeiros últimos segundos título música legendas "
              "favor".split()),
    "nl": set("de het een en van in met voor dat is meer zeer voeg toe verwijder knip maak eerste "
              "laatste seconden titel muziek ondertitels alsjeblieft".split()),
}
_SCRIPTS = (("ru", r"[\u0400-\u04ff]"), ("ja", r"[\u3040-\u30ff]"), ("zh", r"[\u4e00-\u9fff]"),
            ("ko", r"[\uac00-\ud7af]"), ("ar", r"[\u0600-\u06ff]"), ("hi", r"[\u0900-\u097f]"),
            ("el", r"[\u0370-\u03ff]"))
_NAMES = {"es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
          "ru": "Russian", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic", "hi": "Hindi",
          "el": "Greek"}
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|«[^»]*»")


def guess_language(text: str) -> Optional[str]:
    """An ISO 639-1 code when ``text`` is confidently not English, else None."""
    bare = _QUOTED.sub(" ", text)  # a quoted title may be in any language
    for code, rx in _SCRIPTS:
        if len(re.findall(rx, bare)) >= 2:
            return code
    words = set(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", bare.lower()))  # distinct: "la la land" is one
    if not words:
        return None
    english = sum(w in _WORDS["en"] for w in words)
    scores = {code: sum(w in vocab for w in words) for code, vocab in _WORDS.items() if code != "en"}
    best = max(scores, key=lambda c: scores[c])
    ahead = sorted(scores.values())[-2] if len(scores) > 1 else 0
    if scores[best] >= 2 and scores[best] > english and scores[best] > ahead:
        return best
    return None


def language_name(code: str) -> str:
    return _NAMES.get(code, code)


def translate_to_english(text: str, source: str) -> str:
    """The text in English through the local translation model (tests replace this function)."""
    from ..speech.translate import translate_texts

    return translate_texts([text], "en", source=source)[0]


def _keep_quotes(original: str, translated: str) -> str:
    """Put the original's quoted texts back in place of the translation's, in order, when the
    translation kept as many quotes."""
    said, got = _QUOTED.findall(original), list(_QUOTED.finditer(translated))
    if not said or len(said) != len(got):
        return translated
    out, at = [], 0
    for m, q in zip(got, said, strict=True):
        out += [translated[at:m.start()], "'" + q[1:-1] + "'"]
        at = m.end()
    return "".join(out) + translated[at:]


def parse_foreign(text: str, context, err: ParseError, parse: Callable[[str, object], Plan]) -> Plan:
    """The plan of ``text`` translated to English, or ``err`` again when it does not look foreign.
    A missing model is a ParseError that names the model to fetch."""
    from ..errors import T2VError

    code = guess_language(text) if isinstance(text, str) else None
    if code is None:
        raise err
    name = language_name(code)
    try:
        english = translate_to_english(text, code)
    except T2VError as e:  # ModelMissing says where it looked and the model to fetch
        raise ParseError(f"That looks like {name} and commands are understood in English; to type them in "
                         f"{name}, install a translation model. {e}") from None
    english = _keep_quotes(text, " ".join(english.split()))
    if not english:
        raise ParseError(f"That looks like {name}, but the translation model gave no English for it; "
                         "rephrase it, or type it in English.")
    try:
        plan = parse(english, context)
    except ParseError as again:
        raise ParseError(f"Translated from {name} as '{english}', but: {again}", again.suggestions) from None
    plan.text = text
    plan.translated_from, plan.translation = name, english
    return plan
