"""Write ``data/maintenance.csv.gz``: a small synthetic maintenance log drawn from a stated process.

Run from the repository root: ``python data/make_maintenance.py``. The output is byte-for-byte
reproducible (fixed seed, gzip mtime 0). The process (see data/README.md):

* 3,000 engine inspections; ``engine_type`` turbofan / turboprop / turboshaft (50 / 30 / 20 %), each
  inspected at one of four ``shop``s (A-D, 40 / 30 / 20 / 10 %);
* ``hours_between_failures``: Weibull per engine type, shape 1.5 / 1.2 / 2.0 and mean time between
  failures (MTBF) 10,000 / 6,000 / 8,000 hours;
* ``defects_found``: Poisson per shop, 1.2 / 2.5 / 0.8 / 4.0 defects per inspection;
* ``engine_age_years``: uniform 0.5-25; ``ambient_temp_c``: normal, mean 12 / 18 / 25 / 5 by shop, sd 6;
* ``maintenance_cost``: 2,000 + 250 per year of age + 40 per degree of ambient temperature above 0
  + 1,500 / 0 / 800 by engine type, times lognormal noise (sd of the log 0.1); rounded to whole
  currency units. It does not depend on the process columns: a process column is drawn given its
  group only, so a dependence of another column on it would not survive in a twin;
* ``unit_id``: a serial number per row (an identifier: the pipeline drops it).
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import polars as pl

ROWS = 3000
SEED = 20261202
OUT = Path(__file__).resolve().parent / "maintenance.csv.gz"

ENGINE_TYPES = {  # share, Weibull shape, MTBF hours, added cost
    "turbofan": (0.5, 1.5, 10_000.0, 1500.0),
    "turboprop": (0.3, 1.2, 6_000.0, 0.0),
    "turboshaft": (0.2, 2.0, 8_000.0, 800.0),
}
SHOPS = {  # share, defects per inspection, mean ambient temperature
    "A": (0.4, 1.2, 12.0),
    "B": (0.3, 2.5, 18.0),
    "C": (0.2, 0.8, 25.0),
    "D": (0.1, 4.0, 5.0),
}


def maintenance_table(rows: int = ROWS, seed: int = SEED) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    types = rng.choice(list(ENGINE_TYPES), size=rows, p=[v[0] for v in ENGINE_TYPES.values()])
    shops = rng.choice(list(SHOPS), size=rows, p=[v[0] for v in SHOPS.values()])
    shape = np.array([ENGINE_TYPES[t][1] for t in types])
    mtbf = np.array([ENGINE_TYPES[t][2] for t in types])
    scale = mtbf / np.array([math.gamma(1 + 1 / k) for k in shape])
    hours = scale * rng.weibull(shape)
    defects = rng.poisson([SHOPS[s][1] for s in shops])
    age = rng.uniform(0.5, 25.0, rows)
    temperature = rng.normal([SHOPS[s][2] for s in shops], 6.0)
    added = np.array([ENGINE_TYPES[t][3] for t in types])
    cost = (2000 + 250 * age + 40 * np.clip(temperature, 0, None) + added) * rng.lognormal(0.0, 0.1, rows)
    return pl.DataFrame(
        {
            "unit_id": [f"ENG-{i:05d}" for i in range(1, rows + 1)],
            "engine_type": types,
            "shop": shops,
            "engine_age_years": np.round(age, 1),
            "ambient_temp_c": np.round(temperature, 1),
            "hours_between_failures": np.round(hours, 1),
            "defects_found": defects,
            "maintenance_cost": np.round(cost).astype(np.int64),
        }
    )


if __name__ == "__main__":
    csv = maintenance_table().write_csv()
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(csv.encode("utf-8"))
    print(f"wrote {OUT} ({ROWS:,} rows)")
