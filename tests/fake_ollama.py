"""A fake Ollama server for tests: real HTTP on 127.0.0.1, answering like the real server does.

The real `ollama` client (0.6.3) and httpx talk to it exactly as they would to Ollama, so the code under
test is exercised through real sockets, status codes, NDJSON streams and connection failures. The
endpoints, reply shapes and error messages follow ollama/ollama server/routes.go and api/types.go.

    with FakeOllama(latency=0.05, slots=2) as server:
        client = ollama.Client(host=server.url, timeout=5)
        ...
        assert server.calls == 3 and len(server.images) == 3

Endpoints: ``GET|HEAD /``, ``GET|HEAD /api/version``, ``GET|HEAD /api/tags``, ``GET /api/ps``,
``POST /api/show``, ``POST /api/pull``, ``DELETE /api/delete``, ``POST /api/chat``, ``POST /api/generate``,
``POST /api/embed``; the OpenAI-compatible ``GET /v1/models``, ``POST /v1/chat/completions`` and
``POST /v1/embeddings``. Chat, generate and pull stream NDJSON (chunked) unless the request says
``"stream": false``.

Embeddings (``/api/embed``, ``/v1/embeddings``; only models with the ``embedding`` capability, like the
default ``embeddinggemma:latest``) are deterministic unit vectors from a hashed bag of concepts: each word
is lower-cased, stripped of common English endings, and mapped to its synonym group in ``CONCEPTS`` (so
"bike", "bicycle" and "cyclist" are one concept, "volcanic", "lava" and "magma" another); stop words do not
count. Texts that share concepts are close (cosine up to 1), texts that share none are near 0, so tests
can check a ranking. ``embed_calls`` and ``embedded_texts`` record them; ``embed_latency`` delays each.

Replies to chat/generate are computed from the request:

* with images (vision model): a caption of the last image received, from its size and mean colour:
  ``{"description": "A 64x48 frame, mostly red (mean RGB 254,0,0).", "visible_text": "",
  "objects": ["red area"]}`` fitted to the request's JSON schema (other properties get type-correct
  defaults: "" / 0 / false / [] / first enum value). A text-only model ignores images, as some real ones do.
* without images, when the schema has a ``chapters`` property: a summary echoing the prompt's keyframe
  lines ``[#3 @ 12.50s] text`` (one event each) and chapter lines ``[chapter 0.00s-12.00s] Title: text``.
* without images, when the schema has ``answered`` and ``moments`` properties (``vidscan ask``): the
  numbered moment lines ``[3] ...`` of the prompt that share the most concepts (see below) with the
  ``QUESTION:`` line are cited, and their text is the answer; when none shares one, ``answered`` is false.
* any other schema: type-correct defaults; ``format: "json"``: ``{}``; no format: plain text.

Knobs and records (all thread-safe; faults apply in FIFO order to chat/generate calls only, after the
request has been validated, so a fault never hides a 400/404):

=================================================  =========================================================
knob / attribute                                   effect
=================================================  =========================================================
``FakeOllama(models={"m:tag": ["completion"]})``   the installed models and their capabilities (a value may
                                                   also be a dict with capabilities, family, parameter_size,
                                                   quantization_level, size, context_length)
``FakeOllama(port=p)`` / ``stop()``+``start()``    a server that goes away and comes back on the same port
``FakeOllama(latency=0.3, slots=2)``               each chat/generate holds one of ``slots`` for ``latency`` s
``FakeOllama(max_queue=n)``                        n calls already waiting for a slot: the next gets 503
``FakeOllama(pullable={"m:tag": [...]})``          only these can be pulled (default: any name can)
``FakeOllama(min_image_side=28)``                  a vision call with a smaller image side crashes the runner
``FakeOllama(enforce_num_predict=True)``           cut replies at options.num_predict (4 chars a token),
                                                   with done_reason "length", as a real model does
``fail_next(n, status, message)``                  the next n calls answer that HTTP error
``reply_next(n, content, done_reason="stop")``     the next n calls reply with this raw content string
``delay_next(n, seconds)``                         the next n calls wait this long before answering
``stream_error_next(n, message)``                  the next n calls put ``{"error": message}`` in the middle
                                                   of a 200 stream (non-streaming: a 500 with the message)
``drop_connections_next(n)``                       the next n calls close the socket without answering
``clear_faults()`` / ``pending_faults``            forget / list the faults not yet used
``add_model(n, caps)`` / ``remove_model(n)``      install or delete a model while running
``caption_for = f(image, request) -> dict|str``    replaces the built-in caption (sent as JSON if a dict)
``summary_for = f(request) -> dict|str``           replaces the built-in summary
``answer_for = f(request) -> dict|str``            replaces the built-in answer to a question
``embed_latency = 0.2``                            each embedding request waits this long
``bogus_event = True``                             summaries get one more event citing keyframe 9999 at 1e6 s
``requests`` / ``requests_to(path)``              every request as (method, path, json_body or None) /
                                                   the bodies sent to one path
``images``                                         every decoded image received by chat/generate, in order
``calls`` / ``calls_by_model``                     chat+generate requests received, in total and per model
``max_concurrent_seen`` / ``in_flight``            peak and current number of calls holding a slot
``loaded_models()`` / ``reset_records()``          what /api/ps lists / clear the records above
=================================================  =========================================================

Details taken from the real server: an invalid ``format`` is a 500 (routes.go answers the runner's
format error without a status); chat/generate on a model that is not installed is a 404 saying
``model "x" not found, try pulling it first`` (some newer servers say ``model 'x' not found``, also 404);
/api/show on one is a 404 saying ``model 'x' not found``.
"""

from __future__ import annotations

import base64
import binascii
import colorsys
import contextlib
import copy
import hashlib
import io
import json
import math
import re
import socket
import socketserver
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageStat

# The real server's messages, for tests that inject the same failures.
ERR_RUNNER_STOPPED = (
    "model runner has unexpectedly stopped, this may be due to resource limitations or an internal error, "
    "check ollama server logs for details"
)
ERR_SERVER_BUSY = "server busy, please try again.  maximum pending requests exceeded"
ERR_MODEL_REQUIRED = "model is required"
ERR_MISSING_BODY = "missing request body"
# The real server reports an invalid `format` from the runner without a status, so the handler
# answers 500 (routes.go ChatHandler: a gin.H error without "status" becomes StatusInternalServerError).
INVALID_FORMAT_STATUS = 500

DEFAULT_MODELS: dict[str, dict[str, Any]] = {
    "qwen2.5vl:3b": {
        "capabilities": ["completion", "vision"],
        "family": "qwen25vl",
        "parameter_size": "3.8B",
        "size": 3_200_000_000,
        "context_length": 128000,
    },
    "qwen2.5:3b": {
        "capabilities": ["completion", "tools"],
        "family": "qwen2",
        "parameter_size": "3.1B",
        "size": 1_929_912_432,
        "context_length": 32768,
    },
    "embeddinggemma:latest": {
        "capabilities": ["embedding"],
        "family": "gemma3",
        "parameter_size": "307.58M",
        "quantization_level": "BF16",
        "size": 621_875_417,
        "context_length": 2048,
        "embedding_length": 768,
    },
}

