"""The two-stage OCR training tools: stage 2 starts exactly where stage 1's file ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tools.names import DET, OCR, OCR_REPLACES
from tools.train_all import ocr_entry

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture(scope="module")
def torch_present() -> None:
    """Skip where the 'train' extra (torch, onnx) is not installed."""
    pytest.importorskip("torch", reason="needs the train extra: pip install -e '.[train]'")
    pytest.importorskip("onnx", reason="needs the train extra: pip install -e '.[train]'")


def test_folded_reader_computes_what_the_onnx_file_computes(torch_present: None) -> None:
    """The reader rebuilt from the shipped OCR file gives onnxruntime's output on plate crops."""
    import onnxruntime as ort
    import torch

    from tools.finetune_ocr import load_folded
    from tools.train_ocr import make_dataset

    path = MODELS / f"{OCR}.onnx"
    model = load_folded(path)
    crops, _ = make_dataset(16, seed=77, workers=1)
    with torch.no_grad():
        got = model(torch.from_numpy(crops)).numpy()
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": crops})[0]
    assert got.shape == want.shape
    assert float(np.abs(got - want).max()) < 1e-4


def test_folded_reader_refuses_a_graph_of_another_shape(torch_present: None) -> None:
    """Loading the detector as a stage-1 reader fails with the file named."""
    from tools.finetune_ocr import load_folded

    with pytest.raises(ValueError, match=DET):
        load_folded(MODELS / f"{DET}.onnx")


def test_ocr_entry_ships_the_last_stage_and_keeps_every_stage_record() -> None:
    """The entry ships stage 3's file and metrics, keeps stages 1 and 2's, adds all times."""
    stage1 = {"file": "s1.onnx", "task": "ocr", "replaces": "plate-ocr-v1",
              "metrics": {"synthetic_exact": 0.9},
              "training": {"command": "c", "seed": 0, "data_time_s": 10, "time_s": 100}}
    stage2 = {"file": "s2.onnx", "metrics": {"synthetic_exact": 0.92}, "data_time_s": 5,
              "time_s": 50, "epochs": 3}
    stage3 = {"file": "s3.onnx", "metrics": {"synthetic_exact": 0.95}, "data_time_s": 2,
              "time_s": 20, "epochs": 2}
    entry = ocr_entry(stage1, stage2, stage3)
    assert entry["file"] == "s3.onnx" and entry["task"] == "ocr"
    assert entry["replaces"] == OCR_REPLACES
    assert entry["metrics"] == {"synthetic_exact": 0.95}
    assert entry["training"]["stage1_metrics"] == {"synthetic_exact": 0.9}
    assert entry["training"]["stage2"] == {"metrics": {"synthetic_exact": 0.92},
                                           "data_time_s": 5, "time_s": 50, "epochs": 3}
    assert entry["training"]["stage3"] == {"data_time_s": 2, "time_s": 20, "epochs": 2}
    assert (entry["training"]["data_time_s"], entry["training"]["time_s"]) == (17, 170)
    assert stage1["training"]["time_s"] == 100  # the stage-1 record is not mutated


def test_model_card_lists_every_training_stage() -> None:
    """The shipped OCR's card has a line for each stage, with the hard, cut, marks and lone
    test sets."""
    import json

    from tools.model_cards import render

    text = render(json.loads((MODELS / "manifest.json").read_text()), None)
    text = text[text.index(f"## {OCR} "):]
    for number in (1, 2, 3, 4, 5, 6):
        assert f"stage {number} (" in text
    for test_set in ("hard", "cut", "marks", "lone"):
        assert f"{test_set} test set" in text


def test_cuda_device_without_a_gpu_stops_with_the_cause(torch_present: None) -> None:
    """Asking for CUDA where torch sees no GPU stops the run and says so."""
    import torch

    from tools.device import training_device

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: the refusal cannot happen here")
    with pytest.raises(SystemExit, match="sees no CUDA GPU"):
        training_device("cuda")


