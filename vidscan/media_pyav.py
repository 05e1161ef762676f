"""Keyframes, and the stretches between them, decoded in this process with PyAV (FFmpeg's own libraries)
for I-frames first (keyframes/iframes.py): the file is read once for the whole run.

One ffmpeg copies the video's packets to a pipe (media.video_packets: it holds the file's index, not
vidscan). A thread reads every packet in order, has another decode the keyframes alone (as `ffmpeg
-skip_frame nokey` does) and keeps the compressed packets of the stretch since the last keyframe (a few
hundred kB for 2 s of 1080p), handing each keyframe over with the packets of the stretch before it. A
stretch worth seeing is decoded from those packets by a decoder of its own: no ffmpeg is started and no
index read again per stretch (0.1 s for an hour's MP4, 0.3 s for a day's), and the file is never read
twice.

media.decode_small's ffmpeg is the fallback: without PyAV (`pip install 'vidscan[pyav]'`), with
VIDSCAN_PYAV=0, for a rotated video or a hardware decode, for a stretch too large to hold, and from the
point where PyAV fails."""

from __future__ import annotations

import math
import os
import queue
import threading
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .media import Cadence, DecodedFrame, HardwareDecode, analysis_size, packet_container, video_packets
from .types import VideoInfo

if TYPE_CHECKING:
    import av

_LARGEST = 32 << 20  # bytes: the packets of a longer stretch are not held (an intra-refresh stream has
# no keyframe at all); that stretch is decoded by an ffmpeg that seeks to it
_NO_DEBLOCKING = 4  # as media.decode_small: keyframes at a quarter of their size skip the loop filter
_AHEAD = 8  # keyframes decoded ahead of the detectors, each with the packets of its stretch


def usable(info: VideoInfo, hardware: HardwareDecode | None) -> bool:
    """Whether this decoder serves the run: PyAV installed and not switched off, an upright progressive
    video (its frames come as stored; an interlaced one's analysis picture is one field, made by
    ffmpeg's filters), and no hardware decode asked for (ffmpeg's -hwaccel does that)."""
    if os.environ.get("VIDSCAN_PYAV", "1") == "0" or info.rotation or info.interlaced:
        return False
    if hardware and hardware.active:
        return False
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Packets:
    """The compressed pictures of a stretch between two keyframes, in decoding order: `own` from the
    keyframe that starts it up to the next keyframe; `lead`, the next keyframe and the pictures that
    follow it in decoding order but are shown before it (an open GOP's leading pictures, which refer to
    both), empty in a closed GOP."""

    own: tuple[av.Packet, ...]
    lead: tuple[av.Packet, ...] = ()
    start: float = -1.0  # seconds: the time of the keyframe that starts it

    def then(self, later: Packets) -> Packets:
        """This stretch and the one right after it, as one."""
        return Packets(self.own + later.own, later.lead, self.start)

    @property
    def bits(self) -> int:
        """What the pictures after its keyframe cost, in bytes (see keyframes/quiet_stretches.py)."""
        return sum(packet.size for packet in self.own[1:])


class KeyframeGate(Protocol):
    """Asked before each keyframe is decoded (keyframes/quiet_stretches.py). Its decisions wait for what
    the detectors found up to `behind` keyframes before: those are handed over by then."""

    behind: int

    def decode(self, time: float, bits: int | None = None, size: int | None = None) -> bool: ...

    def handed(self, time: float) -> None: ...

    def lost(self, time: float) -> None: ...