KEYFRAME_TAG = re.compile(r"\[#(\d+) @ (\d+(?:\.\d+)?)s\]")
CHAPTER_LINE = re.compile(r"\[chapter (\d+(?:\.\d+)?)s-(\d+(?:\.\d+)?)s\] ([^:\n]*)(?::[ \t]*([^\n]*))?")
VISION_NAME_HINT = re.compile(r"vl|vision|llava|moondream|minicpm-v|gemma3|bakllava")
EMBEDDING_NAME_HINT = re.compile(r"embed|minilm|bge|e5-|arctic")
DEFAULT_KEEP_ALIVE_S = 300.0
CHARS_PER_TOKEN = 4
TOKENS_PER_IMAGE = 768

CaptionHook = Callable[[Image.Image, dict[str, Any]], dict[str, Any] | str]
SummaryHook = Callable[[dict[str, Any]], dict[str, Any] | str]


def _now_utc() -> datetime:
    return datetime.now(timezone.utc)


def _go_time(moment: datetime) -> str:
    """RFC 3339 with a 'Z' for UTC, as Go's encoding/json writes a time.Time."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def normalize_model_name(name: str) -> str:
    """The key a model is found by: lower case, without the default registry prefix, ':latest' if untagged
    (Ollama matches names case-insensitively and reads 'llava' as 'llava:latest')."""
    key = name.strip().lower()
    for prefix in ("registry.ollama.ai/library/", "registry.ollama.ai/"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    if ":" not in key.rsplit("/", 1)[-1]:
        key += ":latest"
    return key


@dataclass
class FakeModel:
    """One installed model, with the metadata /api/tags, /api/show and /api/ps report."""

    name: str
    capabilities: list[str]
    family: str
    parameter_size: str
    quantization_level: str
    size: int
    context_length: int
    modified_at: datetime
    custom_digest: str = ""  # a new version of the same name (spec key "digest")
    embedding_length: int = 2048  # the length of its vectors (an embedding model's own dimensions)

    @property
    def digest(self) -> str:
        return self.custom_digest or hashlib.sha256(self.name.encode()).hexdigest()

    @classmethod
    def build(cls, name: str, spec: Sequence[str] | Mapping[str, Any] | None = None) -> FakeModel:
        options: Mapping[str, Any] = (
            spec if isinstance(spec, Mapping) else {"capabilities": list(spec or ["completion"])}
        )
        base = name.split(":", 1)[0].rsplit("/", 1)[-1].lower()
        tag = name.split(":", 1)[1] if ":" in name else "latest"
        size_match = re.fullmatch(r"(\d+(?:\.\d+)?)([bm])", tag.lower())
        parameter_size = f"{size_match.group(1)}{size_match.group(2).upper()}" if size_match else "7B"
        billions = (
            float(size_match.group(1)) / (1000 if size_match.group(2) == "m" else 1) if size_match else 7
        )
        return cls(
            name=name,
            capabilities=list(options.get("capabilities", ["completion"])),
            family=str(options.get("family", re.sub(r"[^a-z0-9]", "", base) or "llama")),
            parameter_size=str(options.get("parameter_size", parameter_size)),
            quantization_level=str(options.get("quantization_level", "Q4_K_M")),
            # Q4_K_M weighs about 0.6 bytes a parameter.
            size=int(options.get("size", int(billions * 0.6e9))),
            context_length=int(options.get("context_length", 32768)),
            modified_at=options.get("modified_at", _now_utc() - timedelta(days=3)),
            custom_digest=str(options.get("digest", "")),
            embedding_length=int(options.get("embedding_length", 2048)),
        )

    def details(self) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization_level,
        }

    def tags_entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.name,
            "modified_at": _go_time(self.modified_at),
            "size": self.size,
            "digest": self.digest,
            "details": self.details(),
        }

    def show_reply(self) -> dict[str, Any]:
        return {
            "license": "",
            "modelfile": (
                '# Modelfile generated by "ollama show"\n'
                "# To build a new Modelfile based on this, replace FROM with:\n"
                f"# FROM {self.name}\n\nFROM /fake/blobs/sha256-{self.digest}\n"
                'TEMPLATE "{{ .Prompt }}"\n'
            ),
            "parameters": 'temperature                    0.1\nstop                           "<|im_end|>"',
            "template": "{{ .Prompt }}",
            "details": self.details(),
            "model_info": {
                "general.architecture": self.family,
                "general.basename": self.name.split(":", 1)[0],
                "general.file_type": 15,
                "general.parameter_count": self.size * 5 // 3,
                f"{self.family}.context_length": self.context_length,
                f"{self.family}.embedding_length": self.embedding_length,
            },
            "capabilities": list(self.capabilities),
            "modified_at": _go_time(self.modified_at),
        }


@dataclass(frozen=True)
class Fault:
    """One injected failure for one chat/generate call."""

    kind: str  # "error" | "reply" | "delay" | "stream_error" | "drop"
    status: int = 0
    message: str = ""
    content: str = ""
    done_reason: str = "stop"
    seconds: float = 0.0


@dataclass
class _Reply:
    """What one chat/generate call answers, before it is framed as JSON or NDJSON."""

    content: str
    done_reason: str = "stop"
    stream_error: str | None = None
    prompt_tokens: int = 1
    queue_seconds: float = 0.0
    work_seconds: float = 0.0


class _RequestError(Exception):
    """An HTTP error answer, raised from deep inside request handling."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------------------------------------
# Images and replies


def colour_name(red: float, green: float, blue: float) -> str:
    """A coarse name for a mean colour, enough to tell test frames apart."""
    hue, saturation, value = colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)
    if value < 0.2:
        return "black"
    if saturation < 0.2:
        return "white" if value > 0.8 else "gray"
    degrees = hue * 360
    for limit, name in (
        (15, "red"),
        (45, "orange"),
        (70, "yellow"),
        (160, "green"),
        (200, "cyan"),
        (260, "blue"),
        (290, "purple"),
        (345, "magenta"),
    ):
        if degrees < limit:
            return name
    return "red"


def describe_image(image: Image.Image) -> dict[str, Any]:
    """The built-in caption: size, mean colour and its name, so a test can tell which frame was sent."""
    red, green, blue = (round(v) for v in ImageStat.Stat(image.convert("RGB")).mean[:3])
    name = colour_name(red, green, blue)
    width, height = image.size
    return {
        "description": f"A {width}x{height} frame, mostly {name} (mean RGB {red},{green},{blue}).",
        "visible_text": "",
        "objects": [f"{name} area"],
    }


