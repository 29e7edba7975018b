#!/usr/bin/env python3
"""Peak memory of `micronet eval` on the seed-size checkpoint, legacy and zip formats side by side.

    /work/venv/bin/python bench/eval_memory_bench.py [--tokens 2000] [--workdir /tmp/micronet-eval-memory]

(any Python with torch; build first with `swift build -c release`.)

Makes, with checkpoint_bench.py's builder (fixtures/awd stand-ins, random init), the seed's
`[model, criterion, optimizer]` checkpoint with Adam state -- V 267,735, E 300, H 1800, 4 QRNN layers,
splits 2800/20000/76000, about 1.26 GB -- once in the legacy format (storages at unaligned offsets, like
WT103.12hr.QRNN.pt) and once as a zip; a 267,735-word vocabulary (w0, w1, ...) and a text of --tokens
tokens drawn from it. Each `micronet eval` runs in its own child; its peak RSS comes from os.wait4. It prints
the peak beside the file size and the model's float32 weight bytes (goal: <= 1.15x the weights).
"""
import argparse
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
from checkpoint_bench import make_checkpoint  # noqa: E402

V, E, H = 267_735, 300, 1800
# The model's float32 weights eval uses: embedding (tied decoder), 4 layers, decoder bias, tombstones.
WEIGHTS = 4 * (V * E + (2 * E * 3 * H + 3 * H) + 2 * (H * 3 * H + 3 * H) + (H * 3 * E + 3 * E) + V + 3 * E + 3)


def peak(argv):
    """Wall time, exit status and the child's own peak RSS in bytes (os.wait4 reports exactly that child)."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.execv(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - t0, os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--tokens', type=int, default=2000)
    ap.add_argument('--workdir', default='/tmp/micronet-eval-memory')
    ap.add_argument('--binary', default=os.path.join(ROOT, '.build', 'release', 'micronet'))
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    vocab = os.path.join(args.workdir, 'vocab.txt')
    text = os.path.join(args.workdir, 'text.txt')
    if not os.path.exists(vocab):
        with open(vocab, 'w') as f:
            f.write(''.join('w%d\n' % i for i in range(V - 1)) + '<eos>\n')
    rng = random.Random(1)
    with open(text, 'w') as f:
        n = 0
        while n < args.tokens:
            line = ['w%d' % min(int(rng.paretovariate(1.0)) - 1, V - 2) for _ in range(20)]
            f.write(' ' + ' '.join(line) + ' \n')
            n += 21
    print('model float32 weights eval uses: %.1f MB' % (WEIGHTS / 1e6))
    print('%-8s %12s %14s %10s %12s %8s' % ('format', 'file MB', 'peak RSS MB', 'x weights', 'x file', 'seconds'))
    for fmt in ('legacy', 'zip'):
        ckpt = os.path.join(args.workdir, 'seed-%s.pt' % fmt)
        if not os.path.exists(ckpt):
            # In a child, so no measured process inherits the builder's pages.
            subprocess.run([sys.executable, '-c', 'import sys; sys.path.insert(0, %r); from checkpoint_bench import '
                            'make_checkpoint; make_checkpoint(%r, legacy=%r)' % (os.path.join(ROOT, 'bench'), ckpt, fmt == 'legacy')],
                           check=True)
        secs, code, rss = peak([args.binary, 'eval', ckpt, '--text', text, '--vocab', vocab,
                                '--threads', str(args.threads), '--format', 'json'])
        if code != 0:
            raise SystemExit('micronet eval failed on %s (exit %d)' % (ckpt, code))
        size = os.path.getsize(ckpt)
        print('%-8s %12.1f %14.1f %10.2f %12.2f %8.2f' % (fmt, size / 1e6, rss / 1e6, rss / WEIGHTS, rss / size, secs))


if __name__ == '__main__':
    main()
