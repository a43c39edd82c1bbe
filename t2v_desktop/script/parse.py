"""Plain text or Markdown -> a Script: a title, sections (from headings) and scenes (paragraphs).

Markdown syntax is cleaned to what a narrator says: links keep their text, images, code blocks,
HTML, URLs, footnote marks and emoji go, list items and table rows become sentences. A paragraph
longer than ``MAX_SCENE_WORDS`` is split at sentence ends so no scene narrates for minutes. Every
step is one linear pass (regexes without nested repeats), so a 100,000-word text parses in about a
second; ``max_words`` trims at scene ends and the Script notes what was dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import List, Optional, Tuple

from ..errors import T2VError

MAX_CHARS = 4_000_000  # a 600,000-word book; more is not a script
MAX_SCENE_WORDS = 70  # about 25 s of narration
WORDS_PER_MINUTE = 160  # narration pace used for length estimates (espeak-ng's default is 175)
TITLE_MAX_WORDS = 12


class ScriptError(T2VError):
    """The text cannot become a script (empty, no sentences, not text)."""


@dataclass(frozen=True)
class Scene:
    """One paragraph: what is narrated over one visual."""

    text: str
    section: str = ""  # the heading it sits under ("" before the first heading)

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Section:
    heading: str
    scenes: Tuple[Scene, ...]


@dataclass(frozen=True)
class Script:
    title: str
    sections: Tuple[Section, ...]
    notes: Tuple[str, ...] = field(default=())  # what parsing changed (trimmed, split ...)

    @property
    def scenes(self) -> Tuple[Scene, ...]:
        return tuple(s for sec in self.sections for s in sec.scenes)

    @property
    def words(self) -> int:
        return sum(s.words for s in self.scenes)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.scenes)

    def estimated_seconds(self, wpm: float = WORDS_PER_MINUTE) -> float:
        """Narration length at ``wpm`` words a minute (the plan's estimate before any speech exists)."""
        return self.words * 60.0 / wpm


# -- cleaning ---------------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\]\n]{1,500})\]\([^)\n]{0,2000}\)")
_REF_LINK = re.compile(r"\[([^\]\n]{1,500})\]\[[^\]\n]{0,200}\]")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]\n]{1,200}\]:\s+\S")
_FOOTNOTE = re.compile(r"\[\^[^\]\n]{1,50}\]")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]{1,2000}>")
_URL = re.compile(r"\b(?:https?://|www\.)\S{1,2000}")
_HTML = re.compile(r"<[^<>\n]{1,500}>")
_CODE = re.compile(r"`{1,3}([^`\n]{0,500})`{1,3}")
_EMPH = re.compile(r"(\*{1,3}|_{1,3}|~~)(?=\S)(.{0,2000}?\S)\1")
_SPACES = re.compile(r"[ \t\u00a0]+")
_FRONT = re.compile(r"\A---\s*\n.{0,20000}?\n---\s*\n", re.DOTALL)
_HAS_WORD = re.compile(r"[^\W_]")
_SPACE_PUNCT = re.compile(r"\s+([.,!?;:])(?=\s|$)")  # "early ." (an emoji gone) -> "early.", never ".srt"


