"""structlog set-up, done once by the CLI.

JSON lines when not on a terminal (journald), a readable console otherwise.
Plate text must never be logged at INFO or above: stages log counters only.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO, cast

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at write time, not at configuration time.

    A test runner (or a daemon that re-opens its streams) may replace and close the
    stream that was current when logging was configured.
    """

    def write(self, text: str) -> int:
        """Write to the current standard error."""
        return sys.stderr.write(text)

    def flush(self) -> None:
        """Flush the current standard error."""
        sys.stderr.flush()

    def isatty(self) -> bool:
        """Whether the current standard error is a terminal."""
        return sys.stderr.isatty()


def configure_logging(
    level: str = "info",
    fmt: Literal["auto", "json", "console"] = "auto",
    stream: TextIO | None = None,
) -> None:
    """Configure structlog for the process; call once at start."""
    # PrintLogger only calls write() and flush(); the proxy has both.
    out = stream if stream is not None else cast(TextIO, _CurrentStderr())
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger bound to a component name."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(component=name)
    return logger
