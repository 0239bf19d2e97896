"""Layout statistics: the redundancy formula, the issue's targets, the table script."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from sparse_stencil import catalog
from sparse_stencil.layout.search import choose_layout
from sparse_stencil.layout.statistics import LayoutStatistics, layout_statistics, redundancy
from sparse_stencil.sparsity import sparsity_of

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "layout_table.py"


def _statistics(name: str, dtype: str) -> LayoutStatistics:
    """The statistics of the layout that the search chooses for the catalog stencil `name`."""
    return layout_statistics(choose_layout(catalog.get(name), sparsity_of(dtype)))


@pytest.mark.parametrize(("mma_k", "macs"), [(16, 16 * 8 * 16 // 2), (8, 16 * 8 * 8 // 2)])
def test_redundancy_counts_issued_over_useful_macs(mma_k: int, macs: int) -> None:
    """docs/design.md §6.1: each mma.sp m16n8k16 counts 1024 MACs (tf32's m16n8k8: 512) and serves
    N = 8 tiles; useful MACs per tile are its outputs times the non-zero coefficients."""
    k_after, outputs, nonzeros = 112, 16, 49
    issued_per_tile = (k_after // mma_k) * macs / 8
    assert redundancy(k_after, outputs, nonzeros) == pytest.approx(
        issued_per_tile / (outputs * nonzeros)
    )
    assert redundancy(16, 14, 3) == pytest.approx((1 * 1024 / 8) / (14 * 3))


def test_box2d3r_beats_the_published_peers() -> None:
    """Below ConvStencil's 2.12 and at the 1.14 of docs/design.md §4.1: K = 112 = 2 x 49
    rounded up to 16 for 16 outputs, 112 / 98."""
    stats = _statistics("box2d3r", "float16")
    assert stats.nonzeros == 49
    assert stats.redundancy < 2.12
    assert stats.redundancy == pytest.approx(112 / 98)
    assert stats.k_after == stats.padded_bound
    assert stats.dense_redundancy == pytest.approx(2 * stats.redundancy)
    assert stats.density == pytest.approx(49 / 112)


def test_the_catalog_median_is_at_most_three() -> None:
    """One time step per launch, 2:4; the whole catalog takes about 5 s."""
    values = [_statistics(n, "float16").redundancy for n in catalog.names()]
    assert statistics.median(values) <= 3


@pytest.mark.slow
def test_the_tf32_catalog_median_is_at_most_three() -> None:
    values = [_statistics(n, "float32").redundancy for n in catalog.names()]
    assert statistics.median(values) <= 3


def test_the_table_script_writes_a_row_per_stencil(tmp_path: Path) -> None:
    output = tmp_path / "table.md"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(output), "--only", "box2d3r", "heat-1d"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "box2d3r (7x7 box): 1.14 with a 4x4 tile, K 100 -> 112" in result.stdout
    rows = [line for line in output.read_text().splitlines() if line.startswith("| ")]
    assert len(rows) == 3
    assert rows[1].startswith("| box2d3r | 2 | 49 | 4x4 | 100 | 112 | 112 |")
    assert rows[2].startswith("| heat-1d | 1 | 3 | 14 | 16 | 16 | 16 |")
