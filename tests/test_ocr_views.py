"""The OCR's test-time views (``ocr.zooms``): zoomed copies of each crop, probabilities averaged."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.config import load_settings
from edge.errors import ConfigError
from edge.inference import make_session
from edge.inference.manifest import load_model_spec
from edge.ocr import THREE_VIEWS, FixedSlotOcr, decode_slots, zoom_views

ROOT = Path(__file__).resolve().parent.parent
OCR = "plate-ocr-v7"


def _stripes(h: int = 48, w: int = 160) -> np.ndarray:
    img = np.zeros((1, h, w, 1), np.uint8)
    img[0, :, w // 2 - 1 : w // 2 + 1] = 255  # at the centre
    img[0, :, 10:12] = 255  # near the left edge
    return img


def test_zoom_one_is_the_crop_itself() -> None:
    """A zoom of 1.0 passes the prepared crop through unchanged."""
    batch = _stripes()
    assert np.array_equal(zoom_views(batch, [1.0]), batch)


def test_zoom_tightens_about_the_centre() -> None:
    """A zoom above 1 keeps the centre column and pushes an edge stripe out of view."""
    view = zoom_views(_stripes(), [1.0, 1.5])[1, :, :, 0]
    assert view[:, 79:81].min() > 200
    assert view[:, :30].max() == 0


def test_views_are_stacked_view_major() -> None:
    """N crops and V zooms give V*N images, each view's crops together."""
    batch = np.concatenate([_stripes(), np.zeros_like(_stripes())])
    views = zoom_views(batch, [1.0, 1.1, 1.2])
    assert views.shape == (6, 48, 160, 1)
    assert views[1].max() == 0 and views[3].max() == 0 and views[5].max() == 0


def test_read_averages_the_views_probabilities() -> None:
    """A read with three zooms equals decoding the mean of the three views' probabilities."""
    spec = load_model_spec(ROOT / "models/manifest.json", OCR, "ocr")
    session = make_session(spec)
    crop = np.full((60, 220, 3), 235, np.uint8)
    cv2.putText(crop, "AB123CD", (8, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (20, 20, 20), 3)
    zooms = THREE_VIEWS
    read = FixedSlotOcr(session, spec.alphabet, spec.pad_char, 0, zooms).read([crop])[0]
    grey = cv2.resize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), (160, 48))[None, :, :, None]
    probs = session.run(None, {"input": zoom_views(grey, zooms)})[0]
    expected = decode_slots(probs.mean(axis=0), spec.alphabet, spec.pad_char)
    assert read.text == expected.text
    assert read.char_confidences == pytest.approx(expected.char_confidences, abs=1e-5)


@pytest.mark.parametrize("zooms", [(), (1.0, 2.0)])
def test_adapter_refuses_bad_zooms(zooms: tuple[float, ...]) -> None:
    """No zoom, or one beyond 1.5, is a ValueError at construction."""
    spec = load_model_spec(ROOT / "models/manifest.json", OCR, "ocr")
    with pytest.raises(ValueError, match="zooms"):
        FixedSlotOcr(make_session(spec), spec.alphabet, spec.pad_char, 0, zooms)


def test_config_names_a_bad_zoom(tmp_path: Path) -> None:
    """A zoom outside (0, 1.5] stops start-up naming ocr.zooms and its index."""
    path = tmp_path / "c.toml"
    path.write_text('[[cameras]]\nsource = "file"\nuri = "x.mp4"\n[ocr]\nzooms = [1.0, 3.0]\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert [p.split(":")[0] for p in err.value.problems] == ["ocr.zooms.1"]
