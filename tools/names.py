"""Names of the shipped models, shared by the training, quantisation, evaluation and card tools."""

DET = "plate-det-v3"
OCR = "plate-ocr-v3"
OCR_STAGE1 = f"{OCR}-stage1"
"""The OCR after its first training stage: an intermediate file, never shipped."""
OCR_INT8 = f"{OCR}-int8"
DET_INT8 = f"{DET}-int8"
