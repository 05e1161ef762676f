"""Names a package exports, imported from their modules on first use (a module __getattr__, PEP 562): the
package itself then loads at once, whatever its modules import."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A __getattr__ for `package` that imports each name of `modules` (name -> module, relative to the
    package) when it is first asked for, and keeps it, so that the next look-up is an ordinary one."""

    def __getattr__(name: str) -> Any:
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{modules[name]}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
