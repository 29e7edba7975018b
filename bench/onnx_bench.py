#!/usr/bin/env python3
"""Counting a WRN-28-10 ONNX model: micronet vs onnx.load + shape inference vs onnx-tool, in one run.

Builds (with torch, random init) the CIFAR-100 track's baseline, WRN-28-10 (pre-activation wide ResNet,
depth 28, width 10, 36.5M parameters), exports it with torch.onnx.export (TorchScript exporter, opset 13,
about 146 MB) into bench/out/, then times, each in its own child process, interleaved round by round:
  * onnx.load(f) + onnx.shape_inference.infer_shapes(m): the call alone and the whole process;
  * onnx_tool.model_profile(f) (onnx-tool from pip, MACs per op): the call alone and the whole process;
  * micronet count FILE --format json (reads every initializer to measure its zeros), micronet count
    --sparsity 0 (shapes only, no weight values read), micronet inspect --format json.
Prints min / median / max wall time, the peak RSS of each child (wait4), micronet's peak RSS beyond the
mapped file (peak RSS minus the file size: the pages of the mapping it touched are at most the file),
and the ratio of the faster Python call to micronet's whole process.

Run from the repository root (torch, onnx and onnx-tool are dev tools, never micronet dependencies):

    python3 -m venv v && v/bin/pip install torch onnx onnxscript onnx-tool numpy
    v/bin/python bench/onnx_bench.py                    # builds micronet -c release first
    v/bin/python bench/onnx_bench.py --no-build --reps 7
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")


def make_model(path):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.bn1 = nn.BatchNorm2d(cin)
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.shortcut = None if cin == cout and stride == 1 else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

        def forward(self, x):
            o = F.relu(self.bn1(x))
            y = self.conv1(o)
            y = self.conv2(F.relu(self.bn2(y)))
            return y + (x if self.shortcut is None else self.shortcut(o))

    class WideResNet(nn.Module):
        def __init__(self, depth=28, k=10, classes=100):
            super().__init__()
            n = (depth - 4) // 6
            widths = [16, 16 * k, 32 * k, 64 * k]
            self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
            layers = []
            for g in range(3):
                for i in range(n):
                    layers.append(Block(widths[g] if i == 0 else widths[g + 1], widths[g + 1], (1 if g == 0 else 2) if i == 0 else 1))
            self.blocks = nn.Sequential(*layers)
            self.bn = nn.BatchNorm2d(widths[3])
            self.fc = nn.Linear(widths[3], classes)

        def forward(self, x):
            x = F.relu(self.bn(self.blocks(self.conv1(x))))
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    torch.manual_seed(0)
    model = WideResNet().eval()
    params = sum(p.numel() for p in model.parameters())
    torch.onnx.export(model, torch.randn(1, 3, 32, 32), path, dynamo=False, opset_version=13, input_names=["image"])
    print(f"made {path}: {os.path.getsize(path):,} bytes, {params:,} parameters", flush=True)


ONNX_CHILD = r"""
import sys, time
import onnx
t0 = time.perf_counter()
m = onnx.load(sys.argv[1])
m = onnx.shape_inference.infer_shapes(m)
sys.stderr.write("%.6f\n" % (time.perf_counter() - t0))
"""

ONNX_TOOL_CHILD = r"""
import sys, time, io, contextlib
import onnx_tool
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    onnx_tool.model_profile(sys.argv[1])
sys.stderr.write("%.6f\n" % (time.perf_counter() - t0))
"""


def run(argv, inner=False):
    """Wall time, the time the child reports for its call (inner), and the child's peak RSS in MiB."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed: {err[-500:]}")
    call = float(err.strip().splitlines()[-1]) if inner else None
    return wall, call, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--no-build", action="store_true", help="use the existing .build/release/micronet")
    args = ap.parse_args()
    micronet = os.path.join(ROOT, ".build", "release", "micronet")
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "micronet"], cwd=ROOT, check=True)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "wrn-28-10.onnx")
    if not os.path.exists(path):
        # In a child, so that this process (whose pages forked children inherit) stays small.
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
                        f"import onnx_bench; onnx_bench.make_model({path!r})"], check=True)
    size = os.path.getsize(path)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"file {path}: {size:,} bytes ({size / 2**20:.1f} MiB); load average {load}; {args.reps} interleaved rounds")

    runs = [
        ("onnx.load + infer_shapes", [sys.executable, "-c", ONNX_CHILD, path], True),
        ("onnx_tool.model_profile", [sys.executable, "-c", ONNX_TOOL_CHILD, path], True),
        ("micronet count --format json", [micronet, "count", path, "--format", "json"], False),
        ("micronet count --sparsity 0", [micronet, "count", path, "--sparsity", "0", "--format", "json"], False),
        ("micronet inspect --format json", [micronet, "inspect", path, "--format", "json"], False),
    ]
    results = {label: ([], [], []) for label, _, _ in runs}
    run(runs[2][1])  # warm the page cache and the binary
    for _ in range(args.reps):
        for label, argv, inner in runs:
            wall, call, rss = run(argv, inner)
            walls, calls, rsss = results[label]
            walls.append(wall)
            rsss.append(rss)
            if call is not None:
                calls.append(call)

    def stats(xs):
        return min(xs), statistics.median(xs), max(xs)

    python_best = min(min(results[label][1]) for label, _, inner in runs if inner)
    print()
    print(f"{'run':34} {'min s':>8} {'median s':>9} {'max s':>8} {'peak RSS MiB':>13} {'beyond file':>12} {'speed-up':>9}")
    for label, _, inner in runs:
        walls, calls, rsss = results[label]
        rss = max(rsss)
        if inner:
            lo, med, hi = stats(calls)
            print(f"{label + ' (call)':34} {lo:8.3f} {med:9.3f} {hi:8.3f} {rss:13.0f} {'':>12} {'':>9}")
            lo, med, hi = stats(walls)
            print(f"{label + ' (process)':34} {lo:8.3f} {med:9.3f} {hi:8.3f} {rss:13.0f} {'':>12} {'':>9}")
        else:
            lo, med, hi = stats(walls)
            beyond = max(0.0, rss - size / 2**20)
            print(f"{label:34} {lo:8.3f} {med:9.3f} {hi:8.3f} {rss:13.0f} {beyond:12.0f} {python_best / lo:8.1f}x")
    print("\nspeed-up = the faster Python call alone (best) / micronet's whole process (best); "
          "beyond file = peak RSS minus the model file's size")


if __name__ == "__main__":
    main()
