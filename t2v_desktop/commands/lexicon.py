"""The classic vocabulary: which words name which operation, and in which direction.

One table of phrases (regular expressions over lower-case text) per operation, plus how a number
in the same clause maps onto the op's parameter. Suggestions for unknown text are drawn from the
``canonical`` phrases here and the registry's names and synonyms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Tuple

_CLIP = r"(?:\s+(?:it|this|that|things|everything|the\s+(?:video|clip|footage|image|picture|shot|colou?rs?|scene)))?"


@dataclass(frozen=True)
class Phrase:
    op: str
    pattern: "re.Pattern[str]"
    sign: int = 1  # +1 more, -1 less, 0 neutral (a typed sign decides)
    fixed: Tuple[Tuple[str, object], ...] = ()  # params the words themselves set
    scene: bool = False  # a look that is also a scene: "make it sunset" goes generative
    canonical: str = ""


#: op -> (parameter the amount goes to, how numbers read: fraction / stops / value / degrees /
#: pixels / factor / db / lufs / seconds / none)
AMOUNT: Dict[str, Tuple[str, str]] = {
    "brightness": ("amount", "fraction"),
    "contrast": ("amount", "fraction"),
    "saturation": ("amount", "fraction"),
    "temperature": ("amount", "fraction"),
    "tint": ("amount", "fraction"),
    "exposure": ("stops", "stops"),
    "gamma": ("gamma", "value"),
    "hue": ("degrees", "degrees"),
    "black_and_white": ("amount", "fraction"),
    "sepia": ("amount", "fraction"),
    "vintage": ("amount", "fraction"),
    "sunset": ("amount", "fraction"),
    "teal_orange": ("amount", "fraction"),
    "night": ("amount", "fraction"),
    "high_contrast": ("amount", "fraction"),
    "lut": ("amount", "fraction"),
    "blur": ("radius", "pixels"),
    "sharpen": ("amount", "fraction"),
    "denoise": ("strength", "fraction"),
    "zoom": ("factor", "factor"),
    "rotate": ("degrees", "degrees"),
    "speed": ("factor", "factor"),
    "volume": ("gain_db", "db"),
    "normalize": ("target_lufs", "lufs"),
    "stabilize": ("strength", "fraction"),
    "deflicker": ("strength", "fraction"),
    "fade_in": ("duration", "seconds"),
    "fade_out": ("duration", "seconds"),
    "audio_fade_in": ("duration", "seconds"),
    "audio_fade_out": ("duration", "seconds"),
}

#: (small, large) for "a bit" / "a lot" where the registry's rule of thumb reads badly.
LEVELS: Dict[str, Tuple[float, float]] = {
    "speed": (1.25, 3.0),
    "zoom": (1.25, 3.0),
    "volume": (3.0, 12.0),
    "fade_in": (0.5, 3.0),
    "fade_out": (0.5, 3.0),
    "audio_fade_in": (0.5, 3.0),
    "audio_fade_out": (0.5, 3.0),
    "rotate": (5.0, 45.0),
}

_AUDIO = r"(?:the\s+)?(?:audio|sound|music|volume)"
_UP = r"(?:increase|raise|boost|turn\s+up|bump(?:\s+up)?|crank\s+up|push|up|add|more|higher)"
_DOWN = r"(?:decrease|reduce|lower|turn\s+down|bump\s+down|cut|less|tone\s+down|pull\s+down|drop)"

#: Where a video is going: sets crop's aspect (extract.py): TikTok, Reels, Shorts and stories 9:16,
#: Instagram 1:1 ("instagram portrait" 4:5), YouTube 16:9.
PLATFORM = (r"(?:the\s+)?(?:tik[\s-]?tok|(?:insta(?:gram)?|ig|facebook|fb)(?:\s+(?:reels?|story|stories|post|feed|portrait|"
            r"square))?|(?:youtube|yt)(?:\s+shorts)?|reels|shorts)(?:\s+(?:format|video|aspect(?:\s+ratio)?))?")

# (op, sign, canonical phrase, [patterns], fixed params, scene)
_TABLE: List[tuple] = [
    ("brightness", 1, "make it brighter", [
        r"bright(?:er|en(?:\s+up)?)" + _CLIP, r"(?:more\s+)?brightn?ess\s+up", r"lighten(?:\s+up)?" + _CLIP, r"lighter",
        _UP + r"\s+(?:the\s+)?brightness", r"more\s+(?:bright|brightness|light)",
        r"less\s+dark"], {}),
    ("brightness", -1, "make it darker", [
        r"dark(?:er|en)" + _CLIP, r"dimm?(?:er)?" + _CLIP, r"less\s+bright", r"brightness\s+down",
        _DOWN + r"\s+(?:the\s+)?brightness", r"more\s+dark"], {}),
    ("brightness", 0, "brightness +0.2", [r"brightness"], {}),
    ("contrast", 1, "increase contrast", [
        _UP + r"\s+(?:the\s+)?contrast", r"increased\s+contrast", r"contrast\s+up",
        r"punchier", r"more\s+punch", r"contrastier"], {}),
    ("contrast", -1, "less contrast", [
        _DOWN + r"\s+(?:the\s+)?contrast", r"(?:decreased|reduced|soften)\s+contrast", r"contrast\s+down", r"flatter",
        r"flatten" + _CLIP], {}),
    ("contrast", 0, "contrast +0.2", [r"contrast"], {}),
    ("saturation", 1, "more saturated", [
        _UP + r"\s+(?:the\s+)?(?:saturat(?:ion|ed)|colou?rs?|colou?rfulness)",
        r"saturate" + _CLIP, r"(?:more\s+)?(?:vivid|vibrant|colou?rful)", r"richer\s+colou?rs?", r"saturation\s+up",
        r"make\s+the\s+colou?rs?\s+pop", r"colou?rs?\s+pop", r"pop"], {}),
    ("saturation", -1, "desaturate", [
        r"de-?saturate" + _CLIP, _DOWN + r"\s+(?:the\s+)?(?:saturat(?:ion|ed)|colou?rs?)",
        r"muted\s+colou?rs?", r"mute\s+the\s+colou?rs?", r"less\s+colou?rful", r"washed[\s-]out", r"saturation\s+down",
        r"tone\s+down\s+the\s+colou?rs?", r"colou?rs?\s+less\s+(?:intense|vivid|strong)",
        r"less\s+(?:intense|vivid|strong)\s+colou?rs?"], {}),
    ("saturation", 0, "saturation +0.3", [r"saturation"], {}),
    ("exposure", 1, "increase exposure", [
        _UP + r"\s+(?:the\s+)?exposure", r"overexpose", r"exposure\s+up"], {}),
    ("exposure", -1, "decrease exposure", [
        _DOWN + r"\s+(?:the\s+)?exposure", r"underexpose", r"exposure\s+down"], {}),
    ("exposure", 0, "exposure +1 stop", [r"exposure"], {}),
    ("gamma", 0, "gamma 1.2", [r"gamma"], {}),
    ("temperature", 1, "make it warmer", [
        r"warm(?:er)?(?:\s+(?:it|this|things|the\s+(?:video|clip|footage|image|colou?rs?))?\s*up)?", r"warm\s+tones?",
        _UP + r"\s+(?:the\s+)?(?:temperature|warmth)", r"temperature\s+up", r"more\s+orange", r"more\s+red", r"redder", r"(?:orange|warm)\s+(?:tint|cast)"], {}),
    ("temperature", -1, "make it cooler", [
        r"cool(?:er)?(?:\s+(?:it|this|things|the\s+(?:video|clip|footage|image|colou?rs?))?\s*down)?", r"cold(?:er)?",
        r"cool\s+tones?", _DOWN + r"\s+(?:the\s+)?(?:temperature|warmth)", r"temperature\s+down",
        r"less\s+warm", r"bluer", r"more\s+blue", r"blue\s+(?:tint|cast)", r"bluish"], {}),
    ("temperature", 0, "temperature +0.3", [r"(?:colou?r\s+)?temperature", r"white\s+balance"], {}),
    ("tint", 1, "more magenta", [r"more\s+(?:magenta|pink)", r"pinker", r"magenta\s+tint", r"tint\s+magenta"], {}),
    ("tint", -1, "more green", [r"more\s+green", r"greener", r"green\s+tint", r"tint\s+green"], {}),
    ("tint", 0, "tint +0.2", [r"tint"], {}),
    ("hue", 0, "shift hue by 30 degrees", [
        r"(?:shift|rotate|change|adjust)\s+(?:the\s+)?hues?", r"hue\s+(?:shift|rotat(?:e|ion))", r"hues?"], {}),
    ("black_and_white", 1, "make it black and white", [
        r"black\s*(?:and|&|n|'n'|-and-)\s*white", r"b\s*&\s*w", r"b/w", r"bw", r"gr[ae]y\s*scale", r"monochrome",
        r"(?:remove|drop|take\s+out|strip)\s+(?:all\s+)?(?:the\s+)?colou?rs?", r"no\s+colou?rs?", r"colou?rless",
        r"de-?saturate\s+(?:it\s+)?(?:completely|fully|entirely)", r"noir", r"gr[ae]y",
        r"(?:take|drain|suck|strip)\s+(?:all\s+)?(?:the\s+)?colou?rs?(?:\s+(?:out|away)(?:\s+of" + _CLIP + r")?)?"], {}),
    ("sepia", 1, "sepia", [r"sepia(?:[\s-]tone[sd]?)?"], {}),
    ("vintage", 1, "vintage look", [r"vintage", r"retro", r"old[\s-]school", r"old\s+film", r"look\s+old",
                                     r"old[\s-]looking", r"aged", r"nostalgic", r"faded\s+film"], {}),
    ("sunset", 1, "sunset look", [r"sunset", r"golden[\s-]hour"], {}, True),
    ("teal_orange", 1, "teal and orange look", [
        r"teal\s*(?:and|&|/|-|n)?\s*orange", r"orange\s*(?:and|&|/|-)\s*teal", r"blockbuster", r"hollywood",
        r"cinematic(?:\s+colou?rs?|\s+grade|\s+grading)?"], {}),
    ("night", 1, "night look", [r"night(?:time)?", r"day[\s-]for[\s-]night"], {}, True),
    ("high_contrast", 1, "high contrast look", [r"high[\s-]contrast", r"dramatic"], {}),
    ("lut", 1, "apply lut film.cube", [r"(?:apply|use|load|add)?\s*(?:the\s+|a\s+)?(?:lut|look-?up\s+table|\.cube)"], {}),
    ("crop", 1, "crop to 9:16", [
        r"crop(?:\s+(?:it|this|the\s+(?:video|clip|frame)))?", r"make\s+it\s+(?:vertical|portrait|square|widescreen|landscape)",
        r"vertical(?:\s+video)?", r"portrait(?:\s+mode)?", r"square", r"widescreen", r"landscape", r"letterbox(?:ed)?",
        r"cinematic\s+(?:crop|bars|aspect(?:\s+ratio)?|widescreen|framing)", r"cinemascope",
        r"make\s+it(?=\s+\d{1,2}\s*[:x]\s*\d{1,2}(?![\d:]))",
        r"(?:(?:re)?format|crop|reframe|make|cut|fit|export|(?:re)?size|(?:re)?scale)?" + _CLIP + r"\s*(?:for|to|as)?\s*" + PLATFORM], {}),
    ("resize", 1, "resize to 720p", [
        r"resize", r"re-size", r"rescale", r"scale(?:\s+(?:it|this|the\s+(?:video|clip)))?(?:\s+(?:down|up))?",
        r"downscale", r"upscale", r"downsize", r"shrink", r"enlarge", r"(?:half|double)\s+(?:the\s+)?(?:size|resolution)",
        r"(?:change|set)\s+(?:the\s+)?resolution(?:\s+to)?", r"resolution"], {}),
    ("rotate", 1, "rotate 90 degrees", [
        r"rotate(?:\s+(?:it|this|the\s+(?:video|clip|image)))?", r"turn(?:\s+(?:it|this|the\s+(?:video|clip)))?(?=\s+(?:[-+\d]|upside|sideways|clockwise|counter|anti|left|right))",
        r"tilt(?:\s+(?:it|this))?", r"upside[\s-]down"], {}),
    ("flip", 1, "flip horizontally", [
        r"flip(?:\s+(?:it|this|the\s+(?:video|clip|image)))?", r"mirror(?:\s+(?:it|this|the\s+(?:video|clip|image)))?(?:\s+image)?",
        r"mirrored", r"flip(?:\s+(?:it|this|the\s+(?:video|clip|image)))?\s+upside[\s-]down"], {}),
    ("zoom", 1, "zoom in 2x", [r"zoom(?:\s+in)?(?:\s+(?:to|into|on))?", r"punch\s+in", r"magnify", r"zoom\s+out"], {}),
    ("blur", 1, "add a blur", [
        r"blur(?:red|ry|rier)?(?:\s+(?:it|this|the\s+(?:video|clip|image|footage)))?", r"gaussian\s+blur", r"out\s+of\s+focus",
        r"defocus(?:ed)?", r"soft(?:en|er)\s+focus", r"soften(?:\s+(?:it|the\s+image))?", r"make\s+it\s+soft(?:er)?"], {}),
    ("sharpen", 1, "sharpen", [r"sharpen(?:\s+(?:it|this|the\s+(?:video|clip|image|footage)))?", r"sharper", r"crisper",
                               r"crisp", r"more\s+(?:sharp|detail(?:ed)?|crisp)", r"enhance\s+(?:the\s+)?details?",
                               r"sharpness"], {}),
    ("denoise", 1, "denoise", [
        r"de-?noise", r"(?:reduce|remove|clean\s+up|less|cut|fix)\s+(?:the\s+)?(?:video\s+)?(?:noise|grain|graininess)",
        r"noise\s+reduction", r"less\s+(?:noisy|grainy)", r"de-?grain", r"clean\s+(?:it\s+)?up"], {}),
    ("fade_in", 1, "fade in", [r"fade(?:\s+(?:it|the\s+(?:video|clip)))?[\s-]in", r"fade\s+(?:up\s+)?from\s+black"], {}),
    ("fade_out", 1, "fade out over 2 seconds", [r"fade(?:\s+(?:it|the\s+(?:video|clip)))?[\s-]out", r"fade\s+to\s+black"], {}),
    ("audio_fade_in", 1, "fade in the audio", [
        r"fade[\s-]in\s+" + _AUDIO, r"fade\s+" + _AUDIO + r"\s+in", r"(?:audio|sound|music)\s+fade[\s-]in"], {}),
    ("audio_fade_out", 1, "fade out the audio", [
        r"fade[\s-]out\s+" + _AUDIO, r"fade\s+" + _AUDIO + r"\s+out", r"(?:audio|sound|music)\s+fade[\s-]out"], {}),
    ("speed", 1, "speed up 2x", [
        r"speed(?:\s+(?:it|this|the\s+(?:video|clip|footage)))?\s+up", r"faster", r"fast[\s-]forward", r"accelerate",
        r"(?:time[\s-]?lapse|hyperlapse)", r"(?:double|twice\s+the)\s+speed", r"twice\s+as\s+fast", r"quicker",
        r"speed(?:\s+(?:it|this))?", r"playback\s+speed"], {}),
    ("speed", 0, "play at 1.5x", [r"play(?:\s+(?:it|this|the\s+(?:video|clip)))?\s+at"], {}),
    ("speed", -1, "slow down to half speed", [
        r"slow(?:\s+(?:it|this|the\s+(?:video|clip|footage)))?\s+down", r"slower", r"slow[\s-]?mo(?:tion)?", r"slo[\s-]?mo",
        r"half[\s-](?:speed|time)", r"quarter[\s-]speed", r"decelerate", r"half\s+as\s+fast"], {}),
    ("reverse", 1, "reverse", [r"reverse[d]?(?:\s+(?:it|this|the\s+(?:video|clip)))?", r"(?:play\s+(?:it\s+)?)?backwards?",
                               r"in\s+reverse", r"rewind"], {}),
    ("freeze", 1, "freeze frame at 0:03 for 2 seconds", [
        r"freeze(?:[\s-]?frame)?(?:\s+(?:it|the\s+(?:video|clip|frame|picture)))?", r"hold(?:\s+the)?\s+frame",
        r"still\s+frame", r"pause(?:\s+(?:it|the\s+(?:video|clip)))?"], {}),
    ("volume", 1, "louder", [
        r"louder", r"(?:turn|crank|pump|bump)(?:\s+(?:it|the\s+(?:volume|sound|audio|music)))?\s+up",
        r"(?:volume|sound|audio)\s+up", r"(?:increase|raise|boost|more|up|bump|(?:turn|crank|pump|bump)\s+up)\s+(?:the\s+)?(?:volume|audio|sound|gain|loudness)",
        r"amplify(?:\s+the\s+(?:audio|sound))?"], {}),
    ("volume", -1, "volume down 50%", [
        r"quieter", r"softer", r"less\s+loud", r"(?:turn)(?:\s+(?:it|the\s+(?:volume|sound|audio|music)))?\s+down",
        r"(?:volume|sound|audio)\s+down", r"(?:decrease|lower|reduce|less|cut|turn\s+down)\s+(?:the\s+)?(?:volume|audio|sound|gain|loudness)",
        r"attenuate"], {}),
    ("volume", 0, "twice as loud", [r"as\s+loud"], {}),
    ("volume", 0, "volume -6 dB", [r"(?:set\s+(?:the\s+)?)?(?:volume|gain)(?:\s+to)?"], {}),
    ("mute", 1, "mute", [
        r"mute(?:\s+(?:it|this|the\s+(?:video|clip|audio|sound)))?", r"silence(?:\s+(?:it|the\s+(?:audio|sound)))?", r"silent",
        r"(?:remove|kill|drop|strip|delete|take\s+out|turn\s+off|cut)\s+(?:the\s+)?(?:audio|sound)(?:\s+track)?",
        r"no\s+(?:audio|sound)", r"without\s+(?:audio|sound)"], {}),
    ("normalize", 1, "normalize audio", [
        r"normali[sz]e(?:\s+(?:the\s+)?(?:audio|sound|volume|loudness|levels?))?", r"loudness\s+normali[sz]ation",
        r"(?:even\s+out|level|balance)\s+(?:the\s+)?(?:audio|volume|levels?|sound)"], {}),
    ("stabilize", 1, "stabilize", [
        r"stabili[sz](?:e|ation)(?:\s+(?:it|this|the\s+(?:video|clip|footage|camera|shot)))?",
        r"(?:remove|reduce|fix|less|cut|eliminate)\s+(?:the\s+)?(?:camera\s+)?(?:shak(?:e|y|iness|ing)|jitter)(?:\s+(?:footage|video|camera))?",
        r"(?:less|not)\s+shaky", r"steady(?:\s+(?:it|the\s+(?:video|camera|shot)))?", r"steadier",
        r"smooth(?:\s+out)?\s+(?:the\s+)?(?:camera|footage|shot|motion)", r"de-?shake", r"steadicam"], {}),
    ("deflicker", 1, "deflicker", [
        r"de-?flicker", r"(?:remove|reduce|fix|less|cut|eliminate)\s+(?:the\s+)?flicker(?:ing|s|y)?", r"flicker(?:ing|y)?",
        r"anti[\s-]?flicker"], {}),
]

#: "flip" directions and the like: phrases that set a parameter outright.
FLIP_VERTICAL = re.compile(r"\b(?:vertical(?:ly)?|upside[\s-]down|top\s+to\s+bottom|up\s+and\s+down|upside)\b")
FLIP_HORIZONTAL = re.compile(r"\b(?:horizontal(?:ly)?|left\s+to\s+right|sideways|side\s+to\s+side)\b")

PHRASES: List[Phrase] = []
for _op, _sign, _canon, _pats, _fixed, *_scene in _TABLE:
    for _p in _pats:
        PHRASES.append(Phrase(_op, re.compile(r"(?<![\w-])" + _p + r"(?![\w-])"), _sign, tuple(_fixed.items()),
                              bool(_scene and _scene[0]), _canon))

#: Canonical phrasings shown as suggestions and in the docs.
CANONICAL: List[str] = list(dict.fromkeys(canon for _, _, canon, *_ in _TABLE)) + [
    "trim the first 3 seconds", "cut from 0:05 to 0:08", "keep only 0:02 to 0:10", "undo", "redo",
    "remove the blur", "remove the last effect", "reset", "ai: make it look like a watercolor painting",
    "make it black and white from 0:05 to 0:12", "slow motion", "flip vertically", "crop to 1:1",
    "make it vertical", "mute", "louder", "stabilise",
]

#: Words that carry no meaning of their own in a command ("make it a bit brighter, please").
FILLER = set(
    """a an the it its it's this that these those them video clip clips footage shot shots image picture movie
    film scene frame frames whole entire please pls kindly thanks thank you now just also too so and then
    make made look looks looking more less bit little lot some of to by for with in on at into onto up down
    be is are was get got do can could would will should i i'd i'd like want wanna let let's lets me my our us
    we you your please apply add use give set put effect effects filter filters style tone tones grade
    grading look colour color colours colors overall slightly quite pretty rather bit abit tad even
    further again mode version one ones as very much way all over feel feeling vibe vibes kind sort
    tiny small slight somewhat lightly gently turn convert change switch transform radius thing stuff
    shaky handheld wobbly jittery play playing go move run running audio sound music track""".split()
)

#: Verbs that ask for a visual change; with an unknown object they go to the generative route.
VISUAL_VERBS = re.compile(
    r"^(?:make|turn|add|change|replace|give|transform|convert|put|paint|render|stylize|stylise|restyle|"
    r"redraw|recolou?r|erase|remove|swap|insert|draw|place|cover|fill|show|set|apply|reimagine|morph|"
    r"let|have)\b"
)
LOOKS_LIKE = re.compile(
    r"\b(?:look(?:s|ing)?|feel(?:s)?|seem(?:s)?)\s+(?:like|as\s+if|as\s+though)\b|\bin\s+the\s+style\s+of\b|"
    r"\b(?:style|aesthetic)\b|\bas\s+(?:a|an|if)\b|\binto\s+(?:a|an)\b"
)


def vocabulary() -> Dict[str, str]:
    """Single words of the classic vocabulary -> a canonical phrase that uses them (for typos)."""
    vocab: Dict[str, str] = {}
    for _op, _sign, canon, pats, *_ in _TABLE:
        for p in pats:
            for w in re.findall(r"[a-z]{4,}", p.replace("(?:", " ").replace("\\s", " ").replace("\\w", " ")):
                if w not in FILLER:
                    vocab.setdefault(w, canon)
    for w, canon in (("brighter", "make it brighter"), ("darker", "make it darker"), ("warmer", "make it warmer"),
                     ("cooler", "make it cooler"), ("blur", "add a blur"), ("stabilize", "stabilize"),
                     ("brightness", "brightness +0.2"), ("saturation", "saturation +0.3"), ("grayscale",
                     "make it black and white"), ("greyscale", "make it black and white"),
                     ("louder", "louder"), ("quieter", "quieter"), ("reverse", "reverse"), ("undo", "undo"),
                     ("redo", "redo"), ("speed", "speed up 2x"), ("sepia", "sepia"), ("vintage", "vintage look"),
                     ("mirror", "mirror"), ("sharpen", "sharpen"), ("denoise", "denoise"), ("mute", "mute"),
                     ("contrast", "increase contrast"), ("saturated", "more saturated"), ("rotate", "rotate 90 degrees"),
                     ("zoom", "zoom in 2x"), ("crop", "crop to 9:16"), ("resize", "resize to 720p"),
                     ("trim", "trim the first 3 seconds"), ("freeze", "freeze frame at 0:03 for 2 seconds"),
                     ("normalize", "normalize audio"), ("deflicker", "deflicker"), ("exposure", "increase exposure"),
                     ("vertical", "make it vertical"), ("horizontal", "flip horizontally")):
        vocab[w] = canon
    return vocab
