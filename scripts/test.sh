#!/usr/bin/env bash
# Set up a virtual environment (if needed) and run the whole test suite:
# ruff (lint and format), basedpyright (strict, sparse_stencil/), pytest, lit.
# Usage: bash scripts/test.sh [--runslow] [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[test,ptxas,sass,mpi]'
export PATH="$PWD/$VENV/bin:$PATH"
ruff check sparse_stencil scripts test
ruff format --check sparse_stencil scripts test
basedpyright
pytest -n auto -q -rs "$@"  # -rs: say why each skipped test skipped
lit -q test/filecheck
echo "all tests passed"
