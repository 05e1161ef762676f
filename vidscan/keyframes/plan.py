"""From detector candidates to keyframes: which candidates a strategy uses, one sharp settled frame for
each, repeats merged or marked, and the frame budget. Pure functions of the per-frame numbers, so the
same code plans the final selection and the early one made while the pass still runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..types import Keyframe
from .frames import Candidate, FrameStats, hamming, renders, shows_nothing
from .interval import even_candidates, recorded, with_coverage
from .options import KeyframeOptions

_SAME_COLOUR = 12.0  # mean over the grid's cells of the largest B, G or R gap: the same colours
# and no cell further apart than this: on a fixed camera a different visitor in the same spot changes one
# cell of the grid, and the hash of the whole picture hardly (a second person's visit would get the
# first one's caption)
_SAME_CELL = 16.0
# A screen shown again (a page revisited) decodes to the same picture up to compression: its hash differs
# in at most 2 bits and no cell of the grid by more than 3 levels. A pen's underline, a word added, move
# a slide's hash by 4 bits or more and a cell by 3 to 9 levels, and must not take the caption of the
# slide without them.
_SCREEN_BITS = 2
_SCREEN_CELL = 3.0

# An object the motion detector saw (a person, a car): a small thing in a large picture, which the hash
# and the colour grid of the whole picture hardly see. Another car where one stood is another event: it
# is never merged with the keyframe before it, nor takes an earlier keyframe's caption.
EVENTS = ("activity-start", "activity-peak")

# A new shot begins there. A page's jump (a mouse wheel's notch, a terminal scrolled by a line: a cut to
# the cut detector, but the frame before it shifted) parts the screen's states as a cut does, and is no
# edit.
_EDITS = ("cut", "fade", "dissolve")
_BOUNDARIES = (*_EDITS, "page-jump")
_SHOTS = ("start", *_BOUNDARIES)  # the candidates of shots (scenes.shot_candidates)
# Where a shot begins, for telling two shots apart however close (_distinct). Not a fade's boundary: the
# stretch on its dark side is the fade's, nothing to show (a fade-in ends a third of a second into a
# film, and a lecturer's camera in the corner of that black is no picture of it); nor a page's jump.
_OPENED = ("start", "cut", "dissolve")

# Never merged into the keyframe before them when they look alike. Coverage and heartbeat frames are the
# floor; a cut or a fade between two alike pictures is still a boundary; a text change is new text (one
# more bullet) that a perceptual hash of the whole picture can miss; a page scrolled on is new lines in the
# same layout.
ALWAYS_KEPT = ("coverage", "heartbeat", *_BOUNDARIES, "text-change", "scrolled", *EVENTS)

# Candidates of screens, whose pictures are alike only when they hold the same text (see looks_same).
_SCREENS = ("text-change", "scrolled")

# Candidates whose frame is taken at the moment their detector chose: once the picture has settled, or
# where a page scrolled to.
_SETTLED = ("text-change", "settled", "scrolled")

# What the detectors proposed: (shots, motion, text, scrolled) candidates.
Detected = tuple[list[Candidate], list[Candidate], list[Candidate], list[Candidate]]

# Which candidate stands when two fall within min_gap of each other.
_PRIORITY = {
    "start": 6,
    "cut": 5,
    "fade": 5,
    "dissolve": 5,
    "page-jump": 5,
    "text-change": 4,
    "settled": 4,
    "scrolled": 4,
    "activity-start": 3,
    "activity-peak": 2,
    "heartbeat": 1,
    "coverage": 0,
}


# Cuts a video needs before it can count as edited, however short: a camera's clip with one or two "cuts"
# (a light switched on, an auto-exposure jump, a slide deck's instant changes) is still one camera, unless
# its two cuts join three different views (see _three_views).
EDITED_CUTS = 3


# Two cuts between three different views are editing too. A fixed camera's jumps of the whole picture keep
# its view (a light switched off: the same room in other light), or return to it (a truck filling the
# picture and driving on). Two pictures show different views when their perceptual hashes differ in a
# quarter of their bits or more: unrelated pictures differ in half (32 of 64; the shared films' cuts
# 26-36), the same view in other light or with a few new details in a few (a counter's digits: 4-8; two
# slides of one template: 16-22). The pictures compared lie _AROUND either side of each cut: past the
# first frames of the new shot, which an encoder sharpens over a few, and too close for much to move.
# A view held for HELD seconds or more is a camera's (a lecture filmed, slides built on one after
# another), not a shot: films cut every few seconds (an average shot lasts 4-10 s), so a minute is far
# past all but the rarest shot.
_OTHER_VIEW = 16
_AROUND = 0.5
HELD = 60.0


def edits_of(shots: Sequence[Candidate]) -> list[Candidate]:
    """The candidates of `shots` that are edits (cuts, fades, dissolves; not a page's jump)."""
    return [shot for shot in shots if shot.reason in _EDITS]


def edited(
    shots: Sequence[Candidate], seconds: float, options: KeyframeOptions, stats: FrameStats | None = None
) -> bool:
    """Whether footage of `shots` (their candidates) over `seconds` is edited: auto then uses no motion
    keyframes. `stats`: the pictures' hashes, to tell two cuts between three views."""
    edits = edits_of(shots)
    cuts = [shot.start for shot in edits if shot.reason == "cut"]
    many = len(edits) >= EDITED_CUTS or (
        stats is not None
        and len(edits) == len(cuts) == EDITED_CUTS - 1
        and _three_views(stats, cuts, seconds)
    )
    return many and len(edits) > options.edited_cuts * max(seconds, 1.0) / 60.0


def _three_views(stats: FrameStats, cuts: list[float], seconds: float) -> bool:
    """Whether two cuts join three different shots: none held for HELD seconds, and the pictures either
    side of each cut differ (see _OTHER_VIEW), and so do the one before the first and the one after the
    second."""
    first, second = cuts
    if not len(stats.hashes) or max(first, second - first, seconds - second) >= HELD:
        return False
    around = min(_AROUND, (second - first) / 2)

    def at(t: float) -> int:
        return stats.hashes[min(len(stats.hashes) - 1, stats.index_at(t))]

    before, after = at(first - around), at(second + around)
    pairs = ((before, at(first + around)), (at(second - around), after), (before, after))
    return all(hamming(a, b) >= _OTHER_VIEW for a, b in pairs)


def _rendered(stats: FrameStats, lo: int, hi: int) -> bool:
    """Whether the looks [lo, hi) are a rendered picture's (a screen's), by the share of exactly flat
    blocks most of them have, or of the picture at one grey level (frames.BACKGROUND): one look's share
    is unsure (the first frame after a cut is not yet as flat as the rendered frames after it)."""
    flat, background = (
        np.median(np.frombuffer(numbers, np.float32)[lo:hi]) for numbers in (stats.flat, stats.background)
    )
    return renders(float(flat), float(background))


def shot_kinds(
    stats: FrameStats, moved: np.ndarray, shots: list[Candidate], options: KeyframeOptions, end: float
) -> list[tuple[bool, bool, bool]]:
    """Per shot: (looks like a screen, looks like a fixed camera, is a rendered picture)."""
    # Screens stand still most of the time (not a pixel changes between frames, around a live area such
    # as the lecturer's camera in a corner), and have the flat backgrounds of a rendered picture: a
    # hard-compressed still camera stands still as often.
    unchanged = np.frombuffer(stats.still, np.uint8).astype(bool)
    # Edited footage (regular cuts) has still shots with things moving in them; a fixed camera has no cuts.
    is_edited = edited(shots, end, options, stats)
    kinds = []
    for i, shot in enumerate(shots):
        stop = shots[i + 1].start if i + 1 < len(shots) else end
        lo, hi = stats.index_at(shot.start), max(stats.index_at(stop), stats.index_at(shot.start) + 1)
        rendered = _rendered(stats, lo, hi)
        screen = bool(unchanged[lo:hi].mean() >= 0.5) and rendered
        still = bool(moved[lo:hi].mean() < 0.05)
        fixed = not is_edited and stop - shot.start >= options.fixed_camera_min and still
        kinds.append((screen, fixed, rendered))
    return kinds


def auto_candidates(
    stats: FrameStats,
    moved: np.ndarray,
    shots: list[Candidate],
    motion: list[Candidate],
    text: list[Candidate],
    options: KeyframeOptions,
    end: float,
    scrolled: Sequence[Candidate] = (),
) -> tuple[list[Candidate], str]:
    """Per shot: a screen gets text-change keyframes; a long shot of a fixed camera (in a video that is not
    edited, and rarely a global change) gets motion keyframes; anything else one keyframe for the shot.
    A rendered picture that is no screen (it never stands still: a page scrolled on and on) and where the
    motion detector saw nothing (a belt carrying things along is a shift too) gets a keyframe wherever
    most of it had scrolled past (scroll.py)."""
    used = {"scenes"}
    out = list(shots)
    for i, (screen, fixed, rendered) in enumerate(shot_kinds(stats, moved, shots, options, end)):
        start, stop = shots[i].start, shots[i + 1].start if i + 1 < len(shots) else end
        inside = [c for c in (text if screen else []) if start <= c.start < stop]
        if inside:
            used.add("text")
        elif fixed:
            inside = [c for c in motion if start <= c.start < stop]
            used.add("motion")
        if rendered and not screen and all(c.reason == "heartbeat" for c in inside):
            pages = [c for c in scrolled if start <= c.start < stop]
            if pages:
                used.add("scroll")
            inside += pages
        out += inside
    return sorted(out, key=lambda c: c.start), "auto:" + "+".join(sorted(used))


def plan_candidates(
    strategy: str,
    options: KeyframeOptions,
    stats: FrameStats,
    moved: np.ndarray,
    detected: Detected,
    end: float,
    span: float,
    gaps: Sequence[tuple[float, float]] = (),
) -> tuple[list[Candidate], str]:
    """The candidates of `strategy` in time order, merged, with the coverage floor; and what auto did.
    `detected` = (shots, motion, text, scrolled) candidates; `end` = the last time seen; `span` = the
    video's length (even sampling splits it); `gaps`: stretches not recorded, which nothing covers."""
    shots, motion, text, scrolled = detected
    if strategy == "auto":
        candidates, strategy = auto_candidates(stats, moved, shots, motion, text, options, end, scrolled)
    elif strategy == "motion":
        candidates = [*shots, *motion]  # a cut is a boundary whatever the footage
    elif strategy == "text":
        candidates = [*shots, *text]
    elif strategy == "interval":
        candidates = [
            c for lo, hi in recorded(0.0, span, gaps) for c in even_candidates(lo, hi, options.interval)
        ]
    else:
        candidates = shots
    return with_coverage(merge(candidates, options.min_gap), end, options.min_coverage, gaps), strategy


def merge(candidates: list[Candidate], min_gap: float) -> list[Candidate]:
    """Candidates in time order, at most one per `min_gap` seconds (the one with the strongest reason);
    one that extends the candidate before it (typed into) is merged with it however far apart. Two
    shots, two screen states, or two events, are never merged for being close: their detector proposes
    each for a shot, a state or an object the other does not show (a trailer's shots of half a second, a
    terminal demo's output that stands half a second); nor is a screen state with the page's jump or the
    cut that ends it (_distinct)."""
    kept: list[Candidate] = []
    states: list[bool] = []  # whether each kept candidate's frame is taken from a text-change's stretch
    for cand in sorted(candidates, key=lambda c: c.start):
        close = kept and cand.start - kept[-1].start < min_gap and not _distinct(kept[-1], cand, states[-1])
        if close and kept[-1].reason in EVENTS and cand.reason in _BOUNDARIES:
            # An event just before a cut is of the shot the cut ends: the new shot is shown.
            kept[-1], states[-1] = cand, False
            continue
        if kept and (close or cand.extends):
            stronger, weaker = (cand, kept[-1])
            if _PRIORITY[cand.reason] <= _PRIORITY[kept[-1].reason]:
                stronger, weaker = weaker, cand
            # A screen that settles after a cut (a page still loading) is best shown once it has
            # settled: the stronger reason stands, with the frame taken where the weaker one settled.
            # Likewise an event merged with the start of its shot: the moment the object is in view.
            shown = weaker if weaker.reason in (*_SETTLED, *EVENTS) else stronger
            if all(c.reason in _SHOTS for c in (cand, kept[-1])):
                # A fade's boundary or a page's jump under min_gap after a shot's start (or before a
                # cut): the first is a sliver (a fade-in's black), and the keyframe shows what comes
                # after it, from its middle half.
                shown = cand
            states[-1] = states[-1] if shown is kept[-1] else shown.reason == "text-change"
            kept[-1] = replace(stronger, start=kept[-1].start, pick=shown.pick, extends=False)
            continue
        kept.append(cand)
        states.append(cand.reason == "text-change")
    return kept


def _distinct(a: Candidate, b: Candidate, state: bool) -> bool:
    """Whether `a` and the candidate after it, `b`, stand for two things to show however close: two
    shots (each at least the cut detector's min_shot long, a cut's own test that it is no flash; one
    that shows nothing, as a few black frames before a cut, gets no keyframe: choose), two events, two
    screen states (`state`: `a` shows one, a text-change's, whatever its reason after merging), or a
    screen state that settled before a boundary (a page's jump, a cut) ends it: its frame is taken
    before the boundary, the boundary's after it."""
    if all(c.reason in EVENTS for c in (a, b)) or all(c.reason in _OPENED for c in (a, b)):
        return True
    return state and (b.reason == "text-change" or (b.reason in _BOUNDARIES and a.pick[1] <= b.start))


def _pick(stats: FrameStats, lo: int, hi: int, rendered: bool) -> int | None:
    """The sharpest, most settled frame in [lo, hi) with the most contrast, favouring the middle on ties;
    never one that shows nothing (None when all do; `rendered`: the stretch is a screen's, see
    shows_nothing)."""
    contrast = np.frombuffer(stats.contrast, np.float32)[lo:hi]
    empty = shows_nothing(stats, lo, hi, rendered)
    if not len(contrast) or empty.all():
        return None
    if hi - lo <= 2:  # a moment chosen by its detector: the middle one, if it shows anything
        middle = (hi - lo) // 2
        return lo + (middle if not empty[middle] else int(np.argmin(empty)))
    idx = np.arange(lo, hi)
    # A look sharper than both its neighbours owes it to something the picture does not hold (a
    # damaged frame's stripe or box, a flash): each look's sharpness is the median of it and its two
    # neighbours, the standard filter for such single-look spikes.
    sharpness = np.frombuffer(stats.sharpness, np.float32)
    first, last = max(lo - 1, 0), min(hi + 1, len(sharpness))
    around = np.pad(sharpness[first:last], (1 - (lo - first), 1 - (last - hi)), mode="edge")
    sharp = np.median(np.lib.stride_tricks.sliding_window_view(around, 3), axis=1)
    change = np.frombuffer(stats.change, np.float32)[lo:hi].copy()
    if lo == 0:  # the first frame has nothing to differ from: that does not make it settled
        change[0] = change.max()
    score = 0.5 * sharp / (sharp.max() + 1e-6) + 0.5 * (1.0 - change / (change.max() + 1e-6))
    score = score * (1.0 - 0.2 * np.abs(idx - (lo + hi) / 2) / (hi - lo))
    # A frame of a fade or a dissolve has much less contrast than the shot it leads to; within a shot the
    # contrast hardly moves, and does not decide.
    score = score * np.minimum(1.0, contrast / (0.5 * contrast.max()))
    score[empty] = -1.0
    return int(idx[int(np.argmax(score))])


def _settled_contrast(stats: FrameStats, lo: int, hi: int) -> float:
    """The most contrast among the looks of [lo, hi) that change no more than its median look does: a
    fade's ramp or a transition's frames change at every look, the picture they lead to or from holds."""
    contrast = np.frombuffer(stats.contrast, np.float32)[lo:hi]
    change = np.frombuffer(stats.change, np.float32)[lo:hi]
    return float(contrast[change <= np.median(change)].max())


def choose(
    stats: FrameStats, candidates: list[Candidate], end: float, sliver: float = 0.0
) -> tuple[list[tuple[Candidate, int]], list[tuple[float, float]]]:
    """Each candidate with the frame chosen inside its own stretch, and the stretches that showed
    nothing (every frame flat: black, blank, the dark between two fades), which get no keyframe. A
    shot under `sliver` seconds that shows nothing (a few black frames before a cut, or between two)
    is no stretch of its own: the shot after it begins there."""
    contrast = np.frombuffer(stats.contrast, np.float32)
    chosen: list[tuple[Candidate, int]] = []
    blank: list[tuple[float, float]] = []
    joined: Candidate | None = None  # a sliver that showed nothing, to begin the next shot
    for i, cand in enumerate(candidates):
        stop = candidates[i + 1].start if i + 1 < len(candidates) else end + 1e-3
        own_lo, own_hi = stats.index_at(cand.start), stats.index_at(stop)
        own_lo = min(own_lo, len(stats) - 1)
        own_hi = min(max(own_hi, own_lo + 1), len(stats))
        if cand.reason == "text-change" and stats.index_at(cand.pick[0]) >= own_hi:
            # The screen it stands for came only once its stretch had ended: the next candidate (a cut
            # onto that screen) shows it, and what its own stretch holds is the typing before it.
            continue
        lo = max(own_lo, stats.index_at(cand.pick[0]))
        # A moment (a range with no frame in it) is the first frame from then on.
        hi = min(own_hi, max(stats.index_at(cand.pick[1]), lo + 1))
        if hi <= lo:  # the pick range fell outside its own stretch: take from the stretch
            lo, hi = own_lo, own_hi
        rendered = _rendered(stats, own_lo, own_hi)  # a screen's picture or a camera's
        at = _pick(stats, lo, hi, rendered)
        # Nothing to see where it was to be taken (the middle of a shot that is mostly a fade): the best
        # of its whole stretch. Measured on what the stretch shows settled, not on the transition into it
        # (a slide pushed in over a brighter one, a dissolve from a brighter shot): a dark screen after
        # a light one has less contrast than the frames where the light one still is.
        best = _settled_contrast(stats, own_lo, own_hi)
        if at is None or contrast[at] < 0.5 * best:
            at = _pick(stats, own_lo, own_hi, rendered)
        after = candidates[i + 1] if i + 1 < len(candidates) else None
        if (
            at is None
            and after
            and all(c.reason in _OPENED for c in (cand, after))
            and stop - cand.start < sliver
        ):
            joined = joined or cand
            continue
        if at is None:  # a sliver before it shows nothing either: one blank stretch from the sliver on
            blank.append((round((joined or cand).start, 3), round(min(stop, end), 3)))
            joined = None
            continue
        if joined:
            stronger = joined if _PRIORITY[joined.reason] > _PRIORITY[cand.reason] else cand
            cand, joined = replace(cand, start=joined.start, reason=stronger.reason), None
        chosen.append((cand, at))
    return chosen, blank


def keyframes_of(
    stats: FrameStats,
    chosen: list[tuple[Candidate, int]],
    end: float,
    blank: list[tuple[float, float]] | None = None,
) -> list[Keyframe]:
    """The keyframes of chosen candidates; each stands for the stretch up to the next one, or up to a
    stretch that showed nothing (`blank`)."""
    blank = blank or []
    out = []
    for i, (cand, at) in enumerate(chosen):
        start = cand.start if i or any(b[0] <= 1e-3 for b in blank) else 0.0
        stop = chosen[i + 1][0].start if i + 1 < len(chosen) else end
        stop = min([stop, *(b[0] for b in blank if b[0] > start)])
        reason = cand.reason if i or cand.reason != "coverage" else "start"
        out.append(
            Keyframe(
                index=i,
                time=round(stats.times[at], 6),
                reason=reason,
                segment=(round(start, 3), round(stop, 3)),
                sharpness=round(float(stats.sharpness[at]), 2),
                phash=int(stats.hashes[at]),
                colour=stats.colour(at),
                analysis_size=stats.size,
                analysis_crop=stats.crop,
                score=cand.importance,
                seen_before=cand.seen_before,
                frame_time=None
                if stats.frame_times[at] == stats.times[at]
                else round(stats.frame_times[at], 6),
            )
        )
    return out


def looks_same(a: Keyframe, b: Keyframe, distance: int) -> bool:
    """Same picture: perceptual hashes close, and the colours of the 3x3 grid close on average and in
    every cell. Screens are held to what decoding the same screen again gives (see _SCREEN_BITS)."""
    screen = a.reason in _SCREENS or b.reason in _SCREENS
    if hamming(a.phash, b.phash) > (min(distance, _SCREEN_BITS) if screen else distance):
        return False
    if not a.colour or not b.colour:
        return True  # made without colours (by hand): the hash alone
    gaps = np.abs(np.array(a.colour, np.int16) - np.array(b.colour, np.int16)).reshape(-1, 3).max(axis=1)
    if screen:
        return float(gaps.max()) <= _SCREEN_CELL
    return float(gaps.mean()) < _SAME_COLOUR and float(gaps.max()) < _SAME_CELL


def drop_repeats(keyframes: list[Keyframe], distance: int) -> list[Keyframe]:
    """Merge a keyframe into the previous one when they look the same (A-A); mark A-B-A revisits."""
    kept: list[Keyframe] = []
    for kf in keyframes:
        # Those kept alike become duplicates below (no model call), except a text change of the screen
        # right before it.
        if kept and not _kept_apart(kf, kept[-1]) and looks_same(kf, kept[-1], distance):
            prev = kept[-1]
            kept[-1] = replace(
                prev, segment=(prev.segment[0], kf.segment[1]), score=max(prev.score, kf.score)
            )
            continue
        kept.append(kf)
    marked: list[Keyframe] = []
    for kf in kept:
        before = marked[-1] if marked else None
        if kf.reason == "settled" and before and _kept_apart(kf, before) and looks_same(kf, before, distance):
            # Its detector found it differs from the state before, which the hash takes for the same:
            # the hash is blind to what changed here (new ink on a slide), and to its likeness to any
            # earlier keyframe too.
            marked.append(kf)
            continue
        earlier = marked[:-1] if kf.reason == "text-change" else marked  # not the screen it changed
        twin = next(
            (
                m
                for m in earlier
                if kf.reason not in EVENTS
                and m.reason not in EVENTS
                and kf.seen_before is not False
                and m.duplicate_of is None
                and looks_same(kf, m, distance)
            ),
            None,
        )
        marked.append(replace(kf, duplicate_of=twin.index if twin else None))
    return marked


def _kept_apart(kf: Keyframe, before: Keyframe) -> bool:
    """Whether `kf` stays a keyframe of its own however much it looks like the one `before` it. A settled
    state after a settled state or an event: the motion detector found it differs from the state before,
    pixel by pixel against the scene's noise, where a hash of the whole picture hardly sees an object left
    or taken away, or one slide's words from the next. After a cut, a start or a coverage keyframe it is
    that keyframe's picture again only where that picture was taken once the change had begun: one taken
    before it cannot show what came of it."""
    if kf.reason in ALWAYS_KEPT:
        return True
    return kf.reason == "settled" and (before.reason in ("settled", *EVENTS) or before.time < kf.segment[0])


def _worth(kf: Keyframe) -> tuple[float, float]:
    return (kf.score, kf.segment[1] - kf.segment[0])


def budget_bin(time: float, budget: int, span: float) -> int:
    return int(time * budget // span)


def apply_budget(keyframes: list[Keyframe], budget: int, duration: float) -> list[Keyframe]:
    """Keep at most `budget` keyframes spread over the video: in each of `budget` equal time bins the most
    important (then the longest segment), then the most important of the rest. Time order is kept."""
    if budget <= 0 or len(keyframes) <= budget:
        return keyframes
    span = max(duration, keyframes[-1].time + 1e-3)
    by_bin: dict[int, int] = {}
    for i, kf in enumerate(keyframes):  # the first of the most important wins its bin
        b = budget_bin(kf.time, budget, span)
        if b < budget and (b not in by_bin or _worth(kf) > _worth(keyframes[by_bin[b]])):
            by_bin[b] = i
    chosen = set(by_bin.values())
    rest = sorted(
        (i for i in range(len(keyframes)) if i not in chosen),
        key=lambda i: _worth(keyframes[i]),
        reverse=True,
    )
    chosen.update(rest[: budget - len(chosen)])
    return [keyframes[i] for i in sorted(chosen)]
