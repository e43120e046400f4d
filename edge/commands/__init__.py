"""Command groups of the ``anpr-edge`` CLI, one module each.

Each module exposes ``register(sub)``, which adds its sub-parsers and sets
``func`` (a ``Callable[[argparse.Namespace], int]``) on each. Modules import
their heavy dependencies inside the handlers so that ``anpr-edge --help``
stays fast. Handlers raise ``EdgeError`` subclasses; ``edge.cli.main`` alone
turns them into exit codes.
"""

from __future__ import annotations

import argparse
from typing import TypeAlias

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
