from __future__ import annotations

import random
from datetime import date

from bench.imports import commune_csv, commune_rows, commune_xlsx, register_number

__all__ = ["commune_csv", "commune_rows", "commune_xlsx", "register_number", "sample"]


def sample(rows: int = 6, bad: int = 4, seed: int = 7) -> tuple[list[list[object]], dict[int, str]]:
    """A small real-looking list: ``bad`` bad lines of the four kinds."""
    return commune_rows(rows, bad, rng=random.Random(seed), today=date(2026, 11, 30))
