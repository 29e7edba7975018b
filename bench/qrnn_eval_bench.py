#!/usr/bin/env python3
"""QRNN evaluation speed: micronet eval against PyTorch on CPU, at the seed's exact size, side by side.

    /work/.venv-torch/bin/python bench/qrnn_eval_bench.py [--threads 2] [--tokens 20000] [--micronet-tokens 0]

(any venv with torch and numpy: python3 -m venv v && v/bin/pip install torch numpy; build first with
`swift build -c release`.)

What it does, in one run:
1. writes a random-initialised checkpoint of the seed's size (V 267,735, E 300, H 1800, 4 QRNN layers,
   splits 2800/20000/76000, tied) with the awd-lstm-lm stand-ins of fixtures/awd, saved as model_save does
   ([model, criterion, optimizer]; the Adam optimizer is saved without state -- eval never reads it, and
   its 840 MB would only cost disk) into --workdir (default /tmp/micronet-qrnn-bench, reused if present);
2. writes the vocabulary: the WikiText-103 test text's words in first-appearance order, filled to 267,735;
3. runs `micronet eval` (release build) with --threads on the first --micronet-tokens tokens (0 = all
   245,569), its peak RSS taken from wait4;
4. runs, with torch.set_num_threads(threads), the seed's own evaluation path (fixtures/awd: RNNModel with
   the CPU forget-mult Python loop, SplitCrossEntropyLoss, evaluate()) and a vectorised PyTorch evaluation
   (same GEMMs, in-place addcmul recurrence, the same split softmax), per chunk and pooled 7 chunks per
   GEMM pass like micronet, on the first --tokens tokens;
5. measures a plain sgemm rate (torch.mm and numpy's BLAS, a layer-sized product, best of both) and the GEMM
   floating-point work of each run, giving the GEMM lower bound of its time;
6. prints the table.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'fixtures', 'awd'))
import model as awd_model  # noqa: E402
import splitcross  # noqa: E402
from evaluate import batchify, evaluate, model_save  # noqa: E402

V, E, H, L, SPLITS = 267_735, 300, 1800, 4, [2800, 20000, 76000]
TEXT = os.path.join(ROOT, '..', 'shared', 'data', 'wikitext-103', 'test.txt')


def words_of(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            for w in line.split() + ['<eos>']:
                yield w


def prepare(workdir):
    os.makedirs(workdir, exist_ok=True)
    ckpt, vocab = os.path.join(workdir, 'seed-size-qrnn.pt'), os.path.join(workdir, 'vocab.txt')
    idx = {}
    for w in words_of(TEXT):
        idx.setdefault(w, len(idx))
    words = list(idx) + ['<fill-%d>' % i for i in range(V - len(idx))]
    if not os.path.exists(vocab):
        with open(vocab, 'w', encoding='utf-8') as f:
            f.write(''.join(w + '\n' for w in words))
    if not os.path.exists(ckpt):
        torch.manual_seed(0)
        m = awd_model.RNNModel('QRNN', V, E, H, L, dropout=0.1, dropouth=0.1, dropouti=0.1, dropoute=0.0,
                               wdrop=0, tie_weights=True)
        crit = splitcross.SplitCrossEntropyLoss(E, SPLITS)
        with torch.no_grad():
            crit.tail_vectors.normal_(0, 0.1)
        opt = torch.optim.Adam(list(m.parameters()) + list(crit.parameters()), lr=1e-3)
        m.eval()
        model_save(ckpt + '.tmp', m, crit, opt)
        os.replace(ckpt + '.tmp', ckpt)
    ids = torch.tensor([idx[w] for w in words_of(TEXT)], dtype=torch.long)
    return ckpt, vocab, ids


def gemm_flops(ids):
    """Floating-point work (2·m·n·k) of the GEMMs a batch-1 evaluation of `ids` does: every input row
    through the 4 layer projections, every target through the head (+ tombstones) and its tail cluster."""
    n_in = len(ids) - 1
    layer = 2 * (3 * H * 2 * E + 2 * 3 * H * H + 3 * E * H)
    bounds = [0] + SPLITS + [V]
    head = 2 * E * (SPLITS[0] + len(SPLITS))
    targets = ids[1:]
    tails = 0
    for c in range(1, len(bounds) - 1):
        n = int(((targets >= bounds[c]) & (targets < bounds[c + 1])).sum())
        tails += 2 * E * (bounds[c + 1] - bounds[c]) * n
    return n_in * layer + n_in * head + tails


def sgemm_rate(threads):
    """GFLOP/s of plain float32 GEMMs shaped like the bulk of the work (· 1800 × 5400), with 140 rows (one
    bptt chunk) and 980 rows (seven chunks, micronet's pass), through torch.mm and numpy's BLAS."""
    torch.set_num_threads(threads)
    k, n = 1800, 5400
    b = torch.randn(k, n)
    rates = {}
    for m in (140, 980):
        a = torch.randn(m, k)
        an, bn = a.numpy(), b.numpy()
        for name, fn in (('torch.mm %dx%dx%d' % (m, k, n), lambda: torch.mm(a, b)),
                         ('numpy %dx%dx%d' % (m, k, n), lambda: an @ bn)):
            for _ in range(3):
                fn()
            reps, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < 1.5:
                fn()
                reps += 1
            rates[name] = 2 * m * k * n * reps / (time.perf_counter() - t0) / 1e9
    return rates


def forget_mult(fz, keep, c):
    """c_t = f·z + (1 − f)·c_{t−1} over the chunk, one fused addcmul per step written in place (measured
    faster here than a TorchScript loop: 8.8 against 14.2 µs per step at H = 5400)."""
    out = torch.empty_like(fz)
    for t in range(fz.size(0)):
        torch.addcmul(fz[t], keep[t], c, out=out[t])
        c = out[t]
    return out, c


@torch.no_grad()
def vectorised_evaluate(m, crit, data, bptt, chunks_per_pass=1):
    """Batch-1 evaluation with the seed's numbers: one F.linear per layer per pass of `chunks_per_pass` bptt
    chunks (1: per chunk, as the seed), fused-in-place recurrence, split softmax computing only the clusters
    the targets need. The loss is accounted per bptt chunk as evaluate() does."""
    emb, bias = m.encoder.weight, m.decoder.bias
    Ws = [(r.linear.module.weight_raw, r.linear.module.bias, r.window, r.hidden_size) for r in m.rnns]
    cells = [torch.zeros(1, h) for (_, _, _, h) in Ws]
    prev = torch.zeros(1, 1, E)
    bounds = crit.splits[:-1] + [V]
    k = len(bounds) - 2
    head_w = torch.cat([emb[:bounds[1]], crit.tail_vectors])
    head_b = torch.cat([bias[:bounds[1]], crit.tail_bias])
    inner = torch.tensor(bounds[1:-1])
    total, rows = 0.0, data.size(0)
    for i in range(0, rows - 1, bptt * chunks_per_pass):
        steps = min(bptt * chunks_per_pass, rows - 1 - i)
        x_ids, y = data[i:i + steps], data[i + 1:i + 1 + steps].view(-1)
        x = F.embedding(x_ids, emb)
        for l, (W, b, window, h) in enumerate(Ws):
            if window == 2:
                src = torch.cat([x, torch.cat([prev, x[:-1]], 0)], 2)
                prev = x[-1:]
            else:
                src = x
            z, f, o = F.linear(src, W, b).chunk(3, 2)
            f = torch.sigmoid(f)
            C, cells[l] = forget_mult(f * torch.tanh(z), 1 - f, cells[l])
            x = torch.sigmoid(o).mul_(C)
        g = x.view(-1, E)
        head = F.log_softmax(F.linear(g, head_w, head_b), dim=-1)
        cluster = torch.bucketize(y, inner, right=True)
        nll = torch.empty(y.numel())
        m0 = cluster == 0
        nll[m0] = -head[m0].gather(1, y[m0].view(-1, 1)).view(-1)
        for c in range(1, k + 1):
            mc = cluster == c
            if not bool(mc.any()):
                continue
            lo, hi = bounds[c], bounds[c + 1]
            tail = F.log_softmax(F.linear(g[mc], emb[lo:hi], bias[lo:hi]), dim=-1)
            nll[mc] = -(head[mc, -c] + tail.gather(1, (y[mc] - lo).view(-1, 1)).view(-1))
        for s in range(0, steps, bptt):  # total += len(data) * chunk mean
            t = min(bptt, steps - s)
            total += t * float(nll[s:s + t].sum()) / t
    return total / rows


def run_micronet(binary, ckpt, vocab, text, threads, bptt):
    cmd = [binary, 'eval', ckpt, '--text', text, '--vocab', vocab, '--threads', str(threads),
           '--bptt', str(bptt), '--format', 'json']
    # GNU time reports the peak resident set (KB) of exactly this process.
    t0 = time.perf_counter()
    p = subprocess.run(['/usr/bin/time', '-f', 'MAXRSS %M'] + cmd, capture_output=True)
    wall = time.perf_counter() - t0
    err = p.stderr.decode().strip().splitlines()
    if p.returncode != 0:
        raise SystemExit('micronet failed (%d): %s' % (p.returncode, '\n'.join(err)))
    peak = int(err[-1].split()[1]) * 1024
    return json.loads(p.stdout), wall, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--tokens', type=int, default=20000, help='tokens for the two PyTorch runs')
    ap.add_argument('--micronet-tokens', type=int, default=0, help='tokens for micronet (0: the whole test set)')
    ap.add_argument('--bptt', type=int, default=140)
    ap.add_argument('--workdir', default='/tmp/micronet-qrnn-bench')
    ap.add_argument('--binary', default=os.path.join(ROOT, '.build', 'release', 'micronet'))
    ap.add_argument('--skip-seed', action='store_true', help='skip the (slow) seed path')
    ap.add_argument('--rounds', type=int, default=2, help='interleaved repetitions; each figure is the best')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    print('load average at start: %.2f %.2f %.2f (2 cores; other jobs disturb every figure)' % os.getloadavg())
    t0 = time.perf_counter()
    ckpt, vocab, ids = prepare(args.workdir)
    print('checkpoint %s (%.0f MB), vocabulary %s, %d test tokens (%.0f s to prepare)' % (
        ckpt, os.path.getsize(ckpt) / 1e6, vocab, len(ids), time.perf_counter() - t0), flush=True)

    def text_of(n):
        """The first n tokens, rounded down to a line end, as a text micronet tokenises to exactly those ids."""
        if n <= 0 or n >= len(ids):
            return TEXT, ids
        words = []
        for w in words_of(TEXT):
            if len(words) == n:
                break
            words.append(w)
        while words[-1] != '<eos>':
            words.pop()
        n = len(words)
        path = os.path.join(args.workdir, 'test-first-%d.txt' % n)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(' '.join(words).replace(' <eos>', '\n').replace('<eos>', '\n'))
        return path, ids[:n]

    # Other jobs share the 2 cores, so every timing is the best of --rounds runs, interleaved so that a burst
    # of load hits every contender alike; the sgemm rate is measured in every round and its best kept.
    m, crit, _ = torch.load(ckpt, weights_only=False)
    m.eval()
    model_bytes = 4 * (sum(p.numel() for p in m.parameters()) + sum(p.numel() for p in crit.parameters()))
    mtext, mids = text_of(args.micronet_tokens)
    ttext, tids = text_of(min(args.tokens, len(ids)))
    tn = len(tids)
    best = {}

    def keep(name, seconds, loss, tokens):
        if name not in best or seconds < best[name][0]:
            best[name] = (seconds, loss, tokens)
        print('  %-58s %8.1f s %8.0f tok/s' % (name, seconds, tokens / seconds), flush=True)

    rates, mpeak = {}, 0
    for r in range(args.rounds):
        print('round %d/%d' % (r + 1, args.rounds), flush=True)
        for k, v in sgemm_rate(args.threads).items():
            rates[k] = max(rates.get(k, 0), v)
        res, _, peak = run_micronet(args.binary, ckpt, vocab, mtext, args.threads, args.bptt)
        mpeak = max(mpeak, peak)
        keep('micronet eval, --micronet-tokens', res['seconds'], res['loss'], res['tokens'])
        if res['tokens'] != tn:
            res = run_micronet(args.binary, ckpt, vocab, ttext, args.threads, args.bptt)[0]
        keep('micronet eval (OpenBLAS)', res['seconds'], res['loss'], tn)
        if not args.skip_seed:
            t0 = time.perf_counter()
            loss = evaluate(m, crit, batchify(tids, 1), 1, args.bptt)
            keep('PyTorch, seed path (awd-lstm-lm + CPU ForgetMult)', time.perf_counter() - t0, loss, tn)
        t0 = time.perf_counter()
        loss = vectorised_evaluate(m, crit, batchify(tids, 1), args.bptt)
        keep('PyTorch, vectorised, one GEMM per layer per chunk', time.perf_counter() - t0, loss, tn)
        t0 = time.perf_counter()
        loss = vectorised_evaluate(m, crit, batchify(tids, 1), args.bptt, chunks_per_pass=7)
        keep('PyTorch, vectorised, 7 chunks per GEMM pass (as micronet)', time.perf_counter() - t0, loss, tn)
    torch_peak = __import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss * 1024
    rate = max(rates.values())
    print('plain sgemm, %d threads, best of %d (GFLOP/s): %s' % (
        args.threads, args.rounds, ', '.join('%s %.1f' % kv for kv in rates.items())))

    mflops = gemm_flops(mids)
    mbound = mflops / (rate * 1e9)
    print()
    print('QRNN eval, seed size (V %d, E %d, H %d, %d layers, splits %s), WikiText-103 test, %d threads, bptt %d'
          % (V, E, H, L, '/'.join(map(str, SPLITS)), args.threads, args.bptt))
    print('%-58s %9s %9s %10s %9s %12s' % ('run (best of %d)' % args.rounds, 'tokens', 'seconds', 'tokens/s',
                                              'vs seed', 'loss'))
    seed_name = 'PyTorch, seed path (awd-lstm-lm + CPU ForgetMult)'
    seed_rate = tn / best[seed_name][0] if seed_name in best else float('nan')
    order = [seed_name, 'PyTorch, vectorised, one GEMM per layer per chunk',
             'PyTorch, vectorised, 7 chunks per GEMM pass (as micronet)', 'micronet eval (OpenBLAS)']
    for name in order:
        if name in best:
            sec, loss, n = best[name]
            print('%-58s %9d %9.1f %10.0f %8.2fx %12.7f' % (name, n, sec, n / sec, (n / sec) / seed_rate, loss))
    msec, mloss, mtok = best['micronet eval, --micronet-tokens']
    print('%-58s %9d %9.1f %10.0f %9s %12.7f' % ('micronet eval, --micronet-tokens', mtok, msec, mtok / msec, '', mloss))
    mrate = tn / best['micronet eval (OpenBLAS)'][0]
    vec_rate = tn / best[order[1]][0]
    pool_s = best[order[2]][0]
    mres = {'seconds': msec}
    print()
    print('micronet vs seed path:          %.2fx (target >= 2.5x)' % (mrate / seed_rate))
    print('micronet vs vectorised PyTorch: %.2fx per chunk, %.2fx pooled like micronet (target >= 1.2x)'
          % (mrate / vec_rate, mrate / (tn / pool_s)))
    print('GEMM work %.3f TFLOP at the best plain sgemm rate %.1f GFLOP/s -> lower bound %.1f s; micronet %.1f s = %.2fx the bound (target <= 1.25x)'
          % (mflops / 1e12, rate, mbound, mres['seconds'], mres['seconds'] / mbound))
    print('peak RSS micronet %.0f MB = %.2fx the model\'s float32 bytes (%.0f MB, target <= 1.3x); PyTorch process %.0f MB'
          % (mpeak / 1e6, mpeak / model_bytes, model_bytes / 1e6, torch_peak / 1e6))
    print('load average at end: %.2f %.2f %.2f' % os.getloadavg())
    print('micronet on %d tokens: %.1f s of evaluation (target: full test set < 180 s)' % (mtok, msec))


if __name__ == '__main__':
    main()
