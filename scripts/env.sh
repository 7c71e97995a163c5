# Sourced by the scripts: one build cache and one libtorch per machine, outside the clone.
# LIBTORCH is an absolute path here (it overrides .cargo/config.toml's relative one) so every
# clone on the machine shares the compiled torch-sys instead of rebuilding it.
export TANGGAP_CACHE="${TANGGAP_CACHE:-$HOME/.cache/tanggap}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$TANGGAP_CACHE/target}"
export LIBTORCH="${LIBTORCH:-$TANGGAP_CACHE/libtorch-2.4.0/torch}"
export LIBTORCH_CXX11_ABI=0
