"""Export: a trained run -> ONNX / OpenVINO IR (FP32, FP16, INT8) -> parity gate -> `.wbx` bundle."""
