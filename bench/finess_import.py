"""Times the national FINESS import (95,333 rows) on a fresh database, then the idempotent re-run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_bench python bench/finess_import.py
Ends with one line: rows=… first_s=… rerun_s=… (median of --runs runs).
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from organisations.models import Establishment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    firsts, reruns = [], []
    call_command("migrate", verbosity=0)
    for _ in range(args.runs):
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        call_command("import_directory", stdout=io.StringIO())
        firsts.append(time.perf_counter() - started)
        started = time.perf_counter()
        call_command("import_directory", stdout=io.StringIO())
        reruns.append(time.perf_counter() - started)
    rows = Establishment.objects.count()
    print(f"first runs: {[round(x, 1) for x in firsts]} re-runs: {[round(x, 1) for x in reruns]}")
    print(f"rows={rows} first_s={statistics.median(firsts):.1f} rerun_s={statistics.median(reruns):.1f}")


if __name__ == "__main__":
    main()