class KeyframeReader:
    """The keyframes of a video with the packets of the stretch before each (see the module's doc).
    Iterate once; `tail` then holds the packets after the last keyframe (None when there was none, or
    they were too many to hold). close() ends the reading thread early and closes the file. `gate`,
    asked for every keyframe, may leave one undecoded: it is not handed over, nor the stretch before it
    (the next keyframe's stretch starts at it, see Packets.start)."""

    def __init__(self, info: VideoInfo, long_side: int, gate: KeyframeGate | None = None) -> None:
        import av

        self.size = analysis_size(info, long_side)
        self.tail: Packets | None = None
        self.packets = 0  # the stream's packets read so far: its frames, read to the end
        self._remux = video_packets(info)
        assert self._remux.stdout is not None
        try:
            self._container = av.open(f"pipe:{self._remux.stdout.fileno()}", format=packet_container(info))
        except Exception:
            self._end_remux()
            raise
        self._stream = self._container.streams.video[0]
        self._codec = self._stream.codec_context.name, self._stream.codec_context.extradata
        self._decoders: list[Any] = []  # stretch decoders between stretches
        self._lock = threading.Lock()
        self._start = self._stream.start_time or 0  # frame times count from the stream's first
        # Times by integer arithmetic: the same floats as the stream's Fraction gives, without making a
        # Fraction for every packet (a few % of the reading thread on an hour of 25 frames/s).
        time_base = self._stream.time_base
        self._time_base = None if time_base is None else (time_base.numerator, time_base.denominator)
        self._skip_deblocking = max(info.width, info.height) >= _NO_DEBLOCKING * long_side
        self._gate = gate
        self.cadence = Cadence(1.0 / info.frame_rate)  # and the stretches not recorded, as read
        # The keyframes are decoded on a thread of their own, beside the reading of the packets after
        # them: on a quiet camera whose stretches' sizes leave most keyframes undecoded, reading an hour's
        # packets cost 0.7 s and decoding the rest (one in ten) 2.5 s, and one thread doing both in turn
        # held up the detectors.
        self._keyframe_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidscan-keyframe")
        self._keyframes = read_ahead(self._demux(), _AHEAD, "vidscan-keyframes")

    def __iter__(self) -> Iterator[tuple[DecodedFrame, Packets | None]]:
        return self._keyframes

    def stretch(self, packets: Packets, first: float, last: float) -> Iterator[DecodedFrame]:
        """The frames shown strictly between `first` and `last` (seconds), decoded from `packets` by a
        decoder of their own (any thread may call this)."""
        decoder = self._idle_decoder()
        number = 0
        for packet in (*packets.own, *packets.lead, None):
            for frame in decoder.decode(packet):
                time = self._seconds(frame.pts)
                if first + 1e-6 < time < last - 1e-6:
                    yield DecodedFrame(number, time, small_picture(frame, self.size))
                    number += 1
        # Kept for the next stretch, reset as a seek resets it (the same frames as a new decoder): a new
        # decoder for each stretch made and freed its frame pool, a dozen full-size pictures, every time.
        # A stretch left unfinished, or failed, drops its decoder.
        decoder.flush_buffers()
        with self._lock:
            self._decoders.append(decoder)

    def _idle_decoder(self) -> Any:
        with self._lock:
            if self._decoders:
                return self._decoders.pop()
        return new_decoder(*self._codec)

    def close(self) -> None:
        self._keyframes.close()  # ends the reading thread
        self._keyframe_thread.shutdown(cancel_futures=True)
        self._container.close()
        self._end_remux()

    def _end_remux(self) -> None:
        if self._remux.poll() is None:
            self._remux.kill()
        self._remux.wait()
        if self._remux.stdout is not None:
            self._remux.stdout.close()

    def _seconds(self, pts: int | None) -> float:
        if pts is None or self._time_base is None:
            return -1.0
        return self._ticks(pts - self._start)

    def _ticks(self, ticks: int) -> float:
        """`ticks` of the stream's time base in seconds (there is one: see _seconds)."""
        assert self._time_base is not None
        return ticks * self._time_base[0] / self._time_base[1]

    def _demux(self) -> Generator[tuple[DecodedFrame, Packets | None], None, None]:
        decoder = new_decoder(*self._codec, keyframes_only=True, skip_deblocking=self._skip_deblocking)
        stretches: dict[int | None, Packets | None] = {}  # by the pts of the keyframe that ends them
        own: list[av.Packet] = []  # since the last keyframe, while they fit in _LARGEST
        own_bytes = -1  # -1 before the first keyframe
        own_key = 0  # bytes of the keyframe that starts `own`
        # A stretch ended by a keyframe: its packets (None when too large) and its lead, still growing
        # while the next packets are shown before that keyframe.
        ended: tuple[tuple[av.Packet, ...] | None, list[av.Packet]] | None = None
        decoded: list[tuple[int | None, DecodedFrame]] = []  # keyframes waiting for their stretch
        undecoded: set[int | None] = set()  # keyframes the gate left out, their stretches not yet ended
        # Keyframes being decoded (see __init__), in order, by their place among the stream's keyframes.
        # Before the gate is asked about a keyframe, those `behind` it or more are decoded and handed over:
        # its decision waits for what the detectors found in them, and the same file gives the same
        # decisions however the threads run.
        decoding: deque[tuple[int, Future[list[tuple[int | None, DecodedFrame]]]]] = deque()
        keys = 0  # keyframes in the stream so far
        gate = self._gate
        behind = gate.behind if gate is not None else _AHEAD
        last_dts = None
        last_key, since_key = -1.0, 0  # the last keyframe's time, and the packets from it on

        def close_stretch() -> None:
            nonlocal ended
            assert ended is not None
            before, lead = ended
            ended = None
            if lead[0].pts in undecoded:
                undecoded.discard(lead[0].pts)
                return
            # Without leading pictures the next keyframe itself is not needed.
            start = self._seconds(before[0].pts) if before else -1.0
            stretches[lead[0].pts] = (
                Packets(before, tuple(lead) if len(lead) > 1 else (), start) if before else None
            )

        def decode(packet: av.Packet) -> list[tuple[int | None, DecodedFrame]]:
            """The keyframe `packet` decoded alone: drained (a decoder that reorders would hold it back
            until the next ones), then reset for the next, as a seek resets it."""
            frames = [*decoder.decode(packet), *decoder.decode(None)]
            decoder.flush_buffers()
            return [(frame.pts, self._frame(frame)) for frame in frames]

        def collect(before: float = 0) -> None:
            """Into `decoded`, the keyframes decoded so far, waiting for those before the stream's
            keyframe number `before`."""
            while decoding and (decoding[0][0] < before or decoding[0][1].done()):
                decoded.extend(decoding.popleft()[1].result())

        def hand_over(final: bool = False) -> Iterator[tuple[DecodedFrame, Packets | None]]:
            """The keyframes decoded whose stretch is complete. One the decoder did not give (a damaged
            frame) leaves its stretch behind: the next one's packets then start too late, and ffmpeg
            decodes that stretch by time; a frame no keyframe packet had is handed on without packets."""
            while decoded:
                pts, key = decoded[0]
                if not (final or pts in stretches or any(_earlier(pts, ended_by) for ended_by in stretches)):
                    return
                decoded.pop(0)
                missed = [ended_by for ended_by in stretches if _earlier(ended_by, pts)]
                for ended_by in missed:
                    del stretches[ended_by]
                    if gate is not None:
                        gate.lost(self._seconds(ended_by))
                packets = stretches.pop(pts, None)
                if gate is not None:
                    gate.handed(key.time)
                yield key, None if missed else packets

        for packet in self._container.demux(self._stream):
            if packet.size == 0:
                continue  # the demuxer's empty packet at the end
            self.packets += 1
            dts = packet.dts if packet.dts is not None else packet.pts
            if dts is not None and last_dts is not None and self._time_base is not None:
                self.cadence.see(self._ticks(dts - last_dts))
            last_dts = dts
            if packet.is_keyframe and packet.pts is not None:
                if last_key >= 0:
                    self.cadence.keyframes(last_key, since_key, self._seconds(packet.pts))
                last_key, since_key = self._seconds(packet.pts), 0
            since_key += 1
            if ended is not None and not _shown_before(packet, ended[1][0]):
                close_stretch()
            if packet.is_keyframe:
                collect(before=keys - behind + 1)
                yield from hand_over()
                bits = own_bytes - own_key if own_bytes >= 0 else None
                wanted = gate is None or gate.decode(self._seconds(packet.pts), bits, packet.size)
                if wanted:
                    # The keyframe's packet alone: the decoder would skip the others (skip_frame), at
                    # the cost of a call each.
                    decoding.append((keys, self._keyframe_thread.submit(decode, packet)))
                keys += 1
                if own_bytes >= 0:
                    ended = (tuple(own) if own_bytes <= _LARGEST else None, [packet])
                    if not wanted:
                        undecoded.add(packet.pts)
                else:
                    stretches[packet.pts] = None  # the first keyframe: no stretch before it
                own, own_bytes, own_key = [packet], packet.size, packet.size
            elif own_bytes >= 0:
                own_bytes += packet.size
                if own_bytes <= _LARGEST:
                    own.append(packet)
                elif own:
                    own = []  # too many to hold: the stretch is left to ffmpeg
                if ended is not None:
                    ended[1].append(packet)
            collect()
            yield from hand_over()
        if ended is not None:
            close_stretch()
        collect(before=math.inf)
        if 0 <= own_bytes <= _LARGEST:
            self.tail = Packets(tuple(own), (), self._seconds(own[0].pts))
        yield from hand_over(final=True)

    def _frame(self, frame: av.VideoFrame) -> DecodedFrame:
        # Numbered 0: iframes.sparse_frames numbers by time x fps.
        return DecodedFrame(0, self._seconds(frame.pts), small_picture(frame, self.size))


