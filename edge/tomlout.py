"""A small TOML writer for the config tree (tables, arrays of tables, scalars, lists).

Only what ``edge.config`` files hold: strings, booleans, integers, floats,
lists of scalars, nested tables and arrays of tables. Enough for
``anpr-edge provision`` without a new dependency; ``tomllib`` reads it back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _key(k: str) -> str:
    return k if k and set(k) <= _BARE else json.dumps(k)


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"TOML cannot hold {v}")
        return repr(v)
    if isinstance(v, str):
        # A JSON string is a valid TOML basic string (same escapes, \uXXXX included).
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Sequence) and not any(isinstance(x, Mapping) for x in v):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    raise ValueError(f"cannot write {type(v).__name__} as a TOML value")


def _is_table_array(v: Any) -> bool:
    return (isinstance(v, Sequence) and not isinstance(v, str) and len(v) > 0
            and all(isinstance(x, Mapping) for x in v))


def _table(data: Mapping[str, Any], path: list[str], out: list[str]) -> None:
    scalars = [(k, v) for k, v in data.items()
               if v is not None and not isinstance(v, Mapping) and not _is_table_array(v)]
    for k, v in scalars:
        out.append(f"{_key(k)} = {_scalar(v)}")
    for k, v in data.items():
        sub = [*path, _key(k)]
        if isinstance(v, Mapping):
            out.append("")
            out.append(f"[{'.'.join(sub)}]")
            _table(v, sub, out)
        elif _is_table_array(v):
            for item in v:
                out.append("")
                out.append(f"[[{'.'.join(sub)}]]")
                _table(item, sub, out)


def dumps(data: Mapping[str, Any], header: str = "") -> str:
    """Render a mapping as TOML text; ``None`` values are left out."""
    out: list[str] = [f"# {line}" if line else "#" for line in header.splitlines()]
    _table(data, [], out)
    return "\n".join(out).strip("\n") + "\n"
