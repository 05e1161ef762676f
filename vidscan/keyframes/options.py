"""The knobs of keyframe selection, with the reason for each default."""

from __future__ import annotations

from dataclasses import dataclass

STRATEGIES = ("auto", "scenes", "motion", "text", "interval")
# The detectors each strategy runs beside the cut detector (every strategy finds cuts and fades).
DETECTORS = {"auto": ("motion", "text"), "motion": ("motion",), "text": ("text",)}


@dataclass(frozen=True)
class KeyframeOptions:
    strategy: str = "auto"  # auto | scenes | motion | text | interval
    max_frames: int = 120  # budget of keyframes sent to the model
    min_coverage: float = 60.0  # no stretch longer than this without a keyframe (0 = off)
    analysis_rate: float = 10.0  # frames per second the detectors look at (0 = every frame): cuts, motion
    # and text changes all show at this rate, and skipping the rest is what makes the pass cost little
    # more than decoding
    analysis_size: int = 320  # long side of the frames the scene and motion detectors see
    text_size: int = 640  # long side for the text detector: small text is still legible there
    # scenes: PySceneDetect AdaptiveDetector and ThresholdDetector
    adaptive_threshold: float = 3.0  # AdaptiveDetector: how far a frame's change must stand out
    min_content: float = 15.0  # AdaptiveDetector min_content_val
    fade_threshold: float = 12.0  # mean brightness under which a frame counts as black (fades)
    min_shot: float = 0.4  # seconds; shorter shots are merged into their neighbour
    # motion: fixed cameras
    motion_threshold: float = 0.004  # share of the picture that differs from the background: activity
    settle: float = 1.5  # seconds without motion before a changed scene counts as settled
    activity_interval: float = 20.0  # one keyframe per this many seconds while activity lasts
    heartbeat: float = 300.0  # seconds between keyframes of a still scene (0 = off)
    fixed_camera_min: float = 2.0  # seconds: auto uses motion keyframes only in static shots this long
    # (the background model needs that much to tell the background from what moves)
    edited_cuts: float = 0.5  # cuts per minute over which auto treats a video as edited (no motion keyframes;
    # plan.EDITED_CUTS at least)
    # text: screens and slides
    text_threshold: float = 0.0012  # share of the picture whose edges changed: a text or layout change
    text_settle: float = 1.0  # seconds a screen must stay unchanged after typing or drawing before its
    # keyframe is taken (people pause that long between keys and strokes)
    text_settle_at_once: float = 0.3  # the same after a change that came at once (output, a bullet, a
    # slide): terminal demos pause half a second after each command's output
    text_rate: float = 10.0  # frames per second the text detector looks at: a state shown for half a
    # second gets the looks it needs to count as settled
    # I-frame-first (scenes on H.264/H.265): decode the keyframes, and in full only where two differ
    iframes_first: bool = False
    iframe_change: float = 7.5  # content score between two keyframes over which the stretch is decoded
    # (half of min_content: a cut between them changes at least that much, whatever moves around it)
    # ffmpeg's hardware decoder ("auto", a name such as "vaapi" or "cuda"), or "none": software. Off by
    # default: whether a GPU decodes faster than the CPU depends on the machine, and a failing device
    # costs a restart (the decode then falls back to software)
    hwaccel: str = "none"
    # selection
    min_gap: float = 1.0  # seconds; keyframe candidates closer than this are one keyframe
    interval: float = 10.0  # seconds between keyframes of the interval strategy
    dedup_distance: int = 6  # perceptual-hash bits that may differ for two frames to count as the same
