#!/usr/bin/env python3
"""LSTM evaluation speed: micronet eval against PyTorch's CPU nn.LSTM, at awd-lstm-lm's WikiText-2 LSTM shape.

    /work/venv/bin/python bench/lstm_eval_bench.py [--threads 2] [--tokens 5000] [--rounds 3] [--batch-size 1]

(any Python with torch and numpy; build first with `swift build -c release`.)

What it does, in one run:
1. writes a random-initialised awd-lstm-lm LSTM state dict of the WikiText-2 shape -- V 33,278, E 400,
   H 1150, 3 layers (400 -> 1150 -> 1150 -> 400, tied), full softmax (main.py's choice below 75,000 words),
   both bias vectors -- with the names awd-lstm-lm gives it (`rnns.N.module.weight_hh_l0_raw` as WeightDrop
   stores it, encoder/decoder sharing one storage), into --workdir;
2. cuts the WikiText-2 test set (../shared/data/wikitext-2/test.txt) to its first --tokens tokens (whole lines),
   with fixtures/wikitext-2/vocab.txt as the vocabulary;
3. times, interleaved over --rounds rounds on the same threads: `micronet eval` (release build; peak RSS from
   GNU time) and PyTorch's eval (torch.set_num_threads(threads), torch.no_grad: nn.Embedding, three
   nn.LSTM layers carrying (h, c) across bptt chunks, the tied decoder and log_softmax over V, the loss summed
   in float64 as chunk length x chunk mean over the rows, as awd-lstm-lm's evaluate() does);
4. measures the GEMV rate (a 4H x H matrix times a vector) and the GEMM rate (bptt x 400 x 33,278) with numpy's
   BLAS and torch, and from the work per token (the recurrent products are GEMVs at batch 1, everything else
   GEMMs over a chunk) gives the time bound the BLAS work alone sets;
5. prints tokens/s (min / median / max over the rounds), the ratios and the peak RSS.
"""
import argparse
import json
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
V, E, H, L = 33_278, 400, 1150, 3
WT2 = next((p for p in (os.path.join(ROOT, '..', 'shared', 'data', 'wikitext-2'),
                        os.path.join(ROOT, '..', '..', 'shared', 'data', 'wikitext-2')) if os.path.isdir(p)),
           os.path.join(ROOT, 'fixtures', 'wikitext-2'))
VOCAB = os.path.join(ROOT, 'fixtures', 'wikitext-2', 'vocab.txt')


def sizes():
    return [(E if l == 0 else H, H if l != L - 1 else E) for l in range(L)]


def prepare(workdir, tokens):
    os.makedirs(workdir, exist_ok=True)
    ckpt = os.path.join(workdir, 'wt2-lstm-random.pt')
    if not os.path.exists(ckpt):
        torch.manual_seed(0)
        sd = {}
        enc = torch.empty(V, E).uniform_(-0.1, 0.1)
        sd['encoder.weight'] = enc
        for l, (i, h) in enumerate(sizes()):
            k = 1 / math.sqrt(h)
            p = 'rnns.%d.module.' % l
            sd[p + 'weight_ih_l0'] = torch.empty(4 * h, i).uniform_(-k, k)
            sd[p + 'bias_ih_l0'] = torch.empty(4 * h).uniform_(-k, k)
            sd[p + 'bias_hh_l0'] = torch.empty(4 * h).uniform_(-k, k)
            sd[p + 'weight_hh_l0_raw'] = torch.empty(4 * h, h).uniform_(-k, k)
        sd['decoder.weight'] = enc           # tied: one storage
        sd['decoder.bias'] = torch.empty(V).uniform_(-0.1, 0.1)
        torch.save(sd, ckpt)
    text = os.path.join(workdir, 'test-%d.txt' % tokens)
    n = 0
    with open(os.path.join(WT2, 'test.txt'), encoding='utf-8') as f, open(text, 'w', encoding='utf-8') as out:
        for line in f:
            n += len(line.split()) + 1
            out.write(line)
            if n >= tokens:
                break
    return ckpt, text


