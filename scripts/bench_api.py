"""The API benchmark under the name the HTTP API issue gives it: same as scripts/bench_http.py
(wrk, 16 connections, `terrain serve` vs a bare FastAPI app validating the same body, in one run
on a scratch PostgreSQL database; then batches of 1,000 vs a raw execute_values INSERT).

    python scripts/bench_api.py [--seconds 15] [--workers 2] [--url postgresql+psycopg2://...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_http import main  # noqa: E402

if __name__ == "__main__":
    main()