def summarize_prompt(prompt: str, bogus_event: bool = False) -> dict[str, Any]:
    """The built-in summary: one event per tagged keyframe line, chapters echoed from chapter lines."""
    keyframes: dict[int, tuple[float, str]] = {}
    for line in prompt.splitlines():
        tags = list(KEYFRAME_TAG.finditer(line))
        for match, following in zip(tags, [*tags[1:], None], strict=False):
            number = int(match.group(1))
            # A tag's text runs to the next tag on the line; the first mention of a keyframe wins.
            text = line[match.end() : following.start() if following else len(line)].strip(" \t|")
            keyframes.setdefault(number, (float(match.group(2)), text[:80]))
    events: list[dict[str, Any]] = [
        {"time": t, "description": text, "keyframes": [n]}
        for n, (t, text) in sorted(keyframes.items(), key=lambda item: (item[1][0], item[0]))
    ]
    times = [event["time"] for event in events]
    chapters: list[dict[str, Any]] = [
        {
            "start": float(m.group(1)),
            "end": float(m.group(2)),
            "title": m.group(3).strip(),
            "summary": (m.group(4) or "").strip(),
        }
        for m in CHAPTER_LINE.finditer(prompt)
    ]
    if not chapters:
        first, last = (min(times), max(times)) if times else (0.0, 0.0)
        chapters = [
            {
                "start": first,
                "end": last,
                "title": "Chapter 1",
                "summary": f"Keyframes from {first:.2f}s to {last:.2f}s.",
            }
        ]
    if bogus_event:
        events.append({"time": 1e6, "description": "Something that no keyframe shows.", "keyframes": [9999]})
    count = len(keyframes)
    span = f" from {min(times):.2f}s to {max(times):.2f}s" if times else ""
    return {
        "title": f"Video with {count} keyframes",
        "overview": f"A video with {count} keyframes{span}, in {len(chapters)} chapter(s).",
        "chapters": chapters,
        "events": events,
    }


# ---------------------------------------------------------------------------------------------------
# Embeddings and answers: words reduced to concepts

# Words that stand for one concept: a test can ask for "a bike" and find "a cyclist".
CONCEPTS: dict[str, tuple[str, ...]] = {
    "vehicle": ("car", "vehicle", "truck", "van", "automobile", "lorry"),
    "bicycle": ("bicycle", "bike", "cyclist", "cycling", "biker"),
    "person": ("person", "people", "man", "woman", "pedestrian", "visitor", "someone", "human"),
    "bag": ("bag", "backpack", "handbag", "suitcase", "luggage"),
    "volcano": ("volcano", "volcanic", "lava", "magma", "eruption", "erupt", "basalt"),
    "glacier": ("glacier", "glacial", "ice", "moraine", "fjord"),
    "desert": ("desert", "dune", "sand", "mesa", "arid"),
    "bird": ("penguin", "bird"),
    "music": ("guitar", "instrument", "music"),
    "bottle": ("bottle", "cap", "lid"),
}
STOP_WORDS = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "by", "did", "do", "does", "for", "from", "has", "have",
        "he", "her", "his", "how", "in", "is", "it", "its", "of", "on", "or", "she", "that", "the", "their",
        "them", "there", "they", "this", "to", "was", "were", "what", "when", "where", "which", "who",
        "why", "with", "you", "your", "about", "show", "shows", "shown", "frame", "video", "mostly",
    ]
)  # fmt: skip
_ENDINGS = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "ic", "s")
_WORD = re.compile(r"\w+")


def word_stem(word: str) -> str:
    """A crude English stem: one common ending off, when enough of the word is left."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


_CONCEPT_OF = {word_stem(w): name for name, words in CONCEPTS.items() for w in words}


def concepts(text: str) -> list[str]:
    """The text's words as concepts, in order (stop words left out)."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    return [_CONCEPT_OF.get(word_stem(w), word_stem(w)) for w in words]


def fake_embedding(text: str, dimensions: int) -> list[float]:
    """A unit vector: each concept adds ±1 at a position its hash picks (a hashed bag of concepts)."""
    vector = [0.0] * dimensions
    for concept in concepts(text) or [f"\0{text}"]:  # a text of stop words only still gets a vector
        digest = hashlib.sha256(concept.encode()).digest()
        position = int.from_bytes(digest[:4], "big") % dimensions
        vector[position] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


MOMENT_LINE = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)
QUESTION_LINE = re.compile(r"^QUESTION: (.*)$", re.MULTILINE)


def answer_prompt(prompt: str) -> dict[str, Any]:
    """The built-in answer: cite the moments that share the most concepts with the question, quoted."""
    question = QUESTION_LINE.search(prompt)
    wanted = set(concepts(question.group(1))) if question else set()
    overlap = {int(m.group(1)): len(wanted & set(concepts(m.group(2)))) for m in MOMENT_LINE.finditer(prompt)}
    lines = {int(m.group(1)): m.group(2).strip() for m in MOMENT_LINE.finditer(prompt)}
    best = max(overlap.values(), default=0)
    # The moments that share the most concepts with the question (a real model reads them all).
    cited = [(n, lines[n]) for n, shared in overlap.items() if shared and shared == best]
    if not cited:
        return {"answer": "The moments do not show this.", "answered": False, "moments": []}
    return {
        "answer": " ".join(f"Moment [{n}]: {text[:160]}" for n, text in cited[:3]),
        "answered": True,
        "moments": [n for n, _ in cited[:3]],
    }


# ---------------------------------------------------------------------------------------------------
# Fitting a value to a JSON schema (what constrained decoding guarantees on the real server)

_SCHEMA_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _resolve(schema: Any, root: Mapping[str, Any]) -> dict[str, Any]:
    """Follows local $refs (pydantic puts nested models under #/$defs)."""
    for _ in range(32):
        if not isinstance(schema, dict) or "$ref" not in schema:
            break
        node: Any = root
        for part in str(schema["$ref"]).lstrip("#").split("/"):
            if part:
                node = (
                    node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
                )
        schema = node
    return schema if isinstance(schema, dict) else {}


def _schema_types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return []


def _has_type(value: Any, type_name: str) -> bool:
    if type_name == "null":
        return value is None
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "array":
        return isinstance(value, list)
    if type_name == "object":
        return isinstance(value, dict)
    return False


def _fits(value: Any, schema: Any, root: Mapping[str, Any]) -> bool:
    resolved = _resolve(schema, root)
    if "const" in resolved:
        return bool(value == resolved["const"])
    if "enum" in resolved:
        return value in resolved["enum"]
    options = resolved.get("anyOf") or resolved.get("oneOf")
    if isinstance(options, list):
        return any(_fits(value, option, root) for option in options)
    types = _schema_types(resolved)
    return not types or any(_has_type(value, t) for t in types)


