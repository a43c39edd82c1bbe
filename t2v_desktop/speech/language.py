"""Guess the language of a typed text cheaply, so only non-English text goes to a translation model.

Why not a model: commands and search queries are two to ten words, detectors trained on sentences
guess badly on those, and loading one costs more than the work. The writing system settles most
languages (Cyrillic, Greek, Arabic, Devanagari, Hangul, kana, Han); for Latin-script text the common
short words of each language decide (articles, prepositions, colours, editing verbs). English wins
ties. Quoted text ('Hola') is what the user wants shown or found, so it never counts.

One guesser, two callers: commands (commands/foreign.py, voice-over scripts) want to be sure
(COMMAND_WORDS, ``min_words=2, must_lead=True``: two common words of one language, more than
English and more than any other language's); a short search query (library/query.py) takes the
single word it has.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional

_SCRIPTS = (  # (first, last code point, language)
    (0x0400, 0x04FF, "ru"), (0x0370, 0x03FF, "el"), (0x0600, 0x06FF, "ar"), (0x0900, 0x097F, "hi"),
    (0xAC00, 0xD7AF, "ko"), (0x3040, 0x30FF, "ja"), (0x4E00, 0x9FFF, "zh"),
)
_UKRAINIAN = set("іїєґІЇЄҐ")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|«[^»]*»")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")  # "sous-titres" is one word


def _words(text: str) -> FrozenSet[str]:
    return frozenset(text.split())


# Common short words of each language: enough to tell a typed text's language, not a dictionary.
# Two tables because the words that matter differ, and a word shared with English (pt "a", "as",
# it "in") in the wrong table makes English commands look foreign: search words (function words,
# colours, times of day, places) for queries ...
SEARCH_WORDS: Dict[str, FrozenSet[str]] = {
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

# ... and function words, politeness and editing verbs for commands.
COMMAND_WORDS: Dict[str, FrozenSet[str]] = {
    "en": frozenset("the a an and of to in on at it is this that with for from by make add cut remove please "
              "my me all first last seconds title music captions video clip".split()),
    "es": frozenset("el la los las un una unos y de del al en con por para que es esto este esta más muy "
              "añade añadir agrega pon quita quitar elimina eliminar haz hazlo corta recorta primeros "
              "últimos segundos título música subtítulos vídeo video favor".split()),
    "fr": frozenset("le la les un une des et de du au aux en avec pour que est ce cette plus très ajoute "
              "ajouter mets enlève supprime supprimer coupe fais rends premières dernières secondes "
              "titre musique sous-titres vidéo plaît".split()),
    "de": frozenset("der die das ein eine und von zu im mit für ist es mehr sehr füge hinzu entferne "
              "schneide mach mache ersten letzten sekunden titel musik untertitel bitte".split()),
    "it": frozenset("il lo gli le un una e di del della con per che è più molto aggiungi togli rimuovi "
              "taglia fai rendi primi ultimi secondi titolo musica sottotitoli favore".split()),
    "pt": frozenset("o os as um uma e de do da no na com por para que é mais muito adicione adiciona "
              "remova remove corte faça deixe primeiros últimos segundos título música legendas "
              "favor".split()),
    "nl": frozenset("de het een en van in met voor dat is meer zeer voeg toe verwijder knip maak eerste "
              "laatste seconden titel muziek ondertitels alsjeblieft".split()),
}

_NAMES = {"es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
          "ru": "Russian", "uk": "Ukrainian", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic",
          "hi": "Hindi", "el": "Greek"}


def language_name(code: str) -> str:
    """'es' -> 'Spanish' (the code itself when unknown)."""
    return _NAMES.get(code, code)


def guess_language(text: str, min_words: int = 1, must_lead: bool = False,
                   words: Optional[Dict[str, FrozenSet[str]]] = None) -> Optional[str]:
    """ISO 639-1 code of ``text``'s language when it is not English, else None (English or unknown).

    ``min_words``: how many characters of a non-Latin script, or distinct common words of one
    language, it takes; ``must_lead``: the winning language must have more common words than the
    runner-up (else a tie such as 'de la' picks the first language listed); ``words``: the table
    of common words (SEARCH_WORDS unless given)."""
    words_of = SEARCH_WORDS if words is None else words
    bare = _QUOTED.sub(" ", text)
    counts: Dict[str, int] = {}
    for ch in bare:
        cp = ord(ch)
        for lo, hi, lang in _SCRIPTS:
            if lo <= cp <= hi:
                counts[lang] = counts.get(lang, 0) + 1
    if counts:
        lang = max(counts, key=counts.get)
        if sum(counts.values()) < min_words:
            return None
        if lang == "ru" and any(ch in _UKRAINIAN for ch in bare):
            return "uk"
        if lang == "zh" and "ja" in counts:
            return "ja"  # Japanese mixes kana with Han characters
        return lang
    typed = set(_WORD.findall(bare.lower()))  # distinct: "la la land" is one foreign word
    if not typed:
        return None
    score = {lang: len(typed & vocab) for lang, vocab in words_of.items()}
    foreign = [lang for lang in score if lang != "en"]
    best = max(foreign, key=lambda lang: score[lang])
    if score[best] < max(1, min_words) or score[best] <= score["en"]:
        return None
    if must_lead and sum(score[lang] == score[best] for lang in foreign) > 1:
        return None
    return best
