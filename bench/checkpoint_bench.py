#!/usr/bin/env python3
"""Opening the seed's real-size checkpoint: micronet vs torch.load, side by side in one run.

Makes (with torch, random init) an awd-lstm-lm QRNN checkpoint of the seed's size: vocab 267,735,
emsize 300, nhid 1800, 4 layers, saved as `[model, criterion, optimizer]` with Adam state in the
legacy format, like WT103.12hr.QRNN.pt (about 1.26 GB). Then times, each in its own child process:
  * torch.load(f, weights_only=False) (the awd modules on sys.path), load call only and whole process;
  * micronet <subcommand> FILE --format json (whole process), for each subcommand given.
Prints wall time (min, median and max of --reps), peak RSS of each child (wait4) beside the file size
(issue 9's goal: `count`/`inspect` peak RSS at most 0.3x the file size), and the speed ratio.
`--formats legacy,zip` runs both formats in turn (the same model saved each way).

Run from the repository root (torch is a dev tool; see fixtures/make_fixtures.py):

    python3 -m venv v && v/bin/pip install torch numpy
    v/bin/python bench/checkpoint_bench.py                     # builds micronet in release first
    v/bin/python bench/checkpoint_bench.py --commands inspect,count --keep /tmp/seed.pt
    v/bin/python bench/checkpoint_bench.py --commands inspect,count --formats legacy,zip --keep /tmp/seed.pt --no-torch

The checkpoint is written to a temp dir and removed afterwards unless --keep PATH is given
(an existing PATH is reused; the zip one is PATH with .zip.pt). Needs about 6 GB of memory and 1.3 GB
of disk per format.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AWD = os.path.join(ROOT, "fixtures", "awd")


def make_checkpoint(path, legacy=True):
    import torch
    sys.path.insert(0, AWD)
    import model as awd_model
    import splitcross
    from evaluate import model_save
    torch.manual_seed(0)
    t0 = time.time()
    model = awd_model.RNNModel("QRNN", 267735, 300, 1800, 4, dropout=0.1, dropouth=0.1, dropouti=0.1,
                               dropoute=0.0, wdrop=0.0, tie_weights=True)
    criterion = splitcross.SplitCrossEntropyLoss(300, splits=[2800, 20000, 76000], verbose=False)
    params = list(model.parameters()) + list(criterion.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-3, weight_decay=1.2e-6)
    # One Adam step on small random gradients creates exp_avg / exp_avg_sq for every parameter.
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    optimizer.step()
    # A validation-style forward in eval mode: WeightDrop's `weight` then aliases `weight_raw`,
    # and layer 0 keeps prevX, as in the real checkpoint.
    model.eval()
    with torch.no_grad():
        model(torch.randint(0, 267735, (5, 10)), model.init_hidden(10))
    model_save(path, model, criterion, optimizer, legacy=legacy)
    n = sum(p.numel() for p in params)
    print(f"made {path}: {os.path.getsize(path):,} bytes, {n:,} parameters, in {time.time() - t0:.1f} s", flush=True)


def timed(argv):
    """Wall time and the child's own peak RSS (os.wait4 gives the rusage of exactly that child)."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_maxrss / 1024.0


