"""A profile: what to ask of each frame, how to choose frames, what to summarize and which files to write.

Profiles are data: the built-in ones are TOML files beside this module (general, lecture, security,
inspection), and a user can write their own (``--profile ./mine.toml``), starting from a built-in one
with ``extends = "security"`` and overriding only some keys:

=======================  ===================================================================================
key                      meaning
=======================  ===================================================================================
``name``                 shown in the report (default: the file's stem)
``description``          one line about what the profile is for
``extends``              a built-in profile whose keys this file starts from
``schema``               per-frame JSON schema: general | lecture | security | inspection
``frame_prompt``         what to ask of each frame; ``{timestamp}`` is replaced by the frame's time
``summary_instructions`` added to the summary prompts
``keyframes``            keyframe strategy: auto | scenes | motion | text | interval
``outputs``              files written beside report.json, e.g. ["notes.md", "chapters.vtt"]
``batch_outputs``        files written once for a batch, e.g. ["verdicts.csv", "verdicts.json"]
``ocr``                  read each keyframe's text with OCR (true/false)
``transcribe``           transcribe the audio and align it to keyframes (true/false)
``context``              what is normal here (``--context`` replaces it)
``checks``               inspection checks, as in a checklist file (``--check`` adds to them)
=======================  ===================================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import UsageError
from ..keyframes.options import STRATEGIES
from .checklist import Check, checklist_items, make_checks
from .prompts import join_sections, untrusted_block
from .schemas import SCHEMA_NAMES, reply_model
from .toml import parse_toml

BUILTIN_PROFILES = ("general", "lecture", "security", "inspection")
MAX_USER_TEXT = 2000  # characters of --prompt / --context: instructions, not documents

_STRINGS = ("name", "description", "extends", "schema", "frame_prompt", "summary_instructions")
_STRINGS_OPTIONAL = ("keyframes", "context")
_LISTS = ("outputs", "batch_outputs")
_FLAGS = ("ocr", "transcribe")
_KEYS = (*_STRINGS, *_STRINGS_OPTIONAL, *_LISTS, *_FLAGS, "checks")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    schema: str  # which per-frame reply model: general | lecture | security | inspection
    frame_prompt_template: str  # "{timestamp}" is replaced by the frame's time
    summary_instructions: str
    keyframes: str  # keyframe strategy name
    outputs: tuple[str, ...]  # per-video files beside report.json
    batch_outputs: tuple[str, ...]  # files written once per batch
    ocr: bool
    transcribe: bool
    context: str = ""  # what is normal here, in the user's words (trusted: the user wrote it)
    extra_prompt: str = ""  # --prompt: more instructions from the user
    checks: tuple[Check, ...] = ()
    source: str = "built-in"  # "built-in" or the TOML file it came from

    @property
    def reply_model(self) -> type[BaseModel]:
        """The pydantic model each frame's reply must match (also its JSON schema for the model)."""
        return reply_model(self.schema, [c.id for c in self.checks])

    def frame_prompt(self, timestamp: str, ocr_text: str = "", transcript: str = "") -> str:
        """The prompt for one frame; OCR text and speech go in as untrusted, delimited blocks."""
        return join_sections(
            self.frame_prompt_template.replace("{timestamp}", timestamp),
            self._context_section(),
            self._checks_section(),
            f"Additional instructions from the user: {self.extra_prompt}" if self.extra_prompt else "",
            untrusted_block("Text read from this frame by OCR", "OCR", ocr_text),
            untrusted_block("Speech transcribed while this frame was on screen", "SPEECH", transcript),
            "Answer only with JSON that matches the schema.",
        )

    def summary_guidance(self) -> str:
        """What this profile adds to the summary prompts (instructions, context, the user's --prompt)."""
        return join_sections(
            self.summary_instructions,
            self._context_section(),
            f"Additional instructions from the user: {self.extra_prompt}" if self.extra_prompt else "",
        )

    def _context_section(self) -> str:
        if not self.context:
            return ""
        return f"What is normal here, according to the user who runs this analysis: {self.context}"

    def _checks_section(self) -> str:
        if not self.checks:
            return ""
        lines = "\n".join(f"- {c.id}: {c.text}" for c in self.checks)
        return (
            "Checks (answer every one under its id in `checks`, with the reason you see in this frame, "
            f"then pass, fail or uncertain; uncertain when the frame does not show it):\n{lines}"
        )


