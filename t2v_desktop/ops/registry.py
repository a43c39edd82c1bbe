"""The one operation registry.

Every edit t2v-desktop can do is a function registered here with its name, synonyms,
kind, typed parameters and a one-line description. The parser, the GUI's operation
list and edit-stack widgets, the CLI's ``ops`` listing and the README table all read it.

Function contracts by kind (params arrive validated, defaults filled):

FRAME       ``fn(frame, ctx: FrameContext, **params) -> frame``  (HxWx3 uint8 RGB in and out).
            Any Float/Int param may be a ``Keyframes`` (see ``animatable``); the stage resolves it
            per frame (``resolve``), so ``fn`` always gets plain values.
            Geometry ops also declare ``output_size(w, h, **params) -> (w, h)``; ops with a YUV
            equivalent declare ``yuv`` (see OperationSpec.yuv and ops/yuv.py).
TEMPORAL    ``analyze(frames: Iterable[ndarray], info: StreamInfo, progress, cancel, **analysis_params) -> dict``
            runs once per (upstream content, analysis params) and is cached; then
            ``fn(frame, ctx: FrameContext, analysis: dict, **params) -> frame`` per frame.
            Parameters not in ``analysis_params`` (e.g. smoothing strength) never trigger re-analysis.
TIMING      ``fn(duration: float, range: (start, end) | None, **params) -> list[Segment]``
            maps the stage's input timeline to its output timeline.
AUDIO       ``fn(samples (channels, n) float32, ctx: AudioContext, **params) -> samples`` on chunks;
            an optional ``analyze(samples_full, sample_rate, **params) -> dict`` (e.g. loudness) is
            passed as ``ctx.analysis``.
GENERATIVE  ``fn(frames: list[ndarray], ctx: GenerativeContext, **params) -> list[ndarray]`` over the
            whole (ranged) span at once; imports torch lazily.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .. import keyframes as kf
from ..errors import ParamError, ProjectError, UnknownOperationError
from ..keyframes import Keyframes
from .params import Float, Int, Param


class OpKind(str, enum.Enum):
    FRAME = "frame"
    TEMPORAL = "temporal"
    TIMING = "timing"
    AUDIO = "audio"
    GENERATIVE = "generative"


@dataclass(frozen=True)
class StreamInfo:
    """What an op stage sees of its input stream."""

    width: int
    height: int
    fps: Fraction
    duration: float
    frame_count: int
    sample_rate: int = 48000
    channels: int = 2


@dataclass
class FrameContext:
    """Where a frame sits. Times are seconds on the stage's own (input) timeline."""

    index: int
    time: float
    duration: float
    fps: Fraction
    #: The op's resolved range (start, end) in seconds, or None for the whole clip.
    range: Optional[Tuple[float, float]] = None


@dataclass
class AudioContext:
    start_time: float
    sample_rate: int
    duration: float
    range: Optional[Tuple[float, float]] = None
    analysis: Optional[dict] = None


@dataclass
class GenerativeContext:
    fps: Fraction
    width: int
    height: int
    #: Stable key of the upstream content + range; the backend adds op, params, model, seed.
    source_key: str
    progress: Callable[[float, float, str], None]
    cancel: Any = None  # jobs.CancelToken | None


@dataclass(frozen=True)
class Segment:
    """One piece of a timing map: source span [src_start, src_end] played over out_duration seconds.

    src_start == src_end with out_duration > 0 is a freeze frame; ``reverse`` plays it backwards.
    Speed is (src_end - src_start) / out_duration.
    """

    src_start: float
    src_end: float
    out_duration: float
    reverse: bool = False


