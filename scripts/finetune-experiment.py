#!/usr/bin/env python3
"""Experiment: does fine-tuning all-MiniLM-L6-v2 itself help on IHND hoax / tweet SARA?

Not part of the product: it measures whether an encoder fine-tuned on our labelled data beats the
frozen encoder + heads that Tanggap ships (numbers in models/README.md). Runs with the peer's venv
(scripts/install-peer.sh) plus pandas and scikit-learn:

    ~/.cache/tanggap/peer-venv/bin/pip install pandas scikit-learn
    ~/.cache/tanggap/peer-venv/bin/python scripts/finetune-experiment.py sara [EPOCHS] [MAX_LEN] [LR]
    ~/.cache/tanggap/peer-venv/bin/python scripts/finetune-experiment.py hoax 3 256

Data: ../shared/data (IHND 600 + 250 de-duplicated; Ibrohim 2019 tweets, SARA = HS_Religion or
HS_Race). Split: stratified 70/15/15 with seed 42; threshold = best F1 on validation; test F1.
Model: mean-pooled MiniLM + one linear unit, class-weighted BCE, AdamW (encoder lr 5e-5, head
1e-3), linear warm-up and decay, bf16 autocast, 2 threads. Prints progress and per-epoch scores.
"""
import math
import os
import sys
import time

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import average_precision_score, f1_score, precision_recall_curve, precision_score, recall_score
from sklearn.model_selection import train_test_split
from transformers import AutoModel, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")
MODEL = os.path.join(HERE, "..", "models", "all-MiniLM-L6-v2")


def key(t):
    return " ".join(str(t).lower().split())


def load(task):
    if task == "hoax":
        d = pd.concat([pd.read_csv(os.path.join(DATA, "ihnd_rahutomo2017", f))
                       for f in ("ihnd600.utf8.csv", "ihnd250.utf8.csv")], ignore_index=True)
        d["k"] = d.text.map(key)
        d = d.drop_duplicates("k").reset_index(drop=True)
        return d.text.tolist(), (d.label == "Hoax").astype(int).values
    d = pd.read_csv(os.path.join(DATA, "ibrohim2019_multilabel_hs", "re_dataset.utf8.csv"))
    d["k"] = d.Tweet.map(key)
    d = d.drop_duplicates("k").reset_index(drop=True)
    return d.Tweet.tolist(), ((d.HS_Religion == 1) | (d.HS_Race == 1)).astype(int).values


def main():
    if not os.path.isdir(DATA):
        sys.exit(f"skipped: {DATA} is not here")
    task = sys.argv[1] if len(sys.argv) > 1 else "sara"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    max_len = int(sys.argv[3]) if len(sys.argv) > 3 else (256 if task == "hoax" else 64)
    lr = float(sys.argv[4]) if len(sys.argv) > 4 else 5e-5
    torch.set_num_threads(2)
    torch.manual_seed(0)
    np.random.seed(0)

    texts, y = load(task)
    idx = np.arange(len(y))
    itr, itmp = train_test_split(idx, test_size=0.30, stratify=y, random_state=42)
    iva, ite = train_test_split(itmp, test_size=0.50, stratify=y[itmp], random_state=42)
    print(f"{task}: train {len(itr)} / val {len(iva)} / test {len(ite)}; positives "
          f"{y[itr].sum()} / {y[iva].sum()} / {y[ite].sum()}", flush=True)

    tok = AutoTokenizer.from_pretrained(MODEL)
    enc = AutoModel.from_pretrained(MODEL)
    head = torch.nn.Linear(enc.config.hidden_size, 1)
    params = list(enc.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW([{"params": enc.parameters(), "lr": lr},
                             {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    pos_weight = torch.tensor((len(itr) - y[itr].sum()) / max(1, y[itr].sum()), dtype=torch.float)
    bs = 16 if max_len > 128 else 32
    total = epochs * math.ceil(len(itr) / bs)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.1 * total)) * max(0.0, (total - s) / total))

    def pooled(batch):
        b = tok(batch, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        out = enc(**b).last_hidden_state
        m = b["attention_mask"].unsqueeze(-1).float()
        return (out * m).sum(1) / m.sum(1).clamp(min=1e-9)

    def scores(ids):
        enc.eval()
        got = {}
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            order = sorted(ids, key=lambda i: len(texts[i]))
            for k in range(0, len(order), 64):
                chunk = order[k:k + 64]
                s = head(pooled([texts[i] for i in chunk]).float()).squeeze(-1)
                got.update(zip(chunk, s.tolist()))
        enc.train()
        return np.array([got[i] for i in ids])

    def report(tag):
        sv, st = scores(list(iva)), scores(list(ite))
        p, r, t = precision_recall_curve(y[iva], sv)
        f = 2 * p * r / np.maximum(p + r, 1e-9)
        pred = (st >= t[np.argmax(f[:-1])]).astype(int)
        print(f"{tag}: val F1 {f[:-1].max():.3f} | test P {precision_score(y[ite], pred):.3f} "
              f"R {recall_score(y[ite], pred):.3f} F1 {f1_score(y[ite], pred):.3f} "
              f"PR-AUC {average_precision_score(y[ite], st):.3f}", flush=True)

    start, step = time.time(), 0
    enc.train()
    for ep in range(epochs):
        perm = np.random.permutation(itr)
        for k in range(0, len(perm), bs):
            chunk = perm[k:k + bs]
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logit = head(pooled([texts[i] for i in chunk]).float()).squeeze(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logit.float(), torch.tensor(y[chunk], dtype=torch.float), pos_weight=pos_weight)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                print(f"  epoch {ep + 1}: {k + len(chunk)}/{len(perm)} loss {loss.item():.3f} "
                      f"({step * bs / (time.time() - start):.1f} texts/s)", flush=True)
        report(f"epoch {ep + 1} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
