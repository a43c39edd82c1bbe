"""SourcePool: the decoders and frame caches that every clip of a render shares.

Why: a project of 400 cuts of one file used to keep 400 decoders, 400 audio readers and their
caches (47x the memory of the same file as one clip). Now the clips that read one file on one
frame grid share one ``FrameSource`` (and one ``AudioSource`` per file and audio format): a clip
whose span follows where the decoder stands reads on without a seek. Readers open lazily, on the
first frame or audio read (building a Renderer for 1,000 clips opens nothing); at most
``max_open`` of each kind (decoders, audio readers, proxies) stay open, the least recently used
closed first and reopened on demand, so a long timeline of different files holds a few, not all;
a reader closes when the last stage using it closes (or is garbage-collected).

Frame caches have global byte budgets, whoever holds the frames: ``STAGE_FRAMES`` for every
stage's last-frames memo (``Stage.cache_frames``), ``DECODED_FRAMES`` for the decoders' RGB
caches. The least recently used frames go first, so memory does not grow with the number of
clips or stages.

A pool is used by one thread at a time, like the Renderer it serves (the one that passes it to
``build_chain``). Chains built without a pool use ``default_pool()``: one per thread, so two
renderers on two threads never share a decoder.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Dict, Hashable, List, Optional, Tuple

#: Bytes of every stage's frame memo together (the last frames each stage made): what a frame
#: needs again soon (a freeze re-reads one source frame, a transition two chains) is recent.
STAGE_FRAMES_BYTES = 48 * 2**20
#: ... but never fewer than this many of the biggest frame seen (4K frames are 25 MB each).
STAGE_FRAMES_MIN = 6
#: Bytes of the decoders' RGB frame caches together (what one decoder alone had before: 256 MB).
DECODED_FRAMES_BYTES = 256 * 2**20
#: Readers of each kind (decoders, audio readers, scrubbing proxies) a pool keeps open at once:
#: more than a composition reads at one instant (base, picture-in-picture, music, voice...), or
#: every frame would reopen one.
MAX_OPEN = 8


class CacheBudget:
    """One byte budget for many small frame stores (``FrameMemo``): when the frames of all of them
    together pass ``max_bytes``, the least recently used frames are dropped, whichever store holds
    them. Thread-safe."""

    def __init__(self, max_bytes: int, name: str = "frames", min_frames: int = 0):
        self.max_bytes = int(max_bytes)
        self.min_frames = int(min_frames)  # room for this many of the biggest frame, whatever max_bytes says
        self.biggest = 0
        self.name = name
        self.bytes = 0
        self.peak_bytes = 0
        self.evicted = 0
        # (id(memo), key) -> (weak memo, key, bytes); weak, so a dead stage's frames go with it
        self._lru: "OrderedDict[Tuple[int, Hashable], Tuple[weakref.ref, Hashable, int]]" = OrderedDict()
        self._lock = threading.RLock()  # re-entered when a memo dies (is collected) inside a call

    def memo(self, max_items: int) -> "FrameMemo":
        """A frame store of at most ``max_items`` frames, counted against this budget."""
        return FrameMemo(self, max_items)

    @property
    def limit(self) -> int:
        """The budget in force: ``max_bytes``, raised to ``min_frames`` of the biggest frame seen."""
        return max(self.max_bytes, self.min_frames * self.biggest)

    def _evict(self) -> None:  # caller holds the lock
        limit = self.limit
        while self.bytes > limit and self._lru:
            _, (ref, key, n) = self._lru.popitem(last=False)
            memo = ref()
            if memo is not None:
                memo._d.pop(key, None)
            self.bytes -= n
            self.evicted += 1

    def clear(self) -> None:
        with self._lock:
            for ref, key, _ in list(self._lru.values()):
                memo = ref()
                if memo is not None:
                    memo._d.pop(key, None)
            self._lru.clear()
            self.bytes = 0

    def stats(self) -> Dict[str, int]:
        with self._lock:
            return {"bytes": self.bytes, "peak_bytes": self.peak_bytes, "max_bytes": self.max_bytes,
                    "limit": self.limit, "frames": len(self._lru), "evicted": self.evicted}


class FrameMemo:
    """A few frames by key (a stage's last frames, a decoder's recent ones): an LRU of at most
    ``max_items`` whose bytes count against a shared ``CacheBudget``."""

    __slots__ = ("_budget", "_d", "max_items", "__weakref__")

    def __init__(self, budget: CacheBudget, max_items: int):
        self._budget = budget
        self._d: "OrderedDict[Hashable, Any]" = OrderedDict()
        self.max_items = int(max_items)

    def get(self, key: Hashable) -> Any:
        b = self._budget
        with b._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
                k = (id(self), key)
                if k in b._lru:
                    b._lru.move_to_end(k)
            return v

    def put(self, key: Hashable, value) -> None:
        if self.max_items <= 0:
            return
        b = self._budget
        n = int(getattr(value, "nbytes", 0))
        with b._lock:
            self._drop(key)
            self._d[key] = value
            b._lru[(id(self), key)] = (weakref.ref(self), key, n)
            b.bytes += n
            b.biggest = max(b.biggest, n)
            while len(self._d) > self.max_items:
                self._drop(next(iter(self._d)))
            b._evict()
            b.peak_bytes = max(b.peak_bytes, b.bytes)

    def _drop(self, key: Hashable) -> None:  # caller holds the budget's lock
        if self._d.pop(key, None) is not None:
            hit = self._budget._lru.pop((id(self), key), None)
            if hit is not None:
                self._budget.bytes -= hit[2]

    def clear(self) -> None:
        with self._budget._lock:
            for key in list(self._d):
                self._drop(key)

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._d

    def __del__(self):
        try:
            self.clear()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


#: The global budgets (see the module docstring).
STAGE_FRAMES = CacheBudget(STAGE_FRAMES_BYTES, "stage frames", STAGE_FRAMES_MIN)
DECODED_FRAMES = CacheBudget(DECODED_FRAMES_BYTES, "decoded frames")


class _Entry:
    __slots__ = ("reader", "users")

    def __init__(self):
        self.reader = None
        self.users: set = set()


class SourcePool:
    """Shared, lazily opened readers by key, at most ``max_open`` open (see the module docstring).

    ``stats``: opened/closed counts per kind of reader (``video``, ``audio``, ``proxy``), how many
    are open now, and the frame budgets' bytes."""

    def __init__(self, *, max_open: int = MAX_OPEN, decoded: Optional[CacheBudget] = None,
                 stage_frames: Optional[CacheBudget] = None):
        self.max_open = max(1, int(max_open))
        self.decoded = decoded or DECODED_FRAMES
        self.stage_frames = stage_frames or STAGE_FRAMES
        self._entries: "OrderedDict[tuple, _Entry]" = OrderedDict()  # open ones last-used last
        self._lock = threading.RLock()
        self.opened: Dict[str, int] = {}
        self.closed: Dict[str, int] = {}

    # -- readers -----------------------------------------------------------------------------
    def reader(self, key: tuple, factory: Callable[[], Any], user: "Lease") -> Any:
        """The open reader for ``key`` (``key[0]`` names its kind), opened with ``factory()`` when
        it is not open (None: there is none to open, e.g. a proxy not built yet); ``user`` holds it
        until it is released."""
        with self._lock:
            e = self._entries.get(key)
            if e is None:
                e = self._entries[key] = _Entry()
            self._entries.move_to_end(key)
            if user.token not in e.users:
                e.users.add(user.token)
                user.keys.append((self, key))
            if e.reader is None:
                e.reader = factory()
                if e.reader is not None:
                    self.opened[key[0]] = self.opened.get(key[0], 0) + 1
                    self._limit(keep=key)
            return e.reader

    def discard(self, key: tuple) -> None:
        """Close ``key``'s reader now (it failed); the next ``reader`` call opens it again."""
        with self._lock:
            self._close_reader(key)

    def _limit(self, keep: tuple) -> None:
        """Close the least recently used readers of ``keep``'s kind past ``max_open`` (their users
        reopen them on demand)."""
        open_keys = [k for k, e in self._entries.items() if e.reader is not None and k[0] == keep[0]]
        for k in open_keys[:max(0, len(open_keys) - self.max_open)]:
            if k != keep:
                self._close_reader(k)

    def _close_reader(self, key: tuple) -> None:
        e = self._entries.get(key)
        if e is not None and e.reader is not None:
            reader, e.reader = e.reader, None
            self.closed[key[0]] = self.closed.get(key[0], 0) + 1
            close = getattr(reader, "close", None)
            if close is not None:
                close()

    def release(self, token: int, key: tuple) -> None:
        """``token``'s stage no longer needs ``key``: closed when nobody else does."""
        with self._lock:
            e = self._entries.get(key)
            if e is None:
                return
            e.users.discard(token)
            if not e.users:
                self._close_reader(key)
                del self._entries[key]

    def stats_keys(self) -> List[tuple]:
        """The keys of the readers held now (open or not): (kind, file identity, ...)."""
        with self._lock:
            return list(self._entries)

    def open_count(self, kind: Optional[str] = None) -> int:
        with self._lock:
            return sum(1 for k, e in self._entries.items() if e.reader is not None and kind in (None, k[0]))

    def close(self) -> None:
        """Close every reader (stages reopen on demand)."""
        with self._lock:
            for k in list(self._entries):
                self._close_reader(k)

    @property
    def stats(self) -> Dict[str, Any]:
        with self._lock:
            out: Dict[str, Any] = {"opened": dict(self.opened), "closed": dict(self.closed),
                                   "open": self.open_count(), "keys": len(self._entries),
                                   "max_open": self.max_open}
        out["decoded_frames"] = self.decoded.stats()
        out["stage_frames"] = self.stage_frames.stats()
        out["cache_bytes"] = out["decoded_frames"]["bytes"] + out["stage_frames"]["bytes"]
        out["cache_budget"] = self.decoded.limit + self.stage_frames.limit
        return out


class Lease:
    """What one stage holds in pools: released by ``release()`` or when the stage is collected."""

    _next = 0
    _next_lock = threading.Lock()

    def __init__(self, owner: object):
        with Lease._next_lock:
            Lease._next += 1
            self.token = Lease._next
        self.keys: List[Tuple[SourcePool, tuple]] = []
        self._finalizer = weakref.finalize(owner, Lease._release_all, self.token, self.keys)

    @staticmethod
    def _release_all(token: int, keys: list) -> None:
        while keys:
            pool, key = keys.pop()
            pool.release(token, key)

    def release(self) -> None:
        Lease._release_all(self.token, self.keys)


_local = threading.local()


def default_pool() -> SourcePool:
    """This thread's pool, for chains built without one."""
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = SourcePool()
    return pool
