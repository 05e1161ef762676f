"""Profiles: what vidscan asks of each frame and writes, per use (general, lecture, security, inspection).

profile = load_profile("security", context="a loading dock; trucks arrive during the day")
prompt = profile.frame_prompt("0:12.0", ocr_text=..., transcript=...)
reply = caller.json(model, prompt, profile.reply_model, images=[jpeg])
caption = as_caption(reply); level = frame_level(reply); verdicts = frame_verdicts(reply, profile.checks)
"""

from __future__ import annotations

from .apply import apply_profile, profile_outputs
from .checklist import Check, load_checklist
from .evidence import check_verdicts, event_levels, uncited_alerts
from .profile import BUILTIN_PROFILES, Profile, load_profile
from .prompts import untrusted_block
from .schemas import (
    SCHEMA_NAMES,
    VERDICTS,
    CheckObservation,
    LectureReply,
    Level,
    SecurityReply,
    as_caption,
    frame_level,
    frame_verdicts,
    inspection_reply_model,
    reply_model,
)

__all__ = [
    "BUILTIN_PROFILES",
    "SCHEMA_NAMES",
    "VERDICTS",
    "Check",
    "CheckObservation",
    "LectureReply",
    "Level",
    "Profile",
    "SecurityReply",
    "apply_profile",
    "as_caption",
    "check_verdicts",
    "event_levels",
    "frame_level",
    "frame_verdicts",
    "inspection_reply_model",
    "load_checklist",
    "load_profile",
    "profile_outputs",
    "reply_model",
    "uncited_alerts",
    "untrusted_block",
]
