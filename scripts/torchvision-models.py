#!/usr/bin/python3
"""Exports torchvision models at random initialisation to ONNX for nasprobe's import tests.

Usage: /usr/bin/python3 scripts/torchvision-models.py OUT_DIR [MODEL ...]

For each model (default: resnet18 mobilenet_v2 squeezenet1_0 squeezenet1_1) it writes into OUT_DIR:
  MODEL.onnx          torch.onnx.export of the model in eval mode
  MODEL.input.bin     a seeded input batch, float32 little-endian, shape [BATCH, 3, SIZE, SIZE]
  MODEL.logits.bin    PyTorch's logits on that batch, float32, shape [BATCH, classes]
  MODEL.json          {"params": sum(p.numel() for p in model.parameters()), "input_shape", "batch",
                       "classes", "torch", "torchvision", "seconds", "naswot"}
  MODEL.naswot.bin    the NASWOT batch, float32, shape [NASWOT_BATCH, 3, 32, 32]

"naswot" is the reference NASWOT (BayesWatch/nas-without-training) of the model with its own weights
on that batch, computed here as the reference does: a forward hook on every module whose type name
contains "ReLU" records (input > 0), K = C Cᵀ + (1 − C)(1 − C)ᵀ summed over them, score =
slogdet(K). BN in train mode (batch statistics) as there; Dropout off (nasprobe maps it to identity).

Export options, and why:
- model.eval() with training=TrainingMode.PRESERVE: in EVAL mode torch.onnx runs its eval
  peephole pass, which folds every BatchNormalization into the preceding Conv; PRESERVE exports the
  module as it is (eval: inference-mode BN with running statistics, Dropout left out) and skips
  that pass, so the graph keeps its BN layers and their parameters.
- do_constant_folding=False: nothing else is rewritten or renamed (initializers keep the
  parameters' names), and torch does not warn about folding outside EVAL mode.
- opset 13, a fixed batch of 1 in the graph's input (the importer reads per-sample shapes only).
No weights are downloaded (weights=None): random init, seeded.
"""
import json
import os
import sys
import time

import torch
import torchvision

BATCH = 2
SIZE = 224
NASWOT_BATCH = 16
NASWOT_SIZE = 32
DEFAULT = ["resnet18", "mobilenet_v2", "squeezenet1_0", "squeezenet1_1"]


def export(name: str, out_dir: str) -> None:
    start = time.time()
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    model.eval()
    # BN's running statistics start at 0 and 1; perturb them (seeded) so the comparison of logits
    # also checks that the importer reads mean and variance from the right inputs.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    x = torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(x)
    path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(
        model,
        x[:1],
        path,
        input_names=["input"],
        output_names=["logits"],
        opset_version=13,
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
    )
    x.numpy().astype("<f4").tofile(os.path.join(out_dir, f"{name}.input.bin"))
    logits.numpy().astype("<f4").tofile(os.path.join(out_dir, f"{name}.logits.bin"))
    xn = torch.randn(NASWOT_BATCH, 3, NASWOT_SIZE, NASWOT_SIZE, generator=torch.Generator().manual_seed(2))
    xn.numpy().astype("<f4").tofile(os.path.join(out_dir, f"{name}.naswot.bin"))
    facts = {
        "params": sum(p.numel() for p in model.parameters()),
        "input_shape": [3, SIZE, SIZE],
        "batch": BATCH,
        "classes": int(logits.shape[1]),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "seconds": round(time.time() - start, 2),
        "naswot": reference_naswot(model, xn),
        "naswot_batch": NASWOT_BATCH,
        "naswot_shape": [3, NASWOT_SIZE, NASWOT_SIZE],
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(facts, f)


def reference_naswot(model: torch.nn.Module, x: torch.Tensor) -> float:
    n = x.shape[0]
    k = torch.zeros(n, n, dtype=torch.float64)

    def hook(module, inputs, output):
        c = (inputs[0].reshape(n, -1) > 0).double()
        k.add_(c @ c.t() + (1 - c) @ (1 - c).t())

    handles = [m.register_forward_hook(hook) for m in model.modules() if "ReLU" in str(type(m))]
    model.eval()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.train()
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    model.eval()
    return float(torch.linalg.slogdet(k)[1])


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name in sys.argv[2:] or DEFAULT:
        export(name, out_dir)


if __name__ == "__main__":
    main()