def schema_default(schema: Any, root: Mapping[str, Any]) -> Any:
    """A type-correct value for a schema: "" / 0 / false / [] / first enum value / an object of defaults."""
    resolved = _resolve(schema, root)
    if "const" in resolved:
        return resolved["const"]
    if "default" in resolved:
        return copy.deepcopy(resolved["default"])
    if resolved.get("enum"):
        return resolved["enum"][0]
    options = resolved.get("anyOf") or resolved.get("oneOf")
    if isinstance(options, list) and options:
        non_null = [o for o in options if _schema_types(_resolve(o, root)) != ["null"]]
        return schema_default(non_null[0], root) if non_null else None
    all_of = resolved.get("allOf")
    if isinstance(all_of, list) and all_of:
        return schema_default(all_of[0], root)
    types = _schema_types(resolved)
    kind = next((t for t in types if t != "null"), "null" if types else "")
    if kind == "object":
        return fit_to_schema({}, resolved, root)
    if kind == "array":
        return [
            schema_default(resolved.get("items", {}), root) for _ in range(int(resolved.get("minItems", 0)))
        ]
    if kind == "string":
        return "x" * int(resolved.get("minLength", 0))
    if kind in ("integer", "number"):
        low = resolved.get("minimum", resolved.get("exclusiveMinimum"))
        value = max(0, math.ceil(low)) if isinstance(low, (int, float)) else 0
        if "exclusiveMinimum" in resolved and value <= resolved["exclusiveMinimum"]:
            value += 1
        return value
    if kind == "boolean":
        return False
    return None


def fit_to_schema(value: Any, schema: Any, root: Mapping[str, Any] | None = None) -> Any:
    """`value` reshaped to satisfy `schema`: matching parts kept, everything else a type-correct default.
    Objects get exactly the schema's properties, so extra required fields are always present."""
    root = root if root is not None else (schema if isinstance(schema, Mapping) else {})
    resolved = _resolve(schema, root)
    if "const" in resolved or "enum" in resolved:
        return value if _fits(value, resolved, root) else schema_default(resolved, root)
    options = resolved.get("anyOf") or resolved.get("oneOf")
    if isinstance(options, list) and options:
        for option in options:
            if _fits(value, option, root):
                return fit_to_schema(value, option, root)
        return schema_default(resolved, root)
    types = _schema_types(resolved)
    if not types:
        return value
    if "object" in types and isinstance(value, dict):
        properties = resolved.get("properties")
        if not isinstance(properties, dict):
            return value
        return {
            key: fit_to_schema(value[key], sub, root) if key in value else schema_default(sub, root)
            for key, sub in properties.items()
        }
    if "array" in types and isinstance(value, list):
        items = resolved.get("items", {})
        fitted = [fit_to_schema(item, items, root) for item in value]
        if isinstance(resolved.get("maxItems"), int):
            fitted = fitted[: resolved["maxItems"]]
        while len(fitted) < int(resolved.get("minItems", 0)):
            fitted.append(schema_default(items, root))
        return fitted
    if "string" in types and isinstance(value, str):
        return value if len(value) >= int(resolved.get("minLength", 0)) else schema_default(resolved, root)
    if "integer" in types and isinstance(value, float) and not isinstance(value, bool) and value.is_integer():
        return int(value)
    if any(_has_type(value, t) for t in types):
        return value
    if "integer" in types and isinstance(value, float):
        return round(value)
    if "string" in types and _has_type(value, "number"):
        return str(value)
    return schema_default(resolved, root)


def format_problem(fmt: Any) -> str | None:
    """The real server's complaint about a `format` value, or None when it is acceptable
    (absent, null, "", "json", or a JSON object usable as a schema)."""
    if fmt is None or fmt in ("", "json"):
        return None
    if not isinstance(fmt, dict):
        raw = json.dumps(fmt, separators=(",", ":"))
        return f'invalid format: {json.dumps(raw)}; expected "json" or a valid JSON Schema object'
    declared = fmt.get("type")
    names = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else []
    if declared is not None and (not names or any(n not in _SCHEMA_TYPES for n in names)):
        return "invalid JSON schema in format"
    return None


def _illegal_base64_at(text: str) -> int | None:
    """Where Go's strict base64 decoder would fail on `text`, or None if it decodes."""
    try:
        base64.b64decode(text, validate=True)
        return None
    except (binascii.Error, ValueError):
        alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        for index, char in enumerate(text):
            if char not in alphabet:
                return index
        return len(text)