def load_profile(
    name_or_path: str,
    extra_prompt: str | None = None,
    context: str | None = None,
    checks: Sequence[str | Check] | None = None,
    checklist: str | None = None,
) -> Profile:
    """A built-in profile by name, or a user's TOML file by path, with the user's additions.

    ``extra_prompt`` (--prompt) and ``context`` (--context) go into the frame and summary prompts;
    ``checks`` (--check, repeatable) and ``checklist`` (a checklist file) add inspection checks.
    Every problem is a UsageError with a one-line message.
    """
    if name_or_path in BUILTIN_PROFILES:
        data = _builtin_data(name_or_path)
        source = "built-in"
    elif name_or_path.endswith(".toml") or "/" in name_or_path or Path(name_or_path).is_file():
        data = _user_data(name_or_path)
        source = name_or_path
    else:
        raise UsageError(
            f"unknown profile {name_or_path!r}: use one of {', '.join(BUILTIN_PROFILES)} "
            "or the path of a .toml file"
        )
    profile = _build(data, source)
    added = [*(checklist_items(checklist) if checklist else []), *(checks or [])]
    return _with_user_additions(profile, extra_prompt, context, added)


def _builtin_data(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return {"name": name, **parse_toml(text, f"built-in profile {name}")}


def _user_data(path: str) -> dict[str, Any]:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"profile {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"profile {path}: cannot read it ({exc})") from None
    data = parse_toml(text, f"profile {path}")
    _check_keys(data, path)
    base = data.get("extends")
    if base is None:
        return {"name": file.stem, **data}
    if base not in BUILTIN_PROFILES:
        raise UsageError(f"profile {path}: extends = {base!r}, but only {', '.join(BUILTIN_PROFILES)} exist")
    inherited = {k: v for k, v in _builtin_data(base).items() if k != "name"}
    return {**inherited, "name": file.stem, **data}


def _check_keys(data: dict[str, Any], source: str) -> None:
    for key, value in data.items():
        if key not in _KEYS:
            raise UsageError(f"profile {source}: unknown key {key!r} (known: {', '.join(_KEYS)})")
        if key in _STRINGS + _STRINGS_OPTIONAL and not isinstance(value, str):
            raise UsageError(f"profile {source}: {key} must be a string")
        if key in _FLAGS and not isinstance(value, bool):
            raise UsageError(f"profile {source}: {key} must be true or false")
        if key in _LISTS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise UsageError(f"profile {source}: {key} must be a list of file names")
        if key == "checks" and not isinstance(value, list):
            raise UsageError(f"profile {source}: checks must be a list")


def _build(data: dict[str, Any], source: str) -> Profile:
    from ..outputs import BATCH_OUTPUTS, VIDEO_OUTPUTS  # outputs import profile schemas: import late

    where = f"profile {source}" if source != "built-in" else f"built-in profile {data.get('name')}"
    for key in ("schema", "frame_prompt"):
        if not str(data.get(key) or "").strip():
            raise UsageError(f"{where}: needs a {key} (or extends = one of {', '.join(BUILTIN_PROFILES)})")
    schema = data["schema"]
    if schema not in SCHEMA_NAMES:
        raise UsageError(f"{where}: schema {schema!r} is not one of {', '.join(SCHEMA_NAMES)}")
    keyframes = data.get("keyframes", "auto")
    if keyframes not in STRATEGIES:
        raise UsageError(f"{where}: keyframes {keyframes!r} is not one of {', '.join(STRATEGIES)}")
    for key, known in (("outputs", VIDEO_OUTPUTS), ("batch_outputs", BATCH_OUTPUTS)):
        unknown = [name for name in data.get(key, []) if name not in known]
        if unknown:
            raise UsageError(f"{where}: {key} has {unknown[0]!r}; known: {', '.join(known)}")
    return Profile(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        schema=schema,
        frame_prompt_template=data["frame_prompt"].strip(),
        summary_instructions=str(data.get("summary_instructions", "")).strip(),
        keyframes=keyframes,
        outputs=tuple(data.get("outputs", ())),
        batch_outputs=tuple(data.get("batch_outputs", ())),
        ocr=bool(data.get("ocr", False)),
        transcribe=bool(data.get("transcribe", False)),
        context=_user_text(data.get("context"), f"{where}: context"),
        checks=make_checks(data.get("checks", []), where),
        source=source,
    )


def _user_text(text: str | None, what: str) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_USER_TEXT:
        raise UsageError(f"{what} is longer than {MAX_USER_TEXT} characters; say it in a few sentences")
    return text


def _with_user_additions(
    profile: Profile, extra_prompt: str | None, context: str | None, checks: list[Any]
) -> Profile:
    all_checks = make_checks([*profile.checks, *checks], "checks")
    if all_checks and profile.schema != "inspection":
        raise UsageError(
            f"--check and checklists need a profile with the inspection schema, not {profile.name!r}"
        )
    if profile.schema == "inspection" and not all_checks:
        raise UsageError(
            f'profile {profile.name!r} needs at least one check: --check "..." or a checklist file'
        )
    return replace(
        profile,
        extra_prompt=_user_text(extra_prompt, "--prompt"),
        context=_user_text(context, "--context") if context is not None else profile.context,
        checks=all_checks,
    )
