"""Names of the shipped models, shared by the training, quantisation, evaluation and card tools."""

DET = "plate-det-v4"
OCR = "plate-ocr-v7"
OCR_REPLACES = "plate-ocr-v6"
"""The OCR that ``OCR`` replaces: ``train_all`` drops it (and its int8 variant) from a manifest."""
OCR_INT8 = f"{OCR}-int8"
DET_INT8 = f"{DET}-int8"


def ocr_stage(number: int) -> str:
    """The OCR after its first ``number`` training stages: an intermediate file, never
    shipped (the last stage's file is ``OCR``)."""
    return f"{OCR}-stage{number}"
