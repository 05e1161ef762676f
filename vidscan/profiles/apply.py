"""What a profile adds to a finished report: levels and verdicts decided in code, and its own files."""

from __future__ import annotations

from typing import Any

from .evidence import check_verdicts, event_levels, uncited_alerts
from .profile import Profile


def apply_profile(data: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """The report dict with the profile's rules applied: security events never below the frames they
    cite (and unusual frames that no event cites become events); inspection verdicts per check."""
    data["run"]["profile"] = profile.name
    keyframes = data["keyframes"]
    summary = data.get("summary")
    if profile.schema == "security" and summary is not None:
        levels = {k["index"]: k["level"] for k in keyframes if isinstance(k.get("level"), int)}
        events = event_levels(levels, summary["events"])
        events += uncited_alerts(keyframes, events)
        summary["events"] = sorted(events, key=lambda e: e["time"])
    if profile.checks:
        data["verdicts"] = check_verdicts(keyframes, profile.checks)
    return data


def profile_outputs(data: dict[str, Any], profile: Profile) -> dict[str, str]:
    """The profile's per-video files (notes.md, chapters, events.vtt, ...), name -> text."""
    from ..outputs import VIDEO_OUTPUTS

    return {name: VIDEO_OUTPUTS[name](data) for name in profile.outputs}