def _drop_symbols(text: str) -> str:
    """Emoji, pictographs and other symbols a narrator would read out by name, and invisible joiners."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("So", "Cs", "Co", "Cn") or ch in "\u200d\ufe0f\ufe0e\u20e3":
            continue
        out.append(ch)
    return "".join(out)


def clean_inline(text: str) -> str:
    """One line of Markdown as it is said: links keep their words; images, code marks, HTML, URLs,
    emphasis marks and emoji go."""
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _FOOTNOTE.sub("", text)
    text = _AUTOLINK.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HTML.sub(" ", text)
    text = _CODE.sub(r"\1", text)
    for _ in range(2):  # nested **_bold italic_**
        text = _EMPH.sub(r"\2", text)
    text = text.replace("\\", "")
    text = _drop_symbols(text)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_PUNCT.sub(r"\1", text)


def _sentence(text: str) -> str:
    """A list item or table row as a sentence: ends with punctuation so the narrator pauses."""
    text = text.strip()
    if text and text[-1] not in ".!?:;…":
        text += "."
    return text


# -- sentences ----------------------------------------------------------------------------------------

_ABBREV = frozenset("mr mrs ms dr prof st jr sr vs etc e.g i.e u.s u.k inc ltd co no fig approx ca cf al".split())
_SENT_END = re.compile(r"[.!?…]+[\"')\]\u201d\u2019]*\s+")


def split_sentences(text: str) -> List[str]:
    """Sentences of ``text`` (breaks after . ! ? followed by a space, not after Mr. / e.g. / 3.5)."""
    out: List[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        before = text[start:m.start() + 1].rsplit(None, 1)
        last = before[-1].lower().rstrip(".") if before else ""
        nxt = text[end:end + 1]
        if last in _ABBREV or (len(last) == 1 and last.isalpha() and m.group(0).startswith(".")):
            continue  # "Dr. Smith", "J. R. R."
        if nxt and nxt.islower():
            continue  # "e.g. the" written without our list
        out.append(text[start:end].strip())
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if _HAS_WORD.search(s)]


# -- blocks ------------------------------------------------------------------------------------------

@dataclass
class _Block:
    kind: str  # "heading" | "para" | "break"
    text: str
    level: int = 0


def _blocks(text: str) -> List[_Block]:
    """Headings, paragraphs and breaks of Markdown/plain text, in order, cleaned."""
    text = _FRONT.sub("", text, count=1)
    lines = text.split("\n")
    blocks: List[_Block] = []
    para: List[str] = []
    in_fence = False

    def flush() -> None:
        if para:
            joined = _SPACES.sub(" ", " ".join(para)).strip()
            if joined:
                blocks.append(_Block("para", joined))
            para.clear()

    for raw in lines:
        if _FENCE.match(raw):
            in_fence = not in_fence
            flush()
            continue
        if in_fence or raw.startswith("    ") and not para and raw.strip() and not _LIST.match(raw):
            continue  # code: never narrated
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        m = _ATX.match(line)
        if m:
            flush()
            blocks.append(_Block("heading", clean_inline(m.group(2)), len(m.group(1))))
            continue
        if para and _SETEXT.match(line) and len(para) == 1:
            heading = para.pop()
            blocks.append(_Block("heading", clean_inline(heading), 1 if line.strip()[0] == "=" else 2))
            continue
        if _RULE.match(line):
            flush()
            blocks.append(_Block("break", ""))
            continue
        if _REF_DEF.match(line) or _TABLE_SEP.match(line):
            continue
        line = _QUOTE.sub("", line)
        if _LIST.match(line):
            line = _sentence(clean_inline(_LIST.sub("", line, count=1)))
        elif line.strip().startswith("|") or line.count("|") >= 2:
            cells = [clean_inline(c) for c in line.strip().strip("|").split("|")]
            line = _sentence(", ".join(c for c in cells if c))
        else:
            line = clean_inline(line)
        if line:
            para.append(line)
    flush()
    return blocks


def _looks_like_heading(text: str) -> bool:
    """Plain text's headings: one short line with no sentence punctuation at its end."""
    return (len(text.split()) <= TITLE_MAX_WORDS and text[-1:] not in ".!?,;…" and "\n" not in text
            and len(text) <= 120)


def _chunks(text: str, limit: int) -> List[str]:
    """``text`` in pieces of whole sentences of at most ``limit`` words (a longer sentence alone)."""
    if len(text.split()) <= limit:
        return [text]
    out: List[str] = []
    cur: List[str] = []
    n = 0
    for s in split_sentences(text):
        k = len(s.split())
        if cur and n + k > limit:
            out.append(" ".join(cur))
            cur, n = [], 0
        cur.append(s)
        n += k
    if cur:
        out.append(" ".join(cur))
    return out


# -- the parser ----------------------------------------------------------------------------------

