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
2. writes a proxy of the real WikiText-103 vocabulary order (see `proxy_ids`): the real ids are set by the
   train file, which is not here, and a vocabulary built from the test text alone would put every target in
   the head or tail cluster 1, never computing the two widest clusters; the share of test tokens per
   cluster is printed;
3. runs `micronet eval` (release build) with --threads on the first --micronet-tokens tokens (0 = all
   245,569), its peak RSS taken from wait4;
4. runs, with torch.set_num_threads(threads), the seed's own evaluation path (fixtures/awd: RNNModel with
   the CPU forget-mult Python loop, SplitCrossEntropyLoss, evaluate()) and a vectorised PyTorch evaluation
   (same GEMMs, in-place addcmul recurrence, the same split softmax), per chunk and pooled 6 chunks per
   GEMM pass like micronet, on the first --tokens tokens;
5. measures, every round, a plain sgemm rate (torch.mm and numpy's BLAS, a layer-sized product, best of both) and the GEMM
   floating-point work of each run, giving the GEMM lower bound of its time;
6. prints min / median / max of every contender over the interleaved --rounds, the thread count and the
   load averages (the machine may be shared).
"""
import argparse
import json
import collections
import math
import os
import statistics
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
# ../shared/data beside the repository (a worktree sits one level deeper: ../../shared/data).
DATA = next((d for d in (os.path.join(ROOT, *['..'] * up, 'shared', 'data', 'wikitext-103') for up in (1, 2))
             if os.path.isdir(d)), os.path.join(ROOT, '..', 'shared', 'data', 'wikitext-103'))
TEXT, VALID = os.path.join(DATA, 'test.txt'), os.path.join(DATA, 'valid.txt')
TRAIN_TOKENS = 103_227_021  # WikiText-103 train.txt tokens (incl. <eos>), the published count


def words_of(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            for w in line.split() + ['<eos>']:
                yield w


def proxy_ids(seed=0):
    """A documented stand-in for the real WikiText-103 id order (awd-lstm-lm: order of first appearance in
    train.txt, then valid, then test), for every type of test+valid; returns {word: id}.

    1. Heaps' law V(t) = K·t^β: β fitted on the types-vs-tokens curve of valid+test (463,215 tokens),
       K calibrated so that V(103,227,021 train tokens) = 267,735 types. A word first met at train token t
       gets id ≈ V(t).
    2. First appearance t of a word seen f times in valid+test: its train rate p is drawn from the posterior
       of a Zipf prior (density ∝ p^-2, p ≥ 3/103M: WikiText keeps words seen at least 3 times) given f
       of N = 463,215 tokens -- Gamma(f−1, N) for f ≥ 2, log-uniform between 3/103M and 1/N for f = 1 --
       and t ~ Exponential(p). The point estimate t = N/f alone would put every word at an id below
       K·N^β (about 11,800): rare words are first met far later in 103M tokens than their test count says.
    3. Collisions go to the next free id (the previous free one at the top). Seeded: the same file each run.
    """
    rng = np.random.default_rng(seed)
    stream = list(words_of(VALID)) + list(words_of(TEXT))
    n = len(stream)
    counts = collections.Counter(stream)
    seen, ts, vs = set(), [], []
    for i, w in enumerate(stream, 1):
        seen.add(w)
        if i % 1000 == 0:
            ts.append(i)
            vs.append(len(seen))
    ts, vs = np.array(ts), np.array(vs)
    fit = ts >= 20000  # past the start, where a new article's words dominate
    beta = float(np.polyfit(np.log(ts[fit]), np.log(vs[fit]), 1)[0])
    k = V / TRAIN_TOKENS ** beta
    types = sorted(counts, key=lambda w: (-counts[w], w))
    f = np.array([counts[w] for w in types], dtype=float)
    rate = np.empty(len(f))
    one = f == 1
    lo, hi = math.log(3 / TRAIN_TOKENS), math.log(1 / n)
    rate[one] = np.exp(lo + rng.random(int(one.sum())) * (hi - lo))
    rate[~one] = rng.gamma(f[~one] - 1, 1 / n)
    first = rng.exponential(1 / rate)
    want = np.minimum(k * np.maximum(first, 1) ** beta, V - 1).astype(int)
    used, ids = set(), {}
    for i in np.argsort(want, kind='stable'):
        x = int(want[i])
        while x in used and x < V - 1:
            x += 1
        while x in used:
            x -= 1
        used.add(x)
        ids[types[i]] = x
    return ids, beta, k, n


def prepare(workdir):
    os.makedirs(workdir, exist_ok=True)
    ckpt, vocab = os.path.join(workdir, 'seed-size-qrnn.pt'), os.path.join(workdir, 'vocab-heaps-proxy.txt')
    idx, beta, k, n = proxy_ids()
    words = ['<fill-%d>' % i for i in range(V)]
    for w, i in idx.items():
        words[i] = w
    print("vocabulary proxy: Heaps' law V(t) = %.3f·t^%.4f (β fitted on valid+test, %d tokens; V(%d) = %d), "
          "%d test+valid types placed" % (k, beta, n, TRAIN_TOKENS, V, len(idx)))
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


def cluster_shares(ids):
    """Share of the targets (ids[1:]) in the head and in each tail cluster."""
    bounds, t = [0] + SPLITS + [V], ids[1:]
    return [float(((t >= bounds[c]) & (t < bounds[c + 1])).sum()) / len(t) for c in range(len(bounds) - 1)]


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
    ap.add_argument('--rounds', type=int, default=3, help='interleaved repetitions; min/median/max reported')
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

    # Other jobs may share the cores, so the contenders run interleaved in --rounds rounds (a burst of load
    # hits every contender alike) and each is reported as min / median / max; the sgemm rate is measured
    # every round, and the bound uses its best (the most favourable bound).
    m, crit, _ = torch.load(ckpt, weights_only=False)
    m.eval()
    model_bytes = 4 * (sum(p.numel() for p in m.parameters()) + sum(p.numel() for p in crit.parameters()))
    mtext, mids = text_of(args.micronet_tokens)
    ttext, tids = text_of(min(args.tokens, len(ids)))
    tn = len(tids)
    for label, part in (('whole test set', ids), ('first %d tokens (PyTorch runs)' % tn, tids)):
        print('targets per cluster, %s: %s' % (label, ', '.join(
            '%s %.2f%%' % (name, 100 * x) for name, x in zip(['head', 'tail 1', 'tail 2', 'tail 3'], cluster_shares(part)))))
    runs = collections.defaultdict(list)  # name -> [(seconds, loss, tokens)]

    def keep(name, seconds, loss, tokens):
        runs[name].append((seconds, loss, tokens))
        print('  %-58s %8.1f s %8.0f tok/s' % (name, seconds, tokens / seconds), flush=True)

    rates, mpeak, loads, blas = collections.defaultdict(list), 0, [os.getloadavg()], None
    seed_name = 'PyTorch, seed path (awd-lstm-lm + CPU ForgetMult)'
    order = [seed_name, 'PyTorch, vectorised, one GEMM per layer per chunk',
             'PyTorch, vectorised, 6 chunks per GEMM pass (as micronet)', 'micronet eval (OpenBLAS)']
    for r in range(args.rounds):
        print('round %d/%d, load average %.2f %.2f %.2f' % ((r + 1, args.rounds) + os.getloadavg()), flush=True)
        for k, v in sgemm_rate(args.threads).items():
            rates[k].append(v)
        res, _, peak = run_micronet(args.binary, ckpt, vocab, mtext, args.threads, args.bptt)
        blas = (res.get('blas_core'), res.get('blas_core_reason'), res.get('threads'))
        mpeak = max(mpeak, peak)
        keep('micronet eval, --micronet-tokens', res['seconds'], res['loss'], res['tokens'])
        if res['tokens'] != tn:
            res = run_micronet(args.binary, ckpt, vocab, ttext, args.threads, args.bptt)[0]
        keep(order[3], res['seconds'], res['loss'], tn)
        if not args.skip_seed:
            t0 = time.perf_counter()
            loss = evaluate(m, crit, batchify(tids, 1), 1, args.bptt)
            keep(seed_name, time.perf_counter() - t0, loss, tn)
        t0 = time.perf_counter()
        loss = vectorised_evaluate(m, crit, batchify(tids, 1), args.bptt)
        keep(order[1], time.perf_counter() - t0, loss, tn)
        t0 = time.perf_counter()
        loss = vectorised_evaluate(m, crit, batchify(tids, 1), args.bptt, chunks_per_pass=6)
        keep(order[2], time.perf_counter() - t0, loss, tn)
        loads.append(os.getloadavg())
    torch_peak = __import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss * 1024

    def mmm(xs):
        return min(xs), statistics.median(xs), max(xs)

    print()
    print('QRNN eval, seed size (V %d, E %d, H %d, %d layers, splits %s), WikiText-103 test text with the proxy '
          'vocabulary, %d threads, bptt %d, %d interleaved rounds' % (V, E, H, L, '/'.join(map(str, SPLITS)),
                                                                     args.threads, args.bptt, args.rounds))
    print('micronet: OpenBLAS core %s, %s threads; %s' % (blas[0], blas[2], blas[1]))
    print('cpu cores %d; load average (1 min) at each round boundary: %s' % (
        os.cpu_count(), ' '.join('%.2f' % l[0] for l in loads)))
    print('plain sgemm, %d threads, GFLOP/s min/median/max: %s' % (
        args.threads, ', '.join('%s %.1f/%.1f/%.1f' % ((k,) + mmm(v)) for k, v in rates.items())))
    print('%-58s %7s %22s %20s %12s' % ('run', 'tokens', 'seconds min/med/max', 'tokens/s at median', 'loss'))
    for name in order + ['micronet eval, --micronet-tokens']:
        if name in runs:
            secs = [x[0] for x in runs[name]]
            n = runs[name][0][2]
            lo, med, hi = mmm(secs)
            print('%-58s %7d %8.1f/%6.1f/%6.1f %20.0f %12.7f' % (name, n, lo, med, hi, n / med, runs[name][0][1]))

    def ratio(a, b):
        """Speed of a over b: min (a's slowest / b's fastest), median, max."""
        sa, sb = [x[0] for x in runs[a]], [x[0] for x in runs[b]]
        return min(sb) / max(sa), statistics.median(sb) / statistics.median(sa), max(sb) / min(sa)

    print()
    mname = order[3]
    if seed_name in runs:
        print('micronet vs seed path:                       %.2fx / %.2fx / %.2fx (worst pairing / medians / best pairing)'
              % ratio(mname, seed_name))
    print('micronet vs vectorised PyTorch, per chunk:   %.2fx / %.2fx / %.2fx (target >= 1.5x)' % ratio(mname, order[1]))
    print('micronet vs vectorised PyTorch, pooled:      %.2fx / %.2fx / %.2fx' % ratio(mname, order[2]))
    rate = max(max(v) for v in rates.values())
    msecs = [x[0] for x in runs['micronet eval, --micronet-tokens']]
    mtok = runs['micronet eval, --micronet-tokens'][0][2]
    mflops = gemm_flops(mids)
    mbound = mflops / (rate * 1e9)
    lo, med, hi = mmm(msecs)
    print('GEMM work %.3f TFLOP at the best plain sgemm rate %.1f GFLOP/s -> lower bound %.1f s; '
          'micronet %.1f/%.1f/%.1f s = %.2fx/%.2fx/%.2fx the bound (target <= 1.1x)'
          % (mflops / 1e12, rate, mbound, lo, med, hi, lo / mbound, med / mbound, hi / mbound))
    print('micronet on %d tokens: %.1f/%.1f/%.1f s min/median/max (target: whole test set <= 60 s on 2 cores)'
          % (mtok, lo, med, hi))
    print('peak RSS micronet %.0f MB = %.2fx the model\'s float32 bytes (%.0f MB); PyTorch process %.0f MB'
          % (mpeak / 1e6, mpeak / model_bytes, model_bytes / 1e6, torch_peak / 1e6))
    print('load average at end: %.2f %.2f %.2f' % os.getloadavg())


if __name__ == '__main__':
    main()