TORCH_CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
import torch
t0 = time.perf_counter()
obj = torch.load(sys.argv[1], weights_only=False)
sys.stderr.write("%.6f\n" % (time.perf_counter() - t0))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", help="write the checkpoint here and keep it (reused if it exists)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--commands", default="inspect", help="micronet subcommands to time, comma-separated (inspect,count)")
    ap.add_argument("--no-build", action="store_true", help="use the existing .build/release/micronet")
    ap.add_argument("--zip", action="store_true", help="write the zip format (torch >= 1.6) instead of the legacy one")
    ap.add_argument("--formats", help="formats to run in turn, comma-separated (legacy,zip); overrides --zip")
    ap.add_argument("--no-torch", action="store_true", help="skip the torch.load rows (they need about 2 GB)")
    ap.add_argument("--make-only", metavar="PATH", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make_only:
        make_checkpoint(args.make_only, legacy=not args.zip)
        return

    micronet = os.path.join(ROOT, ".build", "release", "micronet")
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "micronet"], cwd=ROOT, check=True)
    formats = args.formats.split(",") if args.formats else (["zip"] if args.zip else ["legacy"])
    tmp = None
    if args.keep:
        base = args.keep
    else:
        tmp = tempfile.mkdtemp(prefix="micronet-bench-")
        base = os.path.join(tmp, "WT103.seed-size.QRNN.pt")
    made = []
    try:
        for fmt in formats:
            path = base if fmt == "legacy" else base[:-3] + ".zip.pt" if base.endswith(".pt") else base + ".zip"
            if not os.path.exists(path):
                # In a child, so this process stays small: a forked child's peak RSS counts its parent's pages.
                subprocess.run([sys.executable, __file__, "--make-only", path] + (["--zip"] if fmt == "zip" else []), check=True)
                if tmp:
                    made.append(path)
            bench_file(path, fmt, micronet, args)
    finally:
        for path in made:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
        if tmp:
            os.rmdir(tmp)


def bench_file(path, fmt, micronet, args):
    size = os.path.getsize(path)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"\n{fmt} file {path}: {size:,} bytes; load average {' '.join(load)}; {args.reps} reps each, min/median/max")

    rows = []
    torch_times = None
    if not args.no_torch:
        # torch: load call alone (reported by the child) and the whole child process.
        walls, inner, rss = [], [], []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            p = subprocess.Popen([sys.executable, "-c", TORCH_CHILD, path, AWD], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(p.pid, 0)
            walls.append(time.perf_counter() - t0)
            err = p.stderr.read().decode()
            p.stderr.close()
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit("torch.load failed: " + err[-500:])
            inner.append(float(err.strip().splitlines()[-1]))
            rss.append(usage.ru_maxrss / 1024.0)
        rows.append(("torch.load (call only)", inner, max(rss)))
        rows.append(("python + torch.load (process)", walls, max(rss)))
        torch_times = inner

    for cmd in [c for c in args.commands.split(",") if c]:
        variants = [(f"micronet {cmd} --format json", [micronet, cmd, path, "--format", "json"])]
        if cmd == "inspect":
            variants.append(("micronet inspect --model-only (weights)", [micronet, cmd, path, "--format", "json", "--model-only"]))
            variants.append(("micronet inspect --no-zeros (open only)", [micronet, cmd, path, "--format", "json", "--no-zeros"]))
        for label, argv in variants:
            ws, rs = [], []
            for _ in range(args.reps):
                w, r = timed(argv)
                ws.append(w)
                rs.append(r)
            rows.append((label, ws, max(rs)))

    print()
    print(f"{'run':42} {'min s':>8} {'median s':>9} {'max s':>8} {'peak RSS MiB':>13} {'RSS/file':>9} {'vs torch.load min/med/max':>26}")
    for label, times, r in rows:
        lo, med, hi = min(times), statistics.median(times), max(times)
        ratio = ""
        if label.startswith("micronet") and torch_times:
            # worst pairing (torch's fastest against micronet's slowest), the medians, the best pairing
            t_lo, t_med, t_hi = min(torch_times), statistics.median(torch_times), max(torch_times)
            ratio = f"{t_lo / hi:.1f}x/{t_med / med:.1f}x/{t_hi / lo:.1f}x"
        print(f"{label:42} {lo:8.3f} {med:9.3f} {hi:8.3f} {r:13.0f} {r * 2**20 / size:9.3f} {ratio:>26}")
    print(f"\n{fmt}: file size {size / 2**20:.0f} MiB; RSS/file = peak RSS / file size (goal for count and inspect: <= 0.3); "
          "ratio = torch.load call time / micronet whole process time")


if __name__ == "__main__":
    main()