def read_text(path) -> str:
    """A script file's text (UTF-8, or Latin-1 when it is not), refusing binaries and huge files."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_CHARS * 4:
            raise ScriptError(f"{p} is {size / 1e6:.0f} MB; a script is text of at most "
                              f"{MAX_CHARS // 1_000_000} million characters. Pass a shorter text.")
        data = p.read_bytes()
    except FileNotFoundError:
        raise ScriptError(f"No script at {p}; pass a .txt or .md file.") from None
    except IsADirectoryError:
        raise ScriptError(f"{p} is a folder; pass a .txt or .md file.") from None
    except OSError as e:
        raise ScriptError(f"Cannot read {p}: {e.strerror or e}.") from None
    if b"\0" in data[:65536]:
        raise ScriptError(f"{p} is not a text file (it holds binary data); pass a .txt or .md script.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_script(text: str, *, title: Optional[str] = None, max_words: Optional[int] = None,
                 max_scene_words: int = MAX_SCENE_WORDS) -> Script:
    """The Script of ``text`` (plain or Markdown). ``title`` overrides the one found (the first
    heading, or a short first line). ``max_words`` keeps whole scenes up to that many words (a first
    scene longer than that is cut at a sentence end) and says so in ``notes``. ScriptError when no
    sentence is left to narrate."""
    if not isinstance(text, str):
        raise ScriptError("A script is text.")
    if len(text) > MAX_CHARS:
        raise ScriptError(f"The script has {len(text):,} characters; at most {MAX_CHARS:,} are read. "
                          f"Pass a shorter text, or --article to summarise it first.")
    if max_words is not None and max_words < 1:
        raise ScriptError(f"The maximum length must be at least one word, got {max_words}.")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = _blocks(text)
    markdown = any(b.kind == "heading" for b in blocks)
    found_title = ""
    # the title: a leading level-1 heading, else (plain text) a short first line before more text
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        found_title = blocks.pop(0).text
    elif (not markdown and len(blocks) > 1 and blocks[0].kind == "para"
          and _looks_like_heading(blocks[0].text)):
        found_title = blocks.pop(0).text
    sections: List[Tuple[str, List[Scene]]] = [("", [])]
    notes: List[str] = []
    split = 0
    for k, b in enumerate(blocks):
        if b.kind == "break":
            continue
        plain_heading = (not markdown and b.kind == "para" and _looks_like_heading(b.text)
                         and k + 1 < len(blocks) and blocks[k + 1].kind == "para")
        if b.kind == "heading" or plain_heading:
            if b.text and _HAS_WORD.search(b.text):
                sections.append((b.text, []))
            continue
        if not split_sentences(b.text):
            continue  # emoji only, punctuation only
        parts = _chunks(b.text, max_scene_words)
        split += len(parts) - 1
        sections[-1][1].extend(Scene(p, sections[-1][0]) for p in parts)
    if split:
        notes.append(f"{split} long paragraph part{'s' * (split != 1)} became scenes of their own "
                     f"(at most {max_scene_words} words a scene)")
    kept = [(h, tuple(s)) for h, s in sections if s]
    if not kept:
        raise ScriptError("The script has no sentences to narrate (only headings, symbols, emoji or code). "
                          "Write at least one sentence of words.")
    script = Script(title=(title or found_title or _title_from(kept[0][1][0].text)).strip()[:200],
                    sections=tuple(Section(h, s) for h, s in kept), notes=tuple(notes))
    if max_words is not None and script.words > max_words:
        script = trim(script, max_words)
    return script


def _title_from(text: str) -> str:
    first = split_sentences(text)[0] if split_sentences(text) else text
    words = first.rstrip(".!?…").split()
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def trim(script: Script, max_words: int) -> Script:
    """Whole scenes up to ``max_words`` (the first scene cut at a sentence end when it alone is
    longer), with a note saying how much was left out."""
    total = script.words
    left = max_words
    sections: List[Section] = []
    for sec in script.sections:
        scenes: List[Scene] = []
        for sc in sec.scenes:
            if sc.words <= left:
                scenes.append(sc)
                left -= sc.words
                continue
            if not sections and not scenes:  # nothing kept yet: keep the sentences that fit
                kept, n = [], 0
                for s in split_sentences(sc.text):
                    if n + len(s.split()) > left:
                        break
                    kept.append(s)
                    n += len(s.split())
                if not kept:  # one sentence longer than the limit: its first words
                    kept = [" ".join(sc.text.split()[:left]) + "…"]
                scenes.append(replace(sc, text=" ".join(kept)))
            left = 0
            break
        if scenes:
            sections.append(Section(sec.heading, tuple(scenes)))
        if left <= 0:
            break
    out = Script(script.title, tuple(sections), script.notes)
    note = (f"trimmed to the first {out.words:,} of {total:,} words (about "
            f"{out.estimated_seconds() / 60:.1f} of {script.estimated_seconds() / 60:.1f} minutes)")
    return replace(out, notes=script.notes + (note,))
