"""The typefaces the OCR training data is drawn in, with the Debian package and licence of each.

Plate typefaces are narrow, bold grotesques (DIN 1451 and its relatives in most of
Europe, FE-Schrift in Germany, state-specific sans faces in the US). No such face is
freely licensed, so the reader learns the character shapes from many open faces of
the same kinds: DIN-like condensed, plain grotesque, monospace and signage faces.
Weights favour the condensed ones, which look most like plates. Decoration faces
(serifs, italics, scripts) are used only for the small clutter text around the
characters (state names, slogans, dealer frames), never for the label itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

FONT_ROOT = Path("/usr/share/fonts")


class FontsMissingError(RuntimeError):
    """A typeface the synthetic data needs is not installed."""


LICENCES: dict[str, str] = {
    "fonts-adf-gillius": "GPL-2+ with font exception",
    "fonts-adf-switzera": "GPL-2+ with font exception",
    "fonts-adf-universalis": "GPL-2+ with font exception",
    "fonts-allerta": "OFL-1.1",
    "fonts-b612": "OFL-1.1",
    "fonts-bebas-neue": "OFL-1.1",
    "fonts-cabin": "OFL-1.1",
    "fonts-cantarell": "OFL-1.1",
    "fonts-clear-sans": "Apache-2.0",
    "fonts-croscore": "Apache-2.0",
    "fonts-dejavu-core": "Bitstream-Vera",
    "fonts-dosis": "OFL-1.1",
    "fonts-freefont-ttf": "GPL-3+ with font exception",
    "fonts-go": "BSD-3-Clause",
    "fonts-hack": "MIT",
    "fonts-inter": "OFL-1.1",
    "fonts-jetbrains-mono": "OFL-1.1",
    "fonts-jura": "OFL-1.1",
    "fonts-karla": "OFL-1.1",
    "fonts-lato": "OFL-1.1",
    "fonts-liberation": "GPL-2 with font exception",
    "fonts-manrope": "OFL-1.1",
    "fonts-national-park": "OFL-1.1",
    "fonts-open-sans": "Apache-2.0",
    "fonts-opendin": "OFL-1.1",
    "fonts-roboto-unhinted": "Apache-2.0",
    "fonts-routed-gothic": "OFL-1.1",
    "fonts-sil-andika": "OFL-1.1",
    "fonts-tuffy": "public domain",
    "fonts-yanone-kaffeesatz": "OFL-1.1",
}
"""Debian package -> licence of its fonts, for the model card."""


@dataclass(frozen=True, slots=True)
class Face:
    """One font file: where it lies, which package brings it (see ``LICENCES``), its weight."""

    path: str  # relative to FONT_ROOT
    package: str
    weight: float = 1.0


# Condensed DIN-like faces: the shapes of most European plates.
_CONDENSED = (
    Face("truetype/opendin/OSP-DIN.ttf", "fonts-opendin", 4.0),
    Face("truetype/roboto/unhinted/RobotoCondensed-Bold.ttf", "fonts-roboto-unhinted", 2.0),
    Face("truetype/roboto/unhinted/RobotoCondensed-Medium.ttf", "fonts-roboto-unhinted", 2.0),
    Face("truetype/roboto/unhinted/RobotoCondensed-Regular.ttf", "fonts-roboto-unhinted", 1.0),
    Face("truetype/open-sans/OpenSans-CondBold.ttf", "fonts-open-sans", 2.0),
    Face("truetype/liberation/LiberationSansNarrow-Bold.ttf", "fonts-liberation", 2.0),
    Face("truetype/liberation/LiberationSansNarrow-Regular.ttf", "fonts-liberation", 1.0),
    Face("truetype/adf/SwitzeraADF-BoldCond.otf", "fonts-adf-switzera", 1.5),
    Face("truetype/adf/SwitzeraADF-DmBdCond.otf", "fonts-adf-switzera", 1.5),
    Face("truetype/adf/SwitzeraADF-Cond.otf", "fonts-adf-switzera", 1.0),
    Face("truetype/adf/UniversalisADFStd-BoldCond.otf", "fonts-adf-universalis", 1.5),
    Face("truetype/adf/UniversalisADFStd-Cond.otf", "fonts-adf-universalis", 1.0),
    Face("truetype/adf/GilliusADF-BoldCond.otf", "fonts-adf-gillius", 1.0),
    Face("truetype/adf/GilliusADFNo2-BoldCond.otf", "fonts-adf-gillius", 1.0),
    Face("truetype/dejavu/DejaVuSansCondensed-Bold.ttf", "fonts-dejavu-core", 1.5),
    Face("truetype/dejavu/DejaVuSansCondensed.ttf", "fonts-dejavu-core", 0.5),
    Face("opentype/bebas-neue/BebasNeue-Bold.otf", "fonts-bebas-neue", 1.0),
    Face("opentype/bebas-neue/BebasNeue-Regular.otf", "fonts-bebas-neue", 1.0),
    Face("opentype/dosis/Dosis-Bold.otf", "fonts-dosis", 1.0),
    Face("opentype/dosis/Dosis-SemiBold.otf", "fonts-dosis", 1.0),
    Face("opentype/yanone-kaffeesatz/YanoneKaffeesatz-Bold.otf", "fonts-yanone-kaffeesatz", 0.5),
    Face("truetype/routed-gothic/routed-gothic-narrow.ttf", "fonts-routed-gothic", 1.0),
)
# Plain grotesques and signage faces: US plates, older and foreign European plates.
_GROTESQUE = (
    Face("truetype/dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core", 1.0),
    Face("truetype/croscore/Arimo-Bold.ttf", "fonts-croscore", 1.0),
    Face("truetype/croscore/Arimo-Regular.ttf", "fonts-croscore", 0.5),
    Face("truetype/freefont/FreeSansBold.ttf", "fonts-freefont-ttf", 1.0),
    Face("truetype/roboto/unhinted/RobotoTTF/Roboto-Bold.ttf", "fonts-roboto-unhinted", 1.0),
    Face("truetype/roboto/unhinted/RobotoTTF/Roboto-Medium.ttf", "fonts-roboto-unhinted", 1.0),
    Face("truetype/lato/Lato-Bold.ttf", "fonts-lato", 1.0),
    Face("truetype/lato/Lato-Heavy.ttf", "fonts-lato", 0.5),
    Face("truetype/open-sans/OpenSans-Bold.ttf", "fonts-open-sans", 1.0),
    Face("truetype/open-sans/OpenSans-Semibold.ttf", "fonts-open-sans", 0.5),
    Face("truetype/clear-sans/ClearSans-Bold.ttf", "fonts-clear-sans", 1.0),
    Face("truetype/clear-sans/ClearSans-Medium.ttf", "fonts-clear-sans", 0.5),
    Face("truetype/karla/Karla-Bold.otf", "fonts-karla", 0.5),
    Face("truetype/manrope/Manrope-Bold.ttf", "fonts-manrope", 0.5),
    Face("opentype/inter/Inter-Bold.otf", "fonts-inter", 0.5),
    Face("opentype/inter/InterDisplay-SemiBold.otf", "fonts-inter", 0.5),
    Face("opentype/cabin/Cabin-Bold.otf", "fonts-cabin", 0.5),
    Face("opentype/cantarell/Cantarell-Bold.otf", "fonts-cantarell", 0.5),
    Face("fonts-go/Go-Bold.ttf", "fonts-go", 0.5),
    Face("fonts-go/Go-Medium.ttf", "fonts-go", 0.5),
    Face("truetype/adf/SwitzeraADF-Bold.otf", "fonts-adf-switzera", 0.5),
    Face("truetype/adf/UniversalisADFStd-Bold.otf", "fonts-adf-universalis", 0.5),
    Face("truetype/routed-gothic/routed-gothic.ttf", "fonts-routed-gothic", 1.0),
    Face("opentype/national-park/NationalPark-Heavy.otf", "fonts-national-park", 0.7),
    Face("opentype/national-park/NationalPark-Regular.otf", "fonts-national-park", 0.5),
    Face("opentype/b612/B612-Bold.otf", "fonts-b612", 0.7),
    Face("opentype/jura/Jura-Bold.otf", "fonts-jura", 0.3),
    Face("opentype/allerta/allerta_medium.otf", "fonts-allerta", 0.3),
    Face("truetype/andika/Andika-Bold.ttf", "fonts-sil-andika", 0.3),
    Face("truetype/tuffy/Tuffy_Bold.ttf", "fonts-tuffy", 0.3),
)
# Monospace faces: embossed and older plates have fixed-pitch characters.
_MONO = (
    Face("truetype/dejavu/DejaVuSansMono-Bold.ttf", "fonts-dejavu-core", 1.0),
    Face("truetype/hack/Hack-Bold.ttf", "fonts-hack", 0.7),
    Face("truetype/jetbrains-mono/JetBrainsMono-Bold.ttf", "fonts-jetbrains-mono", 0.7),
    Face("truetype/jetbrains-mono/JetBrainsMono-ExtraBold.ttf", "fonts-jetbrains-mono", 0.5),
    Face("truetype/croscore/Cousine-Bold.ttf", "fonts-croscore", 0.5),
    Face("opentype/b612/B612Mono-Bold.otf", "fonts-b612", 0.5),
    Face("fonts-go/Go-Mono-Bold.ttf", "fonts-go", 0.5),
)
PLATE_FACES: tuple[Face, ...] = _CONDENSED + _GROTESQUE + _MONO
"""Faces the plate characters are drawn in."""

DECOR_FACES: tuple[Face, ...] = (
    *_GROTESQUE[:8],
    Face("truetype/dejavu/DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
    Face("truetype/dejavu/DejaVuSerifCondensed.ttf", "fonts-dejavu-core"),
    Face("truetype/croscore/Tinos-Bold.ttf", "fonts-croscore"),
    Face("truetype/croscore/Tinos-Italic.ttf", "fonts-croscore"),
    Face("truetype/liberation/LiberationSerif-Bold.ttf", "fonts-liberation"),
    Face("truetype/freefont/FreeSerifBoldItalic.ttf", "fonts-freefont-ttf"),
    Face("truetype/freefont/FreeSansBoldOblique.ttf", "fonts-freefont-ttf"),
    Face("truetype/lato/Lato-BlackItalic.ttf", "fonts-lato"),
    Face("opentype/yanone-kaffeesatz/YanoneKaffeesatz-Regular.otf", "fonts-yanone-kaffeesatz"),
)
"""Faces for the small clutter text only (never the label)."""


def packages() -> list[str]:
    """The Debian packages every face comes from, sorted."""
    return sorted({f.package for f in PLATE_FACES + DECOR_FACES})


@functools.cache
def check_faces() -> None:
    """Fail early, naming the packages to install, when any face is missing."""
    missing = missing_packages()
    if missing:
        raise FontsMissingError(
            "fonts for the OCR training data are missing; install them with: "
            f"apt-get install {' '.join(missing)}")


def face_path(face: Face) -> str:
    """Absolute path of a face's file."""
    return str(FONT_ROOT / face.path)


def licence_summary() -> dict[str, list[str]]:
    """Licence -> font packages, for the model card."""
    out: dict[str, set[str]] = {}
    for f in PLATE_FACES + DECOR_FACES:
        out.setdefault(LICENCES[f.package], set()).add(f.package)
    return {k: sorted(v) for k, v in sorted(out.items())}


def missing_packages() -> list[str]:
    """Packages of the faces that are not installed (empty when all are)."""
    return sorted({f.package for f in PLATE_FACES + DECOR_FACES
                   if not (FONT_ROOT / f.path).is_file()})


if __name__ == "__main__":  # tools/bootstrap.sh asks which packages to install
    print(" ".join(missing_packages()))
