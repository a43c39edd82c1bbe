"""Guess the language of a short search query, so only non-English queries go to a translation model.

Why not a model: a query is two to six words, detectors trained on sentences guess badly on those,
and loading one costs more than the search. The writing system settles most languages (Cyrillic,
Greek, Arabic, Devanagari, Hangul, kana, Han); for Latin-script queries the common short words of
each language decide ("coche rojo de noche": "de" and the accent-free Spanish words). English wins
ties: a query with as many English words as foreign ones is searched as typed.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional

_SCRIPTS = (  # (first, last code point, language)
    (0x0400, 0x04FF, "ru"), (0x0370, 0x03FF, "el"), (0x0600, 0x06FF, "ar"), (0x0900, 0x097F, "hi"),
    (0xAC00, 0xD7AF, "ko"), (0x3040, 0x30FF, "ja"), (0x4E00, 0x9FFF, "zh"),
)
_UKRAINIAN = set("іїєґІЇЄҐ")


def _words(text: str) -> FrozenSet[str]:
    return frozenset(text.split())


# Common short words and search words of each language (function words, colours, times of day):
# enough to tell a typed query's language, not a dictionary.
_LATIN: Dict[str, FrozenSet[str]] = {
    "en": _words("the a an of at in on with and or to for by from is are shot shots clip clips video "
                 "where says said red blue green yellow black white orange pink purple grey gray brown "
                 "night day dark bright sunset car beach city street people dog man woman she he they "
                 "text sign find show me some any that this sale welcome music water sky road"),
    "es": _words("el la los las un una unos unas de del en con y o para por que es son se dice dijo "
                 "rojo roja azul verde amarillo negro negra blanco blanca noche día playa coche perro "
                 "calle ciudad gente mujer hombre ella él donde cielo agua atardecer oscuro claro"),
    "fr": _words("le la les un une des de du au aux en avec et ou pour par que est sont dit rouge bleu "
                 "vert jaune noir noire blanc blanche nuit jour plage voiture chien rue ville gens "
                 "femme homme elle il où ciel eau coucher sombre clair"),
    "de": _words("der die das ein eine einen dem den des und oder mit bei im am auf für von zu ist sind "
                 "sagt rot rote roten blau grün gelb schwarz weiß nacht tag strand auto hund straße "
                 "stadt leute frau mann sie er wo himmel wasser sonnenuntergang dunkel hell"),
    "it": _words("il lo la gli le un una di del della in con e o per che è sono dice rosso rossa blu "
                 "verde giallo nero nera bianco bianca notte giorno spiaggia macchina cane strada città "
                 "gente donna uomo lei lui dove cielo acqua tramonto scuro chiaro"),
    "pt": _words("o a os as um uma de do da dos das em no na com e ou para por que é são diz vermelho "
                 "vermelha azul verde amarelo preto preta branco branca noite dia praia carro cachorro "
                 "rua cidade gente mulher homem ela ele onde céu água pôr escuro claro"),
    "nl": _words("de het een van in op met en of voor door dat is zijn zegt rood rode blauw groen geel "
                 "zwart wit nacht dag strand auto hond straat stad mensen vrouw man zij hij waar lucht "
                 "water zonsondergang donker licht"),
}


def guess_language(text: str) -> Optional[str]:
    """ISO 639-1 code of ``text``'s language when it is not English, else None (English or unknown)."""
    counts: Dict[str, int] = {}
    for ch in text:
        cp = ord(ch)
        for lo, hi, lang in _SCRIPTS:
            if lo <= cp <= hi:
                counts[lang] = counts.get(lang, 0) + 1
    if counts:
        lang = max(counts, key=counts.get)
        if lang == "ru" and any(ch in _UKRAINIAN for ch in text):
            return "uk"
        if lang == "zh" and "ja" in counts:
            return "ja"  # Japanese mixes kana with Han characters
        return lang
    tokens = re.findall(r"[^\W\d_]+", text.lower())
    if not tokens:
        return None
    score = {lang: sum(t in vocab for t in tokens) for lang, vocab in _LATIN.items()}
    best = max((lang for lang in score if lang != "en"), key=lambda lang: score[lang])
    if score[best] == 0 or score[best] <= score["en"]:
        return None
    return best