def test_bf16_on_a_cpu_without_bfloat16_stops_with_the_cause(torch_present: None,
                                                             tmp_path: Path) -> None:
    """``--bf16`` on a CPU whose flags lack bfloat16 arithmetic stops and names the flags."""
    from tools.device import training_device

    avx2 = tmp_path / "cpuinfo"
    avx2.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n")
    with pytest.raises(SystemExit, match=r"no bfloat16 arithmetic.*avx512_bf16"):
        training_device("cpu", bf16=True, cpuinfo=avx2)


def test_bf16_on_a_cpu_with_bfloat16_or_unknown_flags_trains(torch_present: None,
                                                             tmp_path: Path) -> None:
    """A CPU with amx_bf16 (or cpuinfo that cannot be read) keeps ``--bf16``."""
    from tools.device import training_device

    amx = tmp_path / "cpuinfo"
    amx.write_text("flags\t\t: avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n")
    assert training_device("cpu", bf16=True, cpuinfo=amx).type == "cpu"
    assert training_device("cpu", bf16=True, cpuinfo=tmp_path / "absent").type == "cpu"


def test_auto_device_is_the_cpu_without_a_gpu(torch_present: None) -> None:
    """``auto`` trains on the CPU where torch sees no GPU, as every shipped model did."""
    import torch

    from tools.device import training_device

    want = "cuda" if torch.cuda.is_available() else "cpu"
    assert training_device("auto").type == want


def test_bf16_training_keeps_float32_weights_that_export(torch_present: None,
                                                         tmp_path: Path) -> None:
    """A bfloat16-autocast run updates float32 weights, and its export matches onnxruntime."""
    import torch

    from tools.train_ocr import build_model, export, fit, make_dataset, one_cycle

    torch.manual_seed(0)
    xs, ys = make_dataset(256, seed=78, workers=1)
    model = build_model(1)
    before = [p.detach().clone() for p in model.parameters()]
    opt, sched = one_cycle(model, 2)
    fit(model, opt, sched, xs, ys, xs[:64], ys[:64], torch.Generator().manual_seed(0), 1,
        plain_first=False, bf16=True)
    params = list(model.parameters())
    assert all(p.dtype == torch.float32 for p in params)
    assert any(not torch.equal(a, b) for a, b in zip(before, params, strict=True))
    metrics = export(model, tmp_path / "r.onnx", xs[:200], ys[:200])  # asserts |diff| < 1e-4
    assert (tmp_path / "r.onnx").is_file() and 0.0 <= metrics["synthetic_exact"] <= 1.0


def test_model_card_names_the_hardware_and_precision_of_a_record() -> None:
    """A GPU bfloat16 record's card line says what trained it; an older record says the CPU."""
    from tools.model_cards import _training

    base = {"command": "c", "seed": 0, "data": "d", "data_time_s": 1, "time_s": 2}
    gpu = _training({**base, "hardware": "CUDA GPU: X", "precision": "bfloat16 autocast"})
    assert "(CUDA GPU: X, bfloat16 autocast)" in gpu
    assert "(2 CPU threads, no GPU)" in _training(base)


def test_width_probe_scores_each_width_on_every_last_stage_set(torch_present: None) -> None:
    """The probe trains each width and scores it on stage 1's set and the last stage's sets."""
    from tools.probe_width import probe

    res = probe([1, 3], n_train=256, epochs=1, n_test=32, seed=5, bf16=False)
    assert set(res["widths"]) == {"1", "3"}
    for width in res["widths"].values():
        assert set(width["exact"]) == {"standard", "hard", "cut", "marks", "lone"}
    assert res["widths"]["1"]["parameters"] < res["widths"]["3"]["parameters"]


def test_train_all_keeps_the_first_ocr_stage_in_float32_under_bf16() -> None:
    """--bf16 applies to the fine-tuning stages only: stage 1 starts from random weights."""
    from tools.train_all import stage_bf16

    assert [stage_bf16(n, True) for n in (1, 2, 6)] == [False, True, True]
    assert not stage_bf16(2, False)
