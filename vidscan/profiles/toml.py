"""Reading TOML with the standard library (Python >= 3.11) or the tomli backport (3.10)."""

from __future__ import annotations

import sys
from typing import Any

from ..errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def parse_toml(content: str, source: str) -> dict[str, Any]:
    """The parsed document; a UsageError naming the source and the parser's line and column if invalid."""
    try:
        return tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: not valid TOML ({exc})") from None
