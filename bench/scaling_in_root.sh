#!/bin/bash
# Runs bench/scaling.sh inside a root made by bench/portable_root.py, on a machine without
# Debian 12's Open MPI (docs/scaling.md). As root: mounts /proc, /sys and /dev into the root,
# enters it with chroot, and copies the JSON reports to OUT_DIR (the matrices stay behind).
#
#   sudo bench/scaling_in_root.sh ROOT_DIR OUT_DIR
#
# Every variable of bench/scaling.sh passes through (THREADS, RANKS, MATRICES: paths inside the
# root, e.g. /data/A.mtx after copying A.mtx to ROOT_DIR/data, ...). Open MPI runs on one node
# without ssh (plm isolated), with nothing pinned (--bind-to none) and without cross-memory
# attach, which sandboxes refuse.
set -euo pipefail

ROOT=${1:?usage: bench/scaling_in_root.sh ROOT_DIR OUT_DIR}
OUT=${2:?usage: bench/scaling_in_root.sh ROOT_DIR OUT_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -x "$ROOT/usr/bin/asor" ] || {
  echo "scaling_in_root.sh: $ROOT/usr/bin/asor not found (make the root with bench/portable_root.py)" >&2
  exit 2
}
mkdir -p "$OUT"
mounted=()
cleanup() {
  local m
  for m in "${mounted[@]}"; do umount "$m" || true; done
}
trap cleanup EXIT
mount -t proc proc "$ROOT/proc" && mounted+=("$ROOT/proc")
mount --bind /sys "$ROOT/sys" && mounted+=("$ROOT/sys")
mount --bind /dev "$ROOT/dev" && mounted+=("$ROOT/dev")

cp "$HERE/scaling.sh" "$ROOT/scaling.sh"
rm -rf "$ROOT/out"
export OMPI_MCA_plm=isolated OMPI_MCA_btl_vader_single_copy_mechanism=none
export MPIRUN_ARGS=${MPIRUN_ARGS:-"--bind-to none"}
chroot "$ROOT" /usr/bin/bash /scaling.sh /usr /out
cp "$ROOT"/out/*.json "$ROOT/out/machine.txt" "$OUT"/
echo "scaling_in_root.sh: reports in $OUT (python3 bench/scaling_report.py $OUT)"
