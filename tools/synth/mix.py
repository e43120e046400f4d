"""What an OCR training stage draws from the varied renderer beyond stage 1's data."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Mix:
    """The cases a training stage adds; the defaults draw exactly stage 1's crops.

    ``hard``: the hard mix of tools/synth/hard.py (stages 3 on). The shares, each of
    which at 0 draws exactly what the stage before drew: ``cut``, of one-row plates
    cropped to their characters (``hard.text_cut``, stage 4 on); ``marks``, of varied
    plates with more marks beside the number (tools/synth/marks.py, stage 5 on);
    ``lone``, of one-row varied plates whose occluders leave an end character alone
    (``occlusion.occlude_lone``, stage 6).
    """

    hard: bool = False
    cut: float = 0.0
    marks: float = 0.0
    lone: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "hard" and not 0.0 <= value <= 1.0:
                raise ValueError(f"Mix.{f.name} is a share, 0 to 1: got {value}")


PLAIN = Mix()
"""The mix of the first two stages: none of the later cases."""
