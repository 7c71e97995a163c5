# Sourced by the scripts: one build cache per machine, outside the clone.
export TANGGAP_CACHE="${TANGGAP_CACHE:-$HOME/.cache/tanggap}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$TANGGAP_CACHE/target}"
