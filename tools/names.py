"""Names of the shipped models, shared by the training, quantisation, evaluation and card tools."""

DET = "plate-det-v3"
OCR = "plate-ocr-v2"
OCR_INT8 = f"{OCR}-int8"
DET_INT8 = f"{DET}-int8"
