#!/usr/bin/python3
"""Builds the test bed's reference model from data a Debian package ships, with nothing downloaded.

  apt-get install python3-torch python3-onnx python3-sklearn
  /usr/bin/python3 scripts/build-reference-model.py [models/]

The data: the UCI handwritten digits bundled with scikit-learn (1,797 8x8 images, 10 classes). A fixed,
seeded split keeps 1/3 (599 images) as the validation set the test bed's accuracy mode runs over; the rest
trains a small CNN (two 3x3 convolutions, one linear layer; ~2.4k parameters) with PyTorch on one CPU
thread, deterministic algorithms and seed 0. The model is exported to ONNX (opset 13, dynamic batch) in the
Triton/KServe model-repository layout:

  models/digits-cnn/1/model.onnx              input  "input"  FP32 [-1, 1, 8, 8] (pixels / 16)
                                              output "logits" FP32 [-1, 10]
  models/digits-cnn-perturbed/1/model.onnx    the same with noise on its last layer: fails the 99% rule
  models/digits-validation/images.f32         599 x 64 little-endian float32, already scaled
  models/digits-validation/labels.u8          599 labels
  models/digits-validation/reference.json     the FP32 reference's top-1 accuracy, counts and SHA-256s

The accuracy written to reference.json is the FP32 model's, evaluated here by PyTorch; the test bed checks
that onnxruntime reproduces it and that a run reaches 99% of it.
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'models')
torch.manual_seed(0)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

digits = load_digits()
x = (digits.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
y = digits.target.astype(np.int64)
order = np.random.RandomState(0).permutation(len(y))
val_idx, train_idx = np.sort(order[: len(y) // 3]), order[len(y) // 3:]


class DigitsCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = torch.nn.Conv2d(8, 16, 3, padding=1)
        self.fc = torch.nn.Linear(16 * 2 * 2, 10)

    def forward(self, t):
        t = torch.nn.functional.max_pool2d(torch.relu(self.c1(t)), 2)
        t = torch.nn.functional.max_pool2d(torch.relu(self.c2(t)), 2)
        return self.fc(t.flatten(1))


model = DigitsCnn()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
xt, yt = torch.from_numpy(x[train_idx]), torch.from_numpy(y[train_idx])
for epoch in range(60):
    perm = torch.randperm(len(yt))
    for i in range(0, len(yt), 64):
        b = perm[i: i + 64]
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt[b]), yt[b])
        loss.backward()
        opt.step()
model.eval()


def top1(m):
    with torch.no_grad():
        return float((m(torch.from_numpy(x[val_idx])).argmax(1).numpy() == y[val_idx]).mean())


def export(m, name):
    d = os.path.join(out, name, '1')
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, 'model.onnx')
    torch.onnx.export(m, torch.zeros(1, 1, 8, 8), path, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


reference_accuracy = top1(model)
model_sha = export(model, 'digits-cnn')

perturbed = DigitsCnn()
perturbed.load_state_dict(model.state_dict())
with torch.no_grad():
    g = torch.Generator().manual_seed(1)
    perturbed.fc.weight.add_(torch.randn(perturbed.fc.weight.shape, generator=g) * perturbed.fc.weight.abs().mean() * 0.8)
perturbed_accuracy = top1(perturbed)
perturbed_sha = export(perturbed, 'digits-cnn-perturbed')

vd = os.path.join(out, 'digits-validation')
os.makedirs(vd, exist_ok=True)
images = x[val_idx].reshape(len(val_idx), 64).astype('<f4').tobytes()
labels = y[val_idx].astype(np.uint8).tobytes()
with open(os.path.join(vd, 'images.f32'), 'wb') as f:
    f.write(images)
with open(os.path.join(vd, 'labels.u8'), 'wb') as f:
    f.write(labels)
reference = {
    'dataset': 'UCI handwritten digits, as bundled with scikit-learn ' + __import__('sklearn').__version__,
    'samples': int(len(val_idx)), 'sampleShape': [1, 8, 8], 'datatype': 'FP32', 'classes': 10,
    'split': 'numpy RandomState(0) permutation of the 1,797 images; the first third, sorted, is validation',
    'metric': 'top-1 accuracy',
    'models': {
        'digits-cnn': {'sha256': model_sha, 'fp32Top1': reference_accuracy},
        'digits-cnn-perturbed': {'sha256': perturbed_sha, 'fp32Top1': perturbed_accuracy},
    },
    'reference': 'digits-cnn', 'referenceTop1': reference_accuracy,
    'imagesSha256': hashlib.sha256(images).hexdigest(), 'labelsSha256': hashlib.sha256(labels).hexdigest(),
    'builtWith': {'torch': torch.__version__, 'onnx': __import__('onnx').__version__, 'numpy': np.__version__},
}
with open(os.path.join(vd, 'reference.json'), 'w') as f:
    json.dump(reference, f, indent=2)
    f.write('\n')
print(json.dumps({'referenceTop1': reference_accuracy, 'perturbedTop1': perturbed_accuracy, 'validation': len(val_idx)}))