@dataclass
class OperationSpec:
    name: str
    kind: OpKind
    fn: Callable[..., Any]
    params: Dict[str, Param]
    description: str
    synonyms: Tuple[str, ...] = ()
    category: str = ""
    #: Whether the op may be scoped to a time range of its clip.
    rangeable: bool = True
    output_size: Optional[Callable[..., Tuple[int, int]]] = None
    analyze: Optional[Callable[..., dict]] = None
    analysis_params: Tuple[str, ...] = ()
    #: Bump when the analysis algorithm changes, so cached analyses are not reused.
    analysis_version: int = 1
    #: TEMPORAL ops whose ``analyze`` also takes 2-D uint8 grey frames (stabilize: it tracks grey
    #: anyway). The render layer then feeds it the decoder's luma plane (limited range, 16..235)
    #: where the op sits right on a source that allows it, skipping the YUV -> RGB conversion;
    #: the analysis must not depend on the grey's range (relative thresholds, correlations).
    analysis_luma: bool = False
    #: Examples of phrasings, shown in docs and completion.
    examples: Tuple[str, ...] = ()
    #: TIMING ops like trim/cut act on a range and make no sense without one.
    requires_range: bool = False
    #: FRAME ops that also change the sound (fade_in/fade_out): ``audio_fn(samples, ctx: AudioContext, **params)``.
    audio_fn: Optional[Callable[..., Any]] = None
    #: FRAME ops with an exact (or documented within one level) equivalent on 8-bit 4:2:0 limited-range
    #: YUV planes: ``yuv(fmt: ops.yuv.YuvFormat, **params) -> (planes -> planes) | None`` (None when
    #: these params have none). Only the export's fast path (engine/yuv.py) uses it; ``fn`` stays the
    #: reference, and tests hold the two to each other.
    yuv: Optional[Callable[..., Any]] = None
    #: TEMPORAL ops that can say what they did once analysed, for the plan and the edit stack
    #: (stabilize: the crop it applies, scene cuts): ``notes(analysis, ctx: FrameContext, **params)
    #: -> list[str]`` of one-line notes (``ctx.range``/``ctx.fps`` as the op runs; index 0).
    notes: Optional[Callable[..., Any]] = None

    def validate(self, params: Optional[dict]) -> dict:
        """Defaults filled, types checked, out-of-range values rejected (never clamped)."""
        params = dict(params or {})
        unknown = set(params) - set(self.params)
        if unknown:
            raise ParamError(
                f"'{self.name}' has no parameter {', '.join(sorted(unknown))}; "
                f"it takes: {', '.join(self.params) or 'nothing'}."
            )
        out = {}
        for pname, ptype in self.params.items():
            if pname not in params:
                out[pname] = ptype.default
            elif isinstance(params[pname], Keyframes) or kf.is_keyframes_json(params[pname]):
                out[pname] = self._validate_keys(pname, ptype, params[pname])
            else:
                out[pname] = ptype.validate(pname, params[pname])
        return out

    def animatable(self, pname: str) -> bool:
        """Whether param ``pname`` may be a Keyframes: numbers of per-frame picture ops only (a
        timing, sound, analysed or generated op runs on its whole span with one value)."""
        p = self.params.get(pname)
        return (self.kind is OpKind.FRAME and self.audio_fn is None
                and isinstance(p, (Float, Int)))

    def _validate_keys(self, pname: str, ptype: Param, value: Any) -> "Keyframes":
        if not self.animatable(pname):
            raise ParamError(f"'{self.name}' parameter '{pname}' can't change over time; give one value.")
        if not isinstance(value, Keyframes):
            try:
                value = kf.from_json(value, f"'{self.name}' parameter '{pname}'")
            except ProjectError as e:
                raise ParamError(str(e).removeprefix("Invalid project: ")) from None
        for k in value.keys:  # every key obeys the param's own rules (never clamped)
            try:
                ptype.validate(pname, k.value)
            except ParamError as e:
                raise ParamError(f"{str(e)[:-1]} (keyframe at {k.t:g}s).") from None
        return value

    def resolve(self, params: dict, t: float) -> dict:
        """``resolve_params`` with whole-number params rounded (an Int animates in steps)."""
        out = resolve_params(params, t)
        for pname, v in params.items():
            if isinstance(v, Keyframes) and isinstance(self.params.get(pname), Int):
                out[pname] = int(round(out[pname]))
        return out

    def describe(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "category": self.category,
            "description": self.description,
            "synonyms": list(self.synonyms),
            "rangeable": self.rangeable,
            "params": {k: v.describe() for k, v in self.params.items()},
            "examples": list(self.examples),
            "requires_range": self.requires_range,
        }


def is_animated(params: dict) -> bool:
    """Whether any value is a Keyframes whose value changes (a one-value list is a constant)."""
    return any(isinstance(v, Keyframes) and v.animated for v in params.values())


def resolve_params(params: dict, t: float) -> dict:
    """Plain values at ``t`` seconds of the op's own timeline (Keyframes evaluated, the rest as is)."""
    return {k: (v.at(t) if isinstance(v, Keyframes) else v) for k, v in params.items()}


_REGISTRY: Dict[str, OperationSpec] = {}
_ALIASES: Dict[str, str] = {}


def operation(
    name: str,
    *,
    kind: OpKind,
    params: Optional[Dict[str, Param]] = None,
    description: str,
    synonyms: Iterable[str] = (),
    category: str = "",
    **extra: Any,
) -> Callable[[Callable], Callable]:
    """Register ``fn`` as operation ``name``. See the module docstring for the contract per kind."""

    def deco(fn: Callable) -> Callable:
        if name in _REGISTRY:
            raise ValueError(f"operation {name!r} registered twice")
        spec = OperationSpec(
            name=name,
            kind=kind,
            fn=fn,
            params=dict(params or {}),
            description=description,
            synonyms=tuple(synonyms),
            category=category,
            **extra,
        )
        _REGISTRY[name] = spec
        for alias in (name, *spec.synonyms):
            key = _norm(alias)
            if key in _ALIASES and _ALIASES[key] != name:
                raise ValueError(f"synonym {alias!r} of {name!r} already names {_ALIASES[key]!r}")
            _ALIASES[key] = name
        fn.spec = spec  # type: ignore[attr-defined]
        return fn

    return deco


def _norm(word: str) -> str:
    return " ".join(word.lower().replace("_", " ").replace("-", " ").split())


def _ensure_loaded() -> None:
    from . import load_all

    load_all()


def get_op(name: str) -> OperationSpec:
    """Look up by name or synonym; UnknownOperationError with suggestions otherwise."""
    _ensure_loaded()
    key = _norm(name)
    if key in _ALIASES:
        return _REGISTRY[_ALIASES[key]]
    close = difflib.get_close_matches(key, list(_ALIASES), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(_ALIASES[c] for c in close)}?" if close else ""
    raise UnknownOperationError(f"Unknown operation '{name}'.{hint} Run 't2v-desktop ops' for the list.")


def find_op(name: str) -> Optional[OperationSpec]:
    _ensure_loaded()
    key = _norm(name)
    return _REGISTRY[_ALIASES[key]] if key in _ALIASES else None


def all_ops() -> List[OperationSpec]:
    _ensure_loaded()
    return sorted(_REGISTRY.values(), key=lambda s: (s.category, s.name))


def aliases() -> Dict[str, str]:
    """Every normalised name and synonym -> operation name."""
    _ensure_loaded()
    return dict(_ALIASES)