def _shown_before(packet: av.Packet, keyframe: av.Packet) -> bool:
    return _earlier(packet.pts, keyframe.pts)


def _earlier(pts: int | None, than: int | None) -> bool:
    return pts is not None and than is not None and pts < than


_T = TypeVar("_T")


def read_ahead(items: Generator[_T, None, None], ahead: int, name: str) -> Generator[_T, None, None]:
    """`items`, made on a thread of their own up to `ahead` before the reader takes them: decoding (which
    lets go of the GIL) then goes on beside the detectors. Closing this closes `items` on that thread;
    their exception comes out here."""
    out: queue.Queue[tuple[bool, Any]] = queue.Queue(ahead)  # (done, item or exception)
    stop = threading.Event()

    def put(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                out.put(entry, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def make() -> None:
        try:
            for item in items:
                if not put((False, item)):
                    break
            else:
                put((True, None))
        except Exception as error:  # handed to the reader
            put((True, error))
        finally:
            items.close()

    thread = threading.Thread(target=make, name=name, daemon=True)
    thread.start()
    try:
        while True:
            done, item = out.get()
            if done:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


def new_decoder(
    codec: str, extradata: bytes | None, keyframes_only: bool = False, skip_deblocking: bool = False
) -> Any:
    """A decoder of the stream's codec on one thread (the keyframes have one, each stretch its own,
    beside the detectors: more threads would only share the same two cores)."""
    import av

    decoder = av.CodecContext.create(codec, "r")
    decoder.extradata = extradata
    decoder.thread_count = 1
    if keyframes_only:
        decoder.skip_frame = "NONKEY"
    if skip_deblocking:
        decoder.options = {"skip_loop_filter": "all"}
    return decoder


# Each thread's scaler. VideoFrame.reformat builds a new one for every frame, with a pool of slice threads
# started and stopped each time: 170 allocations and 0.1-0.6 ms of CPU a 1080p frame more than one that is
# kept, which also keeps its conversion tables while the frames' size and format stay the same.
_SCALERS = threading.local()


def small_picture(frame: av.VideoFrame, size: tuple[int, int]) -> Any:
    """I420 at `size`, scaled as media.decode_small's ffmpeg scales (fast bilinear)."""
    scaler = getattr(_SCALERS, "scaler", None)
    if scaler is None:
        from av.video.reformatter import VideoReformatter

        scaler = _SCALERS.scaler = VideoReformatter()
    # One slice thread: the decoders and the detectors already keep both cores busy.
    small = scaler.reformat(frame, size[0], size[1], "yuv420p", interpolation="FAST_BILINEAR", threads=1)
    return small.to_ndarray()
