"""The per-frame JSON schemas a profile can ask the vision model for, chosen by name.

Every schema has a ``description`` (the report and the summary need one line per frame). Fields are
ordered so the model writes its observations before its judgement (Ollama generates properties in
schema order): security writes what it sees, then ``level_reason``, then ``level``; inspection writes
each check's ``reason`` before its ``verdict``. Levels and verdicts are read from these fields in code,
never parsed from prose.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..types import Caption
from .checklist import Check

Verdict = Literal["pass", "fail", "uncertain"]
VERDICTS: tuple[Verdict, ...] = ("pass", "uncertain", "fail")  # from best to worst


class Level(IntEnum):
    """How much a security frame or event deserves a look (compare Frigate's potential_threat_level)."""

    NORMAL = 0
    UNUSUAL = 1  # worth a look
    THREAT = 2


class CaptionReply(BaseModel):
    """What the vision model must return for each frame."""

    description: str = Field(min_length=1, description="What the frame shows, in 2-4 sentences.")
    visible_text: str = Field(default="", description="Text readable in the frame, verbatim.")
    objects: list[str] = Field(default_factory=list, description="Main things seen.")


class LectureReply(BaseModel):
    """A slide or screen of a lecture."""

    slide_title: str = Field(default="", description="The slide's title, verbatim, or '' if none.")
    slide_text: str = Field(default="", description="All other readable text on the slide, verbatim.")
    description: str = Field(min_length=1, description="What the frame shows (diagram, speaker, demo).")
    key_terms: list[str] = Field(default_factory=list, description="Technical terms the slide introduces.")


class SecurityReply(BaseModel):
    """One frame of a fixed camera (compare Frigate's review schema: observations, scene, confidence)."""

    people: list[str] = Field(default_factory=list, description="Each person seen, briefly described.")
    vehicles: list[str] = Field(default_factory=list, description="Each vehicle seen, briefly described.")
    objects: list[str] = Field(default_factory=list, description="Other notable objects.")
    activity: str = Field(default="", description="What is happening, or '' when nothing happens.")
    description: str = Field(min_length=1, description="The scene in 1-3 sentences.")
    level_reason: str = Field(default="", description="Why this level: what is or is not unusual here.")
    level: Level = Field(description="0 normal, 1 unusual (worth a look), 2 threat.")
    confidence: float = Field(default=0.5, ge=0.0, le=1.0, description="How sure the level is, 0-1.")


class CheckObservation(BaseModel):
    """One frame's answer to one inspection check."""

    reason: str = Field(description="What in the frame shows whether the check holds.")
    verdict: Verdict = Field(description="pass: it holds; fail: it does not; uncertain: cannot tell.")


SCHEMA_NAMES = ("general", "lecture", "security", "inspection")


def reply_model(schema: str, check_ids: Sequence[str] = ()) -> type[BaseModel]:
    """The pydantic model for a schema name; inspection needs the ids of its checks."""
    if schema == "general":
        return CaptionReply
    if schema == "lecture":
        return LectureReply
    if schema == "security":
        return SecurityReply
    if schema == "inspection":
        return inspection_reply_model(tuple(check_ids))
    raise ValueError(f"unknown schema {schema!r}; one of {', '.join(SCHEMA_NAMES)}")


@lru_cache(maxsize=32)
def inspection_reply_model(check_ids: tuple[str, ...]) -> type[BaseModel]:
    """A schema with one required observation per check, so the model cannot skip one.

    Check ids become JSON property names through aliases (the Python names are c0, c1, ...), so any
    id a user writes is safe, even one that would shadow a BaseModel attribute.
    """
    if not check_ids:
        raise ValueError("an inspection schema needs at least one check")
    fields: dict[str, Any] = {
        f"c{i}": (CheckObservation, Field(alias=check_id)) for i, check_id in enumerate(check_ids)
    }
    observations = create_model("CheckObservations", __config__=ConfigDict(populate_by_name=True), **fields)
    return create_model(
        "InspectionReply",
        description=(str, Field(min_length=1, description="What the frame shows, in 1-3 sentences.")),
        checks=(observations, Field(description="One observation per check id.")),
    )


def as_caption(reply: BaseModel) -> Caption:
    """The common part of any profile's reply, as the Caption the pipeline and summary already use."""
    data = reply.model_dump()
    if isinstance(reply, LectureReply):
        text = "\n".join(t for t in (reply.slide_title.strip(), reply.slide_text.strip()) if t)
        objects: list[str] = list(reply.key_terms)
    elif isinstance(reply, SecurityReply):
        text = ""
        objects = [*reply.people, *reply.vehicles, *reply.objects]
    else:
        text = str(data.get("visible_text") or "")
        objects = [str(o) for o in data.get("objects") or []]
    return Caption(
        description=str(data.get("description") or "").strip(),
        visible_text=text.strip(),
        objects=tuple(o.strip() for o in objects if o.strip()),
    )


def level_of(value: Any) -> int:
    """A level from report data: an int clamped to 0-2; anything else (missing, text, bool) is 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return min(max(int(value), int(Level.NORMAL)), int(Level.THREAT))


def frame_level(reply: BaseModel) -> int | None:
    """A security frame's level (0-2) from its schema field; None for other schemas."""
    return int(reply.level) if isinstance(reply, SecurityReply) else None


def frame_verdicts(reply: BaseModel, checks: Sequence[Check]) -> list[dict[str, str]]:
    """An inspection frame's observations as report rows ``{"check_id", "check", "verdict", "reason"}``
    in check order; [] for other schemas."""
    observations = reply.model_dump(by_alias=True).get("checks")
    if not isinstance(observations, dict):
        return []
    rows = []
    for check in checks:
        observation = observations.get(check.id)
        if isinstance(observation, dict) and observation.get("verdict") in VERDICTS:
            rows.append(
                {
                    "check_id": check.id,
                    "check": check.text,
                    "verdict": str(observation["verdict"]),
                    "reason": str(observation.get("reason") or "").strip(),
                }
            )
    return rows
