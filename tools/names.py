"""Names of the shipped models, shared by the training, quantisation, evaluation and card tools."""

DET = "plate-det-v3"
OCR = "plate-ocr-v4"
OCR_STAGE1 = f"{OCR}-stage1"
OCR_STAGE2 = f"{OCR}-stage2"
"""The OCR after its first and second training stages: intermediate files, never shipped."""
OCR_INT8 = f"{OCR}-int8"
DET_INT8 = f"{DET}-int8"
