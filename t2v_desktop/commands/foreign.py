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
from typing import Callable, Optional

from ..speech.language import COMMAND_WORDS, language_name
from ..speech.language import guess_language as _guess
from .plan import ParseError, Plan

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|«[^»]*»")


def guess_language(text: str) -> Optional[str]:
    """An ISO 639-1 code when ``text`` is confidently not English, else None: a command in English
    must never pay for a translation, so two words of one language, ahead of English and of every
    other language, or two characters of its script."""
    return _guess(text, min_words=2, must_lead=True, words=COMMAND_WORDS)


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
