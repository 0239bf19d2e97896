#!/usr/bin/env bash
# The one script a lent GPU runs (under 8 minutes): set up from carried wheels, compare the
# PTX simulator with the GPU, run the GPU tests, and benchmark the whole catalog on 2-D
# 8192x8192, 3-D 512^3 and 1-D 2^26 grids. Everything it writes goes under $OUT.
#
#   bash scripts/gpu_check.sh [--dry-run] [--wheels DIR]
#
# --wheels DIR (default: wheels): a folder of wheels for the device's Python, installed with
#   pip --no-index: this project's wheel and its dependencies with the gpu, test and sass
#   extras, pycuda included. Build it on a machine with a registry, for the device's Python
#   (3.12), e.g.  PYENV_VERSION=3.12.1 python3.12 -m pip wheel -w wheels '.[gpu,test,sass]'
#   where pycuda builds against the CUDA toolkit without a driver: pycuda's siteconf.py (or
#   ~/.aksetup-defaults.py) sets CUDA_ROOT, CUDA_ENABLE_CURAND = False and CUDADRV_LIB_DIR
#   to a folder holding a stub libcuda.so. Carry the folder with the run.
# --dry-run: on any machine, with the Python on PATH that has this project installed:
#   checks the arguments, prints the commands a GPU run would run, and runs the benchmark on
#   the PTX simulator (--emulate) for two small stencils into $OUT/bench-dry-run.json.
#
# $OUT (default: bench/results/gpu-check) receives sim_vs_gpu-*.json/.md, pytest-gpu.txt,
# bench-{2d,3d,1d}.json/.png/.txt, versions.txt and log.txt. $PYTHON picks the device's
# Python (default /opt/torch/.venv/bin/python, where PyTorch is, else python3).
set -uo pipefail
cd "$(dirname "$0")/.."

DRY_RUN=0
WHEELS=wheels
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --wheels) [ $# -ge 2 ] || { echo "gpu_check: --wheels needs a folder" >&2; exit 2; }
              WHEELS=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown argument '$1' (expected --dry-run, --wheels DIR)" >&2; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-bench/results/gpu-check}
mkdir -p "$OUT"

STEPS=10
BASELINES=sparse,dense,cuda-core,cudnn
# dimensionality label, then the grid
GRIDS=("2d 8192x8192" "3d 512x512x512" "1d 67108864")

bench_command() {  # $1 label, $2 shape: the benchmark of one dimensionality
  echo "$PY -m sparse_stencil.tools.cli bench --all --shape $2 --steps $STEPS" \
       "--baselines $BASELINES --sass --jobs $(nproc) --json $OUT/bench-$1.json" \
       "--plot $OUT/bench-$1.png"
}

if [ "$DRY_RUN" = 1 ]; then
  PY=${PYTHON:-python3}
  "$PY" -c "import sparse_stencil" || { echo "gpu_check: $PY cannot import sparse_stencil" >&2; exit 1; }
  echo "would run: $PY -m pip install --no-index --find-links $WHEELS 'sparse-stencil[gpu,test,sass]'"
  echo "would run: $PY scripts/sim_vs_gpu.py --out-dir $OUT"
  echo "would run: $PY -m pytest -k gpu -rs -q"
  for grid in "${GRIDS[@]}"; do
    set -- $grid
    echo "would run: $(bench_command "$1" "$2")"
    # the same arguments, parsed and checked up to the settings: --repeats 4 stops the run
    # there with its own error, so any other error (a flag, a shape) is the arguments'
    said=$("$PY" -m sparse_stencil.tools.cli bench --all --shape "$2" --steps "$STEPS" \
      --baselines "$BASELINES" --sass --repeats 4 --emulate 2>&1)
    case "$said" in
      *"--repeats must be at least 5"*) ;;
      *) echo "gpu_check: the bench arguments for $1 were not accepted: $said" >&2; exit 1 ;;
    esac
  done
  "$PY" -m sparse_stencil.tools.cli bench heat-2d box2d1r --shape 256x256 --steps "$STEPS" \
    --baselines "$BASELINES" --emulate --jobs 2 --json "$OUT/bench-dry-run.json" \
    > "$OUT/bench-dry-run.txt" || exit 1
  echo "dry run done: $OUT/bench-dry-run.json"
  exit 0
fi

exec > >(tee "$OUT/log.txt") 2>&1
PY=${PYTHON:-/opt/torch/.venv/bin/python}
[ -x "$PY" ] || PY=python3
VENV=${TMPDIR:-/tmp}/sparse-stencil-gpu-venv
[ -d "$WHEELS" ] || { echo "gpu_check: no wheel folder '$WHEELS' (see --wheels)"; exit 2; }
# system site packages: PyTorch (the cudnn baseline) stays visible
"$PY" -m venv --system-site-packages "$VENV" || exit 2
PY=$VENV/bin/python
"$PY" -m pip install --quiet --no-index --find-links "$WHEELS" 'sparse-stencil[gpu,test,sass]' \
  || { echo "gpu_check: installing from $WHEELS failed"; exit 2; }
"$PY" -m pip install --quiet --no-index --find-links "$WHEELS" matplotlib \
  || echo "gpu_check: no matplotlib wheel: the plots are left out"
{ nvidia-smi; "$PY" -m pip list; } > "$OUT/versions.txt" 2>&1

status=0
timeout 90 "$PY" scripts/sim_vs_gpu.py --out-dir "$OUT" || status=1
timeout 120 "$PY" -m pytest -k gpu -rs -q -p no:cacheprovider > "$OUT/pytest-gpu.txt" 2>&1 || status=1
tail -3 "$OUT/pytest-gpu.txt"
for grid in "${GRIDS[@]}"; do
  set -- $grid
  command=$(bench_command "$1" "$2")
  "$PY" -c "import matplotlib" 2>/dev/null || command=${command% --plot *}
  echo "running: $command"
  timeout 100 $command > "$OUT/bench-$1.txt" || status=1
  tail -5 "$OUT/bench-$1.txt"
done
echo "gpu_check: done, status $status; results in $OUT"
exit $status