def load_ids(text):
    index = {w: i for i, w in enumerate(open(VOCAB, encoding='utf-8').read().split('\n')[:-1])}
    ids = []
    with open(text, encoding='utf-8') as f:
        for line in f:
            ids += [index[w] for w in line.split() + ['<eos>']]
    return torch.tensor(ids, dtype=torch.long)


def torch_eval(ckpt, ids, batch, bptt):
    """awd-lstm-lm evaluate() on nn.LSTM: hidden carried across chunks, tied decoder, full log-softmax."""
    sd = torch.load(ckpt)
    emb = torch.nn.Embedding(V, E)
    emb.weight.data = sd['encoder.weight']
    lstms = []
    for l, (i, h) in enumerate(sizes()):
        m = torch.nn.LSTM(i, h, 1)
        p = 'rnns.%d.module.' % l
        m.weight_ih_l0.data, m.weight_hh_l0.data = sd[p + 'weight_ih_l0'], sd[p + 'weight_hh_l0_raw']
        m.bias_ih_l0.data, m.bias_hh_l0.data = sd[p + 'bias_ih_l0'], sd[p + 'bias_hh_l0']
        m.eval()
        lstms.append(m)
    w, b = sd['decoder.weight'], sd['decoder.bias']
    rows = ids.numel() // batch
    data = ids[:rows * batch].view(batch, -1).t().contiguous()
    hidden = [(torch.zeros(1, batch, h), torch.zeros(1, batch, h)) for _, h in sizes()]
    total = 0.0
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, rows - 1, bptt):
            n = min(bptt, rows - 1 - i)
            x, y = data[i:i + n], data[i + 1:i + 1 + n].reshape(-1)
            out = emb(x)
            for l, m in enumerate(lstms):
                out, hidden[l] = m(out, hidden[l])
            logits = F.linear(out.view(-1, E), w, b)
            total += n * float(F.cross_entropy(logits, y))
    return time.perf_counter() - t0, total / rows, rows * batch


def run_micronet(binary, ckpt, text, threads, batch, bptt):
    cmd = [binary, 'eval', ckpt, '--text', text, '--vocab', VOCAB, '--threads', str(threads),
           '--bptt', str(bptt), '--batch-size', str(batch), '--format', 'json']
    p = subprocess.run(['/usr/bin/time', '-f', 'MAXRSS %M'] + cmd, capture_output=True)
    err = p.stderr.decode().strip().splitlines()
    if p.returncode != 0:
        raise SystemExit('micronet failed (%d): %s' % (p.returncode, '\n'.join(err)))
    return json.loads(p.stdout), int(err[-1].split()[1]) * 1024


def blas_rates(threads, bptt):
    """GFLOP/s of a recurrent GEMV (4H x H . h) and of the decoder GEMM (bptt x E x V), best of numpy and torch."""
    torch.set_num_threads(threads)
    a, x = torch.randn(4 * H, H), torch.randn(H)
    g, d = torch.randn(bptt, E), torch.randn(V, E)
    an, xn, gn, dn = a.numpy(), x.numpy(), g.numpy(), d.numpy()

    def rate(fn, flops):
        for _ in range(3):
            fn()
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 1.0:
            fn()
            reps += 1
        return flops * reps / (time.perf_counter() - t0) / 1e9
    gemv = max(rate(lambda: torch.mv(a, x), 2 * 4 * H * H), rate(lambda: an @ xn, 2 * 4 * H * H))
    gemm = max(rate(lambda: torch.mm(g, d.t()), 2 * bptt * E * V), rate(lambda: gn @ dn.T, 2 * bptt * E * V))
    return gemv, gemm


