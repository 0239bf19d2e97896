"""The README parts that the table scripts write: each between its own pair of markers,
``<!-- NAME:begin (scripts/SCRIPT writes this part) -->`` and ``<!-- NAME:end -->``."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def write_block(name: str, script: str, body: str, readme: Path = README) -> None:
    """Replace the README part between `name`'s markers by `body` (its lines end in a
    newline); exits with an error when the markers are missing."""
    begin = f"<!-- {name}:begin (scripts/{script} writes this part) -->"
    end = f"<!-- {name}:end -->"
    before, found_begin, rest = readme.read_text().partition(begin)
    _, found_end, after = rest.partition(end)
    if not (found_begin and found_end):
        raise SystemExit(f"error: {readme} has no {begin} ... {end} part")
    readme.write_text(f"{before}{begin}\n{body}{end}{after}")