def _parse_keep_alive(value: Any) -> float:
    """Seconds from a keep_alive value: a number of seconds or a Go duration like '10m'; < 0 is forever."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.strip():
        units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
        parts = re.findall(r"(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", value.strip())
        if parts:
            return sum(float(number) * units[unit] for number, unit in parts)
        try:
            return float(value)
        except ValueError:
            pass
    return DEFAULT_KEEP_ALIVE_S


# ---------------------------------------------------------------------------------------------------
# The server


class FakeOllama:
    """A fake Ollama on 127.0.0.1 in a background thread; see the module docstring for the knobs."""

    def __init__(
        self,
        models: Mapping[str, Sequence[str] | Mapping[str, Any]] | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        latency: float = 0.0,
        slots: int | None = None,
        max_queue: int | None = None,
        pullable: Mapping[str, Sequence[str] | Mapping[str, Any]] | None = None,
        min_image_side: int = 0,
        enforce_num_predict: bool = False,
        version: str = "0.12.6",
    ) -> None:
        self.host = host
        self.latency = latency
        self.max_queue = max_queue
        self.min_image_side = min_image_side
        self.enforce_num_predict = enforce_num_predict
        self.version = version
        self.pullable = dict(pullable) if pullable is not None else None
        self.caption_for: CaptionHook | None = None
        self.summary_for: SummaryHook | None = None
        self.bogus_event = False
        self.answer_for: SummaryHook | None = None
        self.embed_latency = 0.0
        self.embed_calls = 0
        self.embedded_texts: list[str] = []

        self.requests: list[tuple[str, str, Any]] = []
        self.images: list[Image.Image] = []
        self.calls = 0
        self.calls_by_model: dict[str, int] = {}
        self.in_flight = 0
        self.max_concurrent_seen = 0

        self._lock = threading.Lock()
        self._models: dict[str, FakeModel] = {}
        for name, spec in (DEFAULT_MODELS if models is None else models).items():
            self.add_model(name, spec)
        self._loaded: dict[str, datetime] = {}  # normalized name -> expires_at
        self._faults: deque[Fault] = deque()
        self._slots = threading.BoundedSemaphore(slots) if slots else None
        self._waiting = 0
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._serve_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: dict[socket.socket, threading.Thread] = {}

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeOllama:
        """Starts serving (again on the same port after stop(), like a restarted Ollama)."""
        if self._httpd is not None:
            return self
        self._stopping = threading.Event()
        httpd = _HTTPServer((self.host, self._port), _Handler)
        httpd.fake = self
        self._port = httpd.server_address[1]
        self._httpd = httpd
        self._serve_thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-ollama:{self._port}"
        )
        self._serve_thread.daemon = True
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        """Closes the listening socket and every open connection; handler threads end promptly."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping for latency, delays or a slot
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections.items())
        for connection, _ in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in connections:
            thread.join(timeout=2)
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=2)
            self._serve_thread = None

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- models -----------------------------------------------------------------------------------

    def add_model(self, name: str, spec: Sequence[str] | Mapping[str, Any] | None = None) -> FakeModel:
        """Installs a model (as if pulled); `spec` is a capability list or a dict of FakeModel fields."""
        model = FakeModel.build(name, spec)
        with self._lock:
            self._models[normalize_model_name(name)] = model
        return model

    def remove_model(self, name: str) -> None:
        with self._lock:
            self._models.pop(normalize_model_name(name), None)
            self._loaded.pop(normalize_model_name(name), None)

    def model(self, name: str) -> FakeModel | None:
        with self._lock:
            return self._models.get(normalize_model_name(name))

    @property
    def model_names(self) -> list[str]:
        with self._lock:
            return [m.name for m in self._models.values()]

    # -- faults -----------------------------------------------------------------------------------

    def _queue(self, n: int, fault: Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * n)

    def fail_next(self, n: int = 1, status: int = 500, message: str = ERR_RUNNER_STOPPED) -> None:
        self._queue(n, Fault("error", status=status, message=message))

    def reply_next(self, n: int = 1, content: str = "", done_reason: str = "stop") -> None:
        self._queue(n, Fault("reply", content=content, done_reason=done_reason))

    def delay_next(self, n: int = 1, seconds: float = 1.0) -> None:
        self._queue(n, Fault("delay", seconds=seconds))

    def stream_error_next(self, n: int = 1, message: str = ERR_RUNNER_STOPPED) -> None:
        self._queue(n, Fault("stream_error", message=message))

    def drop_connections_next(self, n: int = 1) -> None:
        self._queue(n, Fault("drop"))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    # -- records ----------------------------------------------------------------------------------

    def requests_to(self, path: str) -> list[Any]:
        """The JSON bodies of the requests made to one path, in order."""
        with self._lock:
            return [body for _, p, body in self.requests if p == path]

    def reset_records(self) -> None:
        with self._lock:
            self.requests.clear()
            self.images.clear()
            self.calls = 0
            self.calls_by_model.clear()
            self.max_concurrent_seen = 0
            self.embed_calls = 0
            self.embedded_texts.clear()

    def _record(self, method: str, path: str, body: Any) -> None:
        with self._lock:
            self.requests.append((method, path, body))

    def _register_connection(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections[connection] = threading.current_thread()

    def _unregister_connection(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.pop(connection, None)

    def _sleep(self, seconds: float) -> bool:
        """Sleeps unless the server stops first; True if it is still running."""
        return not self._stopping.wait(seconds) if seconds > 0 else not self._stopping.is_set()

    # -- slots ------------------------------------------------------------------------------------

    def _acquire_slot(self) -> None:
        with self._lock:
            if self.max_queue is not None and self._slots is not None and self._waiting >= self.max_queue:
                raise _RequestError(503, ERR_SERVER_BUSY)
            self._waiting += 1
        try:
            while self._slots is not None and not self._slots.acquire(timeout=0.05):
                if self._stopping.is_set():
                    raise _RequestError(499, "request canceled")
        finally:
            with self._lock:
                self._waiting -= 1
        with self._lock:
            self.in_flight += 1
            self.max_concurrent_seen = max(self.max_concurrent_seen, self.in_flight)

    def wait_idle(self, timeout: float = 2.0) -> bool:
        """Waits until no call holds a slot; True if that happened within ``timeout``.

        A client can return as soon as the reply's last byte arrives, a moment before the
        handler thread releases its slot, so tests that check ``in_flight`` wait here first.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.in_flight == 0:
                    return True
            time.sleep(0.01)
        return False

    def _release_slot(self) -> None:
        with self._lock:
            self.in_flight -= 1
        if self._slots is not None:
            self._slots.release()

    # -- ps ---------------------------------------------------------------------------------------

    def _mark_loaded(self, key: str, keep_alive: Any) -> None:
        seconds = _parse_keep_alive(keep_alive)
        with self._lock:
            if seconds == 0:
                self._loaded.pop(key, None)
            else:
                # A negative keep_alive keeps the model loaded forever: far in the future.
                ttl = timedelta(days=365 * 200) if seconds < 0 else timedelta(seconds=seconds)
                self._loaded[key] = _now_utc() + ttl

    def loaded_models(self) -> list[str]:
        with self._lock:
            now = _now_utc()
            return [self._models[k].name for k, t in self._loaded.items() if t > now and k in self._models]

    def _ps_reply(self) -> dict[str, Any]:
        with self._lock:
            now = _now_utc()
            entries = [
                (self._models[key], expires)
                for key, expires in self._loaded.items()
                if expires > now and key in self._models
            ]
        entries.sort(key=lambda entry: entry[1], reverse=True)
        return {
            "models": [
                {
                    "name": m.name,
                    "model": m.name,
                    "size": m.size + 500_000_000,
                    "digest": m.digest,
                    "details": m.details(),
                    "expires_at": _go_time(expires),
                    "size_vram": m.size + 500_000_000,
                    "context_length": 4096,
                }
                for m, expires in entries
            ]
        }


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: FakeOllama

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall: skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-reply is normal in these tests; stay quiet


_ROUTES: dict[str, set[str]] = {
    "/": {"GET", "HEAD"},
    "/api/version": {"GET", "HEAD"},
    "/api/tags": {"GET", "HEAD"},
    "/api/ps": {"GET"},
    "/api/show": {"POST"},
    "/api/pull": {"POST"},
    "/api/delete": {"DELETE"},
    "/api/chat": {"POST"},
    "/api/generate": {"POST"},
    # The OpenAI-compatible dialect, translated to /api/chat the way Ollama's own middleware does.
    "/v1/models": {"GET"},
    "/v1/chat/completions": {"POST"},
    "/v1/embeddings": {"POST"},
    "/api/embed": {"POST"},
}


_GO_REQUEST_TYPES = {
    "/api/show": "api.ShowRequest",
    "/api/pull": "api.PullRequest",
    "/api/delete": "api.DeleteRequest",
    "/api/chat": "api.ChatRequest",
    "/api/generate": "api.GenerateRequest",
    "/api/embed": "api.EmbedRequest",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    @property
    def fake(self) -> FakeOllama:
        return self.server.fake

    # -- plumbing ---------------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.fake._register_connection(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.fake._unregister_connection(self.connection)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            self.close_connection = True  # the client or stop() closed the socket

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        # Like Go's net/http: a Date header and no Server header.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def _send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, payload: Any) -> None:
        if getattr(self, "_openai_dialect", False):
            payload = _to_openai_reply(status, payload)
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        self._send_body(status, body, "application/json; charset=utf-8")

    def _send_error_json(self, status: int, message: str) -> None:
        self._send_json(status, {"error": message})

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _stream_line(self, payload: Any) -> None:
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_json(self, path: str) -> dict[str, Any]:
        """The request body as a JSON object, recorded; raises _RequestError as the real server answers."""
        raw = self._read_body()
        body: Any = None
        problem: str | None = None
        if not raw.strip():
            problem = ERR_MISSING_BODY
        else:
            try:
                body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                problem = _go_json_error(raw, error)
        self.fake._record(self.command, path, body)
        if problem is not None:
            raise _RequestError(400, problem)
        if not isinstance(body, dict):
            kind = {list: "array", str: "string", bool: "bool", type(None): "null"}.get(type(body), "number")
            go_type = _GO_REQUEST_TYPES.get(path, "api.Request")
            raise _RequestError(400, f"json: cannot unmarshal {kind} into Go value of type {go_type}")
        return body

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        methods = _ROUTES.get(path)
        if methods is None:
            self._read_body()  # keeps a keep-alive connection in step
            self.fake._record(self.command, path, None)
            self._send_body(404, b"404 page not found", "text/plain")
            return
        if self.command not in methods:
            self._read_body()
            self._send_body(405, b"405 method not allowed", "text/plain")
            return
        if self.command in ("GET", "HEAD"):
            self.fake._record(self.command, path, None)
        try:
            if path == "/":
                self._send_body(200, b"Ollama is running", "text/plain; charset=utf-8")
            elif path == "/api/version":
                self._send_json(200, {"version": self.fake.version})
            elif path == "/api/tags":
                self._handle_tags()
            elif path == "/api/ps":
                self._send_json(200, self.fake._ps_reply())
            elif path == "/api/show":
                self._handle_show(self._read_json(path))
            elif path == "/api/pull":
                self._handle_pull(self._read_json(path))
            elif path == "/api/delete":
                self._handle_delete(self._read_json(path))
            elif path == "/v1/models":
                self._handle_openai_models()
            elif path == "/api/embed":
                self._handle_embed(self._read_json(path))
            elif path == "/v1/embeddings":
                self._openai_dialect = True
                self._handle_embed(self._read_json(path), openai=True)
            elif path == "/v1/chat/completions":
                self._openai_dialect = True
                self._handle_inference("/api/chat", _from_openai_request(self._read_json(path)))
            else:
                self._handle_inference(path, self._read_json(path))
        except _RequestError as error:
            self._send_error_json(error.status, error.message)
        except OSError:
            raise  # the connection is gone: handle() closes it
        except Exception as error:
            # A bug in the fake: answer 500 as gin's recovery middleware would, and show the traceback.
            traceback.print_exc()
            self._send_error_json(500, f"fake ollama: {error!r}")

    do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = _dispatch

    def _handle_openai_models(self) -> None:
        with self.fake._lock:
            models = list(self.fake._models.values())
        data = [
            {
                "id": m.name,
                "object": "model",
                "created": int(m.modified_at.timestamp()),
                "owned_by": "library",
            }
            for m in models
        ]
        self._send_json(200, {"object": "list", "data": data})

    # -- model management ---------------------------------------------------------------------------

    def _handle_tags(self) -> None:
        with self.fake._lock:
            models = sorted(self.fake._models.values(), key=lambda m: m.modified_at, reverse=True)
        self._send_json(200, {"models": [m.tags_entry() for m in models]})

    def _handle_show(self, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name")
        if not isinstance(name, str) or not name:
            raise _RequestError(400, ERR_MODEL_REQUIRED)
        model = self.fake.model(name)
        if model is None:
            raise _RequestError(404, f"model '{name}' not found")
        self._send_json(200, model.show_reply())

    def _handle_delete(self, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name")
        if not isinstance(name, str) or not name:
            raise _RequestError(400, ERR_MODEL_REQUIRED)
        if self.fake.model(name) is None:
            raise _RequestError(404, f"model '{name}' not found")
        self.fake.remove_model(name)
        self._send_body(200, b"", "text/plain; charset=utf-8")

    def _handle_pull(self, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name")
        if not isinstance(name, str) or not name:
            raise _RequestError(400, ERR_MODEL_REQUIRED)
        stream = body.get("stream") is not False
        spec: Sequence[str] | Mapping[str, Any] | None = None
        if self.fake.pullable is not None:
            wanted = normalize_model_name(name)
            spec = next((s for n, s in self.fake.pullable.items() if normalize_model_name(n) == wanted), None)
            if spec is None:
                # The registry has no such manifest: the error follows the first status line.
                error = "pull model manifest: file does not exist"
                if not stream:
                    raise _RequestError(500, error)
                self._start_stream()
                self._stream_line({"status": "pulling manifest"})
                self._stream_line({"error": error})
                self._end_stream()
                return
        else:
            base = normalize_model_name(name).split(":", 1)[0]
            spec = ["completion", "vision"] if VISION_NAME_HINT.search(base) else ["completion"]
            if EMBEDDING_NAME_HINT.search(base):
                spec = {"capabilities": ["embedding"], "embedding_length": 768}
        display = name if ":" in name.rsplit("/", 1)[-1] else name + ":latest"
        model = FakeModel.build(display, spec)
        model.modified_at = _now_utc()
        layers = [
            (model.digest, model.size),
            (hashlib.sha256(display.encode() + b"/params").hexdigest(), 567),
        ]
        lines: list[dict[str, Any]] = [{"status": "pulling manifest"}]
        for digest, total in layers:
            for completed in (0, total // 3, 2 * total // 3, total):
                lines.append(
                    {
                        "status": f"pulling {digest[:12]}",
                        "digest": f"sha256:{digest}",
                        "total": total,
                        "completed": completed,
                    }
                )
        lines += [
            {"status": "verifying sha256 digest"},
            {"status": "writing manifest"},
            {"status": "success"},
        ]
        with self.fake._lock:
            self.fake._models[normalize_model_name(display)] = model
        if not stream:
            self._send_json(200, {"status": "success"})
            return
        self._start_stream()
        for line in lines:
            self._stream_line(line)
        self._end_stream()

    def _model_of(self, body: dict[str, Any], not_found: str) -> tuple[str, FakeModel]:
        """The request's model name and the installed model; 400 without a name, 404 (with the
        endpoint's own message) when it is not installed."""
        name = body.get("model")
        if not isinstance(name, str) or not name:
            raise _RequestError(400, ERR_MODEL_REQUIRED)
        model = self.fake.model(name)
        if model is None:
            raise _RequestError(404, not_found.format(name))
        return name, model

    # -- embeddings ---------------------------------------------------------------------------------

    def _handle_embed(self, body: dict[str, Any], openai: bool = False) -> None:
        """/api/embed (and /v1/embeddings in the OpenAI shape): one unit vector per input, in order."""
        fake = self.fake
        name, model = self._model_of(body, "model '{}' not found")
        if "embedding" not in model.capabilities:
            raise _RequestError(400, f'"{name}" does not support embeddings')
        raw = body.get("input")
        if isinstance(raw, str):
            texts = [raw]
        elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
            texts = list(raw)
        elif raw is None:
            texts = []
        else:
            raise _RequestError(400, "invalid input type")
        limit = model.context_length * CHARS_PER_TOKEN
        if body.get("truncate") is False and any(len(t) > limit for t in texts):
            raise _RequestError(400, "input length exceeds the context length")
        dimensions = body.get("dimensions") or model.embedding_length
        if not isinstance(dimensions, int) or dimensions < 1:
            raise _RequestError(400, "dimensions must be a positive integer")
        with fake._lock:
            fake.embed_calls += 1
            fake.embedded_texts.extend(texts)
        if not fake._sleep(fake.embed_latency):
            raise _RequestError(499, "request canceled")
        vectors = [fake_embedding(t[:limit], dimensions) for t in texts]
        tokens = sum(len(t[:limit]) // CHARS_PER_TOKEN + 1 for t in texts)
        fake._mark_loaded(normalize_model_name(name), body.get("keep_alive"))
        if openai:
            payload: dict[str, Any] = {
                "object": "list",
                "data": [{"object": "embedding", "embedding": v, "index": i} for i, v in enumerate(vectors)],
                "model": name,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
            body_bytes = json.dumps(payload, separators=(",", ":")).encode()
            self._send_body(200, body_bytes, "application/json; charset=utf-8")
            return
        self._send_json(
            200,
            {
                "model": name,
                "embeddings": vectors,
                "total_duration": int(fake.embed_latency * 1e9) + 1_000_000,
                "load_duration": 1_000_000,
                "prompt_eval_count": tokens,
            },
        )

    # -- chat and generate --------------------------------------------------------------------------

    def _handle_inference(self, path: str, body: dict[str, Any]) -> None:
        fake = self.fake
        started = time.monotonic()
        is_chat = path == "/api/chat"
        endpoint = "chat" if is_chat else "generate"
        name = body.get("model")
        with fake._lock:
            fake.calls += 1
            label = name if isinstance(name, str) else ""
            fake.calls_by_model[label] = fake.calls_by_model.get(label, 0) + 1

        images = self._decode_images(body, is_chat)
        name, model = self._model_of(body, 'model "{}" not found, try pulling it first')
        if "completion" not in model.capabilities:
            raise _RequestError(400, f'"{name}" does not support {endpoint}')
        if body.get("think") not in (None, False) and "thinking" not in model.capabilities:
            raise _RequestError(400, f'"{name}" does not support thinking')
        if is_chat and body.get("tools") and "tools" not in model.capabilities:
            raise _RequestError(400, f"registry.ollama.ai/library/{model.name} does not support tools")

        key = normalize_model_name(name)
        keep_alive = body.get("keep_alive")
        messages = body.get("messages") or []
        if (is_chat and not messages) or (not is_chat and not body.get("prompt")):
            # An empty request loads (or with keep_alive 0 unloads) the model, answering at once.
            unload = keep_alive is not None and _parse_keep_alive(keep_alive) == 0
            fake._mark_loaded(key, keep_alive)
            reply: dict[str, Any] = {"model": name, "created_at": _go_time(_now_utc())}
            reply.update({"message": {"role": "assistant", "content": ""}} if is_chat else {"response": ""})
            reply.update({"done_reason": "unload" if unload else "load", "done": True})
            self._send_json(200, reply)
            return

        fmt = body.get("format")
        problem = format_problem(fmt)
        if problem is not None:
            raise _RequestError(INVALID_FORMAT_STATUS, problem)

        fault = fake._next_fault()
        if fault is not None and fault.kind == "error":
            raise _RequestError(fault.status, fault.message)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return

        stream = body.get("stream") is not False
        vision = "vision" in model.capabilities
        fake._acquire_slot()
        try:
            queued = time.monotonic() - started
            if fault is not None and fault.kind == "delay" and not fake._sleep(fault.seconds):
                raise _RequestError(499, "request canceled")
            if vision and any(image is None for image in images):
                raise _RequestError(500, "failed to process inputs: image: unknown format")
            if vision and fake.min_image_side and any(min(i.size) < fake.min_image_side for i in images if i):
                raise _RequestError(500, ERR_RUNNER_STOPPED)
            seen = [image for image in images if image is not None] if vision else []
            reply_text = self._compose(body, is_chat, seen, ignored_images=bool(images) and not vision)
            result = _Reply(content=reply_text, queue_seconds=queued)
            if fault is not None and fault.kind == "reply":
                result.content, result.done_reason = fault.content, fault.done_reason
            if fault is not None and fault.kind == "stream_error":
                result.stream_error = fault.message
            self._apply_num_predict(body, result)
            result.prompt_tokens = len(_prompt_text(body, is_chat)) // CHARS_PER_TOKEN + 1
            result.prompt_tokens += TOKENS_PER_IMAGE * len(seen)
            if stream:
                self._reply_streaming(name, is_chat, result, started)
            else:
                if not fake._sleep(fake.latency):
                    raise _RequestError(499, "request canceled")
                result.work_seconds = fake.latency
                if result.stream_error is not None:
                    raise _RequestError(500, result.stream_error)
                self._send_json(200, _final_chunk(name, is_chat, result, started, result.content))
        finally:
            fake._release_slot()
        fake._mark_loaded(key, keep_alive)

    def _decode_images(self, body: dict[str, Any], is_chat: bool) -> list[Image.Image | None]:
        """Every image of the request decoded (None where the bytes are not an image), and recorded."""
        encoded: list[Any] = []
        if is_chat:
            messages = body.get("messages")
            if messages is not None and not isinstance(messages, list):
                raise _RequestError(
                    400,
                    "json: cannot unmarshal string into Go struct field ChatRequest.messages"
                    " of type []api.Message",
                )
            for message in messages or []:
                if isinstance(message, dict):
                    encoded.extend(message.get("images") or [])
        else:
            encoded.extend(body.get("images") or [])
        images: list[Image.Image | None] = []
        for item in encoded:
            if not isinstance(item, str):
                raise _RequestError(400, "json: cannot unmarshal number into Go value of type []uint8")
            position = _illegal_base64_at(item)
            if position is not None:
                raise _RequestError(400, f"illegal base64 data at input byte {position}")
            try:
                image = Image.open(io.BytesIO(base64.b64decode(item)))
                image.load()
            except Exception:  # PIL raises many types for bytes that are not an image
                images.append(None)
                continue
            images.append(image)
            with self.fake._lock:
                self.fake.images.append(image)
        return images

    def _compose(
        self, body: dict[str, Any], is_chat: bool, images: list[Image.Image], ignored_images: bool
    ) -> str:
        """The reply content for a successful call: caption, summary, schema defaults or plain text."""
        fake = self.fake
        fmt = body.get("format")
        schema = fmt if isinstance(fmt, dict) else None
        natural: dict[str, Any]
        if images:
            # The last image is the newest frame when a conversation carries earlier ones too.
            if fake.caption_for is not None:
                return _as_content(fake.caption_for(images[-1], body))
            natural = describe_image(images[-1])
        elif ignored_images:
            natural = {"description": "I cannot see any image in this conversation.", "visible_text": ""}
        elif schema is not None and "chapters" in (_resolve(schema, schema).get("properties") or {}):
            if fake.summary_for is not None:
                return _as_content(fake.summary_for(body))
            natural = summarize_prompt(_prompt_text(body, is_chat), fake.bogus_event)
        elif schema is not None and {"answered", "moments"} <= set(schema.get("properties") or {}):
            if fake.answer_for is not None:
                return _as_content(fake.answer_for(body))
            natural = answer_prompt(_prompt_text(body, is_chat))
        else:
            natural = {}
        if schema is not None:
            return json.dumps(fit_to_schema(natural, schema), ensure_ascii=False)
        if fmt == "json":
            return json.dumps(natural, ensure_ascii=False)
        if "description" in natural:
            return str(natural["description"])
        return f"This is a fake reply from {body.get('model')}."

    def _apply_num_predict(self, body: dict[str, Any], result: _Reply) -> None:
        options = body.get("options")
        limit = options.get("num_predict") if isinstance(options, dict) else None
        if not self.fake.enforce_num_predict or not isinstance(limit, int) or limit <= 0:
            return
        if len(result.content) > limit * CHARS_PER_TOKEN:
            result.content = result.content[: limit * CHARS_PER_TOKEN]
            result.done_reason = "length"

    def _reply_streaming(self, name: str, is_chat: bool, result: _Reply, started: float) -> None:
        """Several done:false chunks, then a done:true chunk with the metrics, as the real server streams;
        the latency is spread over the chunks so the first arrives early."""
        pieces = _split(result.content)
        if result.stream_error is not None:
            pieces = pieces[: max(1, len(pieces) // 2)]
        pause = self.fake.latency / (len(pieces) + 1)
        self._start_stream()
        for piece in pieces:
            if not self.fake._sleep(pause):
                return
            chunk: dict[str, Any] = {"model": name, "created_at": _go_time(_now_utc())}
            chunk.update(
                {"message": {"role": "assistant", "content": piece}} if is_chat else {"response": piece}
            )
            chunk["done"] = False
            self._stream_line(chunk)
        if result.stream_error is not None:
            self._stream_line({"error": result.stream_error})
            self._end_stream()
            return
        if not self.fake._sleep(pause):
            return
        result.work_seconds = self.fake.latency
        self._stream_line(_final_chunk(name, is_chat, result, started, ""))
        self._end_stream()


def _final_chunk(name: str, is_chat: bool, result: _Reply, started: float, content: str) -> dict[str, Any]:
    """The done:true reply with the metrics, in the field order of the real ChatResponse/GenerateResponse."""
    nanos = 1_000_000_000
    eval_count = max(1, len(result.content) // CHARS_PER_TOKEN)
    eval_duration = max(1, int(result.work_seconds * nanos))
    reply: dict[str, Any] = {"model": name, "created_at": _go_time(_now_utc())}
    if is_chat:
        reply["message"] = {"role": "assistant", "content": content}
        reply["done_reason"] = result.done_reason
        reply["done"] = True
    else:
        reply["response"] = content
        reply["done"] = True
        reply["done_reason"] = result.done_reason
        reply["context"] = [151644, 872, 198, 151645]
    reply.update(
        {
            "total_duration": int((time.monotonic() - started) * nanos),
            "load_duration": int(result.queue_seconds * nanos) + 1_000_000,
            "prompt_eval_count": result.prompt_tokens,
            "prompt_eval_duration": eval_duration // 10 + 1,
            "eval_count": eval_count,
            "eval_duration": eval_duration,
        }
    )
    return reply


def _split(content: str, parts: int = 4) -> list[str]:
    """The content in up to `parts` pieces (one empty piece for an empty reply)."""
    if not content:
        return [""]
    size = max(1, -(-len(content) // parts))
    return [content[i : i + size] for i in range(0, len(content), size)]


def _prompt_text(body: dict[str, Any], is_chat: bool) -> str:
    """Everything the model reads as text: chat message contents, or generate's system + prompt."""
    if is_chat:
        messages = body.get("messages") or []
        return "\n".join(str(m.get("content") or "") for m in messages if isinstance(m, dict))
    return "\n".join(str(body.get(k) or "") for k in ("system", "prompt") if body.get(k))


def _as_content(value: dict[str, Any] | str) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _go_json_error(raw: bytes, error: Exception) -> str:
    """Close to what Go's encoding/json says about a body that is not JSON."""
    if isinstance(error, json.JSONDecodeError):
        if error.pos >= len(error.doc.rstrip()):
            return "unexpected EOF"
        return f"invalid character {error.doc[error.pos]!r} looking for beginning of value"
    return "invalid character looking for beginning of value"


def _from_openai_request(body: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat completion request as the /api/chat body Ollama's middleware makes of it:
    content parts become text + base64 images, response_format becomes format."""
    messages = []
    for message in body.get("messages") or []:
        content = message.get("content")
        text, images = content if isinstance(content, str) else "", []
        if isinstance(content, list):
            for part in content:
                if part.get("type") == "text":
                    text += part.get("text", "")
                elif part.get("type") == "image_url":
                    url = (part.get("image_url") or {}).get("url", "")
                    images.append(url.split(",", 1)[1] if url.startswith("data:") else url)
        converted: dict[str, Any] = {"role": message.get("role", "user"), "content": text}
        if images:
            converted["images"] = images
        messages.append(converted)
    response_format = body.get("response_format") or {}
    fmt: Any = None
    if response_format.get("type") == "json_schema":
        fmt = (response_format.get("json_schema") or {}).get("schema")
    elif response_format.get("type") == "json_object":
        fmt = "json"
    options = {k: body[k] for k in ("temperature", "seed") if k in body}
    if "max_tokens" in body:
        options["num_predict"] = body["max_tokens"]
    return {
        "model": body.get("model"),
        "messages": messages,
        "format": fmt,
        "options": options,
        "stream": False,
    }


def _to_openai_reply(status: int, payload: Any) -> Any:
    """Ollama's reply (or error) in the OpenAI shape."""
    if status >= 400 or "error" in payload:
        message = payload.get("error", "") if isinstance(payload, dict) else str(payload)
        kind = "invalid_request_error" if status < 500 else "api_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}
    reason = payload.get("done_reason")
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": payload.get("model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": payload.get("message", {}).get("content", "")},
                "finish_reason": "length" if reason == "length" else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": payload.get("prompt_eval_count", 0),
            "completion_tokens": payload.get("eval_count", 0),
            "total_tokens": payload.get("prompt_eval_count", 0) + payload.get("eval_count", 0),
        },
    }