def bound_seconds(tokens, batch, gemv, gemm):
    """The BLAS work of the evaluation at the measured rates: recurrent products as GEMVs (batch 1; GEMMs of
    `batch` rows otherwise, counted at the GEMM rate), input projections and the decoder as GEMMs."""
    rec = sum(2 * 4 * h * h for _, h in sizes())
    proj = sum(2 * 4 * h * i for i, h in sizes())
    dec = 2 * E * V
    rec_rate = gemv if batch == 1 else gemm
    return tokens * (rec / (rec_rate * 1e9) + (proj + dec) / (gemm * 1e9))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--tokens', type=int, default=5000)
    ap.add_argument('--batch-size', type=int, default=1)
    ap.add_argument('--bptt', type=int, default=70)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--workdir', default='/tmp/micronet-lstm-bench')
    ap.add_argument('--binary', default=os.path.join(ROOT, '.build', 'release', 'micronet'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ckpt, text = prepare(args.workdir, args.tokens)
    ids = load_ids(text)
    weight_bytes = 4 * (V * E + V + sum(4 * h * (i + h) + 8 * h for i, h in sizes()))
    mn, tt, rates = [], [], []
    for r in range(args.rounds):
        out, rss = run_micronet(args.binary, ckpt, text, args.threads, args.batch_size, args.bptt)
        mn.append((out['tokens'] / out['seconds'], out['seconds'], out['loss'], rss, out['tokens']))
        secs, loss, n = torch_eval(ckpt, ids, args.batch_size, args.bptt)
        tt.append((n / secs, secs, loss, n))
        rates.append(blas_rates(args.threads, args.bptt))
        print('round %d: micronet %.0f tok/s, PyTorch %.0f tok/s' % (r + 1, mn[-1][0], tt[-1][0]), flush=True)
    gemv, gemm = max(x[0] for x in rates), max(x[1] for x in rates)

    def mmm(xs):
        return '%8.0f %8.0f %8.0f' % (min(xs), statistics.median(xs), max(xs))
    n = mn[0][4]
    print()
    print('WikiText-2 LSTM shape V %d, E %d, H %d, %d layers, full softmax; %d tokens, batch %d, bptt %d, %d threads'
          % (V, E, H, L, n, args.batch_size, args.bptt, args.threads))
    print('BLAS rates (best of %d): GEMV 4Hx H %.1f GFLOP/s, GEMM %dx%dx%d %.1f GFLOP/s'
          % (args.rounds, gemv, args.bptt, E, V, gemm))
    print('%-34s %8s %8s %8s   %s' % ('tokens/s over %d rounds' % args.rounds, 'min', 'median', 'max', 'loss'))
    print('%-34s %s   %.7f' % ('micronet eval (OpenBLAS)', mmm([m[0] for m in mn]), mn[0][2]))
    print('%-34s %s   %.7f' % ('PyTorch nn.LSTM eval', mmm([t[0] for t in tt]), tt[0][2]))
    best_m, best_t = max(m[0] for m in mn), max(t[0] for t in tt)
    med_m, med_t = statistics.median(m[0] for m in mn), statistics.median(t[0] for t in tt)
    print('micronet / PyTorch: best %.2fx, median %.2fx (goal >= 1.3x at batch 1)' % (best_m / best_t, med_m / med_t))
    b = bound_seconds(n, args.batch_size, gemv, gemm)
    best_secs = min(m[1] for m in mn)
    print('BLAS bound %.2f s (%.0f tok/s); micronet best %.2f s = %.2fx the bound (goal <= 1.3x)'
          % (b, n / b, best_secs, best_secs / b))
    rss = max(m[3] for m in mn)
    print('peak RSS micronet %.0f MB = %.2fx the model float32 bytes (%.0f MB); checkpoint file %.0f MB'
          % (rss / 1e6, rss / weight_bytes, weight_bytes / 1e6, os.path.getsize(ckpt) / 1e6))
    print('loss micronet %.9f vs PyTorch %.9f (rel %.1e)' % (mn[0][2], tt[0][2], abs(mn[0][2] - tt[0][2]) / tt[0][2]))


if __name__ == '__main__':
    main()
