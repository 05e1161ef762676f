"""Inspection checks: what must hold in a clip, from ``--check "..."`` or a checklist file.

A checklist file is one of:

* plain text (any other suffix): one check per line; blank lines and lines starting with ``#`` skipped;
* TOML: ``checks = ["three bottles stand on the table", ...]`` or ``[[checks]]`` tables with ``text``
  and an optional ``id``;
* YAML (``.yaml``/``.yml``, needs PyYAML): a list of the same items, or a mapping with ``checks:``.

Checks without an id get ``c1``, ``c2``, ... in order; the id is the check's key in the frame schema.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .toml import parse_toml

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
MAX_CHECK_CHARS = 300


@dataclass(frozen=True)
class Check:
    id: str  # key of its observation in the frame schema, e.g. "c1"
    text: str  # what must hold, in the user's words


def load_checklist(path: str) -> tuple[Check, ...]:
    """The checks in a checklist file (plain text, TOML or YAML); UsageError with one line if unusable."""
    return make_checks(checklist_items(path), f"checklist {path}")


def checklist_items(path: str) -> list[Any]:
    """The raw items of a checklist file (strings or tables), before ids are given."""
    file = Path(path)
    try:
        content = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"checklist {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"checklist {path}: cannot read it ({exc})") from None
    suffix = file.suffix.lower()
    if suffix == ".toml":
        items = parse_toml(content, f"checklist {path}").get("checks")
    elif suffix in (".yaml", ".yml"):
        items = _parse_yaml(content, path)
    else:
        lines = (line.strip() for line in content.splitlines())
        items = [line for line in lines if line and not line.startswith("#")]
    if not isinstance(items, list) or not items:
        raise UsageError(f'checklist {path}: expected a list of checks (e.g. checks = ["..."])')
    return items


def _parse_yaml(content: str, path: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise UsageError(
            f"checklist {path}: reading YAML needs PyYAML (pip install pyyaml), "
            "or write the checklist as TOML or one check per line"
        ) from None
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise UsageError(f"checklist {path}: not valid YAML ({' '.join(str(exc).split())})") from None
    return data.get("checks") if isinstance(data, dict) else data


def make_checks(items: Sequence[Any], source: str) -> tuple[Check, ...]:
    """Checks from strings, Check objects or ``{"id", "text"}`` tables. An item without an id gets
    ``c<its position>`` (the next free one if a given id already uses that)."""
    given = {_given_id(item) for item in items} - {None}
    checks: list[Check] = []
    for number, item in enumerate(items, start=1):
        text = item.text if isinstance(item, Check) else item if isinstance(item, str) else None
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            text = item["text"]
        if text is None:
            raise UsageError(f"{source}: check {number} must be a text or a table with 'text' (got {item!r})")
        text = " ".join(text.split())
        if not text:
            raise UsageError(f"{source}: check {number} is empty")
        if len(text) > MAX_CHECK_CHARS:
            raise UsageError(f"{source}: check {number} is longer than {MAX_CHECK_CHARS} characters")
        check_id = _given_id(item)
        if check_id is None:
            auto = number
            while f"c{auto}" in given or any(c.id == f"c{auto}" for c in checks):
                auto += 1
            check_id = f"c{auto}"
        if not _ID.match(check_id):
            raise UsageError(
                f"{source}: check id {check_id!r} must start with a letter and use only letters, "
                "digits, - and _ (at most 40)"
            )
        if any(c.id == check_id for c in checks):
            raise UsageError(f"{source}: check id {check_id!r} is used twice")
        checks.append(Check(check_id, text))
    return tuple(checks)


def _given_id(item: Any) -> str | None:
    if isinstance(item, Check):
        return item.id
    if isinstance(item, dict) and item.get("id") is not None:
        return str(item["id"])
    return None
