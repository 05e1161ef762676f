"""Frozen dataclasses that move between stages. Each stage takes and returns these, never raw dicts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class VideoInfo:
    path: str
    duration: float  # seconds
    width: int  # display width: in square pixels (an anamorphic clip's widened), after rotation
    height: int  # display height (after rotation)
    fps: float
    rotation: int  # degrees the player rotates the stored frame (0, 90, 180, 270)
    has_audio: bool
    codec: str = ""
    frame_count: int | None = None
    # Seconds between the file's start and the video stream's first frame; reported times are
    # relative to the video stream, ffmpeg's seek positions to the file.
    start_offset: float = 0.0
    # Coded as two fields taken 1/50 or 1/60 s apart (a DVR's analog camera, broadcast): a player weaves
    # or interpolates them; a frame shown as stored has combs along everything that moves.
    interlaced: bool = False
    bottom_first: bool = False  # of an interlaced video: its bottom field is shown first

    @property
    def frame_rate(self) -> float:
        """`fps`, or 25 when the container does not say: frame times, steps and seek tolerances need one."""
        return self.fps if self.fps > 0 else 25.0


@dataclass(frozen=True)
class Keyframe:
    index: int
    time: float  # seconds from the start of the video stream: the frame that is sent to the model
    reason: str  # why it was chosen: cut, fade, start, coverage, ...
    segment: tuple[float, float]  # the stretch of video this frame stands for
    sharpness: float = 0.0
    phash: int = 0
    colour: tuple[int, ...] = ()  # mean B, G, R of each cell of a 3x3 grid over the analysis frame
    analysis_size: tuple[int, int] = (0, 0)  # (width, height) of the analysis frame (0: not measured)
    # The part of the picture the analysis frame shows (media.Crop: the picture inside black bars), or
    # None for all of it.
    analysis_crop: tuple[float, float, float, float] | None = None
    duplicate_of: int | None = None  # index of an earlier keyframe that looks the same
    seen_before: bool | None = None  # its detector saw this picture before (None: it cannot tell)
    # The timestamp of the decoded frame it shows, when not `time`: a variable-rate stream holds a
    # picture on screen, and a keyframe looked at while it is held shows the frame sent before.
    frame_time: float | None = None
    score: float = 0.0  # importance of its reason: what a frame budget keeps first

    @property
    def shown_frame(self) -> float:
        """The timestamp of the decoded frame it shows: the frame to grab."""
        return self.time if self.frame_time is None else self.frame_time


@dataclass(frozen=True)
class KeyframeSelection:
    video: VideoInfo
    keyframes: tuple[Keyframe, ...]
    strategy: str
    frames_decoded: int
    cuts: tuple[float, ...] = ()  # times of detected cuts/fades
    # (time, change score) samples of what the detectors measured, for the report's timeline
    activity: tuple[tuple[float, float], ...] = ()
    # (start, end) of stretches that showed nothing worth a picture (black, blank, the dark between two
    # fades): no keyframe stands for them
    blank: tuple[tuple[float, float], ...] = ()
    # (start, end) of stretches a camera's steady stream did not record (a recorder that records on motion
    # only, a camera lost for a while): the file has no pictures there
    gaps: tuple[tuple[float, float], ...] = ()
    decode_mode: str = (
        "full"  # "full" (every frame) or "iframes-first" (keyframes, and between two that differ)
    )
    # I-frames first: the median and the longest time between two keyframes found in the stream (seconds)
    iframe_interval: float | None = None
    iframe_interval_longest: float | None = None
    hwaccel: str = "software"  # what decoded it: "software", "--hwaccel NAME", or software after it failed
    hwaccel_error: str = ""  # ffmpeg's words when the hardware decoder asked for could not start
    # A recorder's clock drawn over a fixed camera (keyframes/overlay.py): the band of the picture's height
    # (shares from its top) left out of the motion tests; None when none was found
    clock_band: tuple[float, float] | None = None
    # The duration the file's index claims when its pictures end well before it (a recording cut short:
    # `video.duration` is then where they end); None for a whole file
    claimed_duration: float | None = None


@dataclass(frozen=True)
class Caption:
    description: str
    visible_text: str
    objects: tuple[str, ...]


@dataclass(frozen=True)
class CaptionResult:
    keyframe: Keyframe
    image: str  # path of the full frame JPEG, relative to report.json
    caption: Caption | None
    error: str | None = None
    from_cache: bool = False
    reply: dict | None = None  # the profile's whole reply (lecture, security, inspection fields)
    ocr_text: str = ""  # text read from the frame by OCR
    transcript: str = ""  # what was said while the frame was on screen
    level: int | None = None  # security: the frame's level 0-2, from its schema field
    verdicts: tuple[dict, ...] = ()  # inspection: per-check verdicts of this frame


@dataclass(frozen=True)
class Chapter:
    start: float
    end: float
    title: str
    summary: str


@dataclass(frozen=True)
class Event:
    time: float
    description: str
    keyframes: tuple[int, ...]
    end: float | None = None
    level: int | None = None  # 0 normal, 1 unusual, 2 threat (security)


@dataclass(frozen=True)
class Summary:
    title: str
    overview: str
    chapters: tuple[Chapter, ...]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class RunInfo:
    vlm: str
    llm: str
    host: str
    started: str  # ISO 8601
    seconds: float
    model_calls: int
    cache_hits: int
    status: str  # "complete" | "partial"
    keyframe_strategy: str
    problems: tuple[str, ...] = field(default_factory=tuple)  # why the run is partial, for the header
    profile: str = "general"
    calls_by_host: tuple[tuple[str, int], ...] = ()  # with several hosts: how many calls each served
    input_key: str = ""  # file identity + options: a complete report with the same key is current
    early_captions: int = 0  # keyframes whose description started while selection was still running
    unused_captions: int = 0  # of those, the ones the final selection did not contain


@dataclass(frozen=True)
class Report:
    video: VideoInfo
    selection: KeyframeSelection
    captions: tuple[CaptionResult, ...]
    summary: Summary | None
    run: RunInfo
