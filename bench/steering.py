"""Steering dashboards at national scale, on PostgreSQL: the real national FINESS directory (from ../shared, or the
demo extract if absent), a synthetic five-year history on top (generate_synthetic_history), then every dashboard
page at national and regional scope requested repeatedly through the full Django stack (middleware, access,
templates). Reports p50/p95 per page.

    python bench/steering.py [--runs 40] [--rebuild]
Ends with one line: worst_p95_ms=…
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/care_bench_steering")


def _ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build(rebuild: bool) -> None:
    from django.core.management import call_command

    from exercises.models import Exercise

    call_command("migrate", verbosity=0)
    if not rebuild and Exercise.objects.filter(title__startswith="[synthétique]").exists():
        print("historique synthétique déjà en base (--rebuild pour le refaire)", flush=True)
        return
    started = time.monotonic()
    call_command("flush", interactive=False, verbosity=0)
    shared = Path(os.environ.get("CARE_SHARED_DATA", ROOT.parent / "shared" / "data"))
    full = (shared / "finess").exists()
    call_command("seed_demo", *(["--full-directory"] if full else []), stdout=io.StringIO())
    call_command("generate_synthetic_history", stdout=sys.stdout)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have done on a live database
    print(f"annuaire {'national' if full else 'de démonstration'} et historique : {time.monotonic() - started:.0f} s",
          flush=True)


def client_for(email: str):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    user = User.objects.get(email=email)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    build(args.rebuild)
    from django.utils import timezone

    from exercises.models import Exercise
    from retex.models import Action, EvaluationScore

    year = timezone.localdate().year
    print(f"exercices {Exercise.objects.count()}, notes {EvaluationScore.objects.count()}, "
          f"actions {Action.objects.count()}", flush=True)
    pages = ["/pilotage/", "/pilotage/?par=department", "/pilotage/?par=category", "/pilotage/maturite/",
             "/pilotage/evaluation/", "/pilotage/plans/", f"/pilotage/?annee={year - 1}&par=ght"]
    scopes = {"national": "equipe.nationale@care.demo", "régional (ARS Pays de la Loire)": "ars.pdl@care.demo"}
    worst = 0.0
    for scope, email in scopes.items():
        client = client_for(email)
        for url in pages:
            durations = []
            for _ in range(args.runs + 2):
                started = time.perf_counter()
                response = client.get(url)
                durations.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            durations = sorted(durations[2:])  # first two warm the caches
            p50 = statistics.median(durations)
            p95 = durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]
            worst = max(worst, p95)
            print(f"{scope:32} {url:40} p50 {p50:6.0f} ms  p95 {p95:6.0f} ms", flush=True)
    client = client_for("rssi.chu-nantes@care.demo")
    durations = []
    for _ in range(args.runs):
        started = time.perf_counter()
        client.get("/mes-resultats/")
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    p95 = durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]
    worst = max(worst, p95)
    print(f"{'établissement (pairs anonymes)':32} {'/mes-resultats/':40} p50 {statistics.median(durations):6.0f} ms  "
          f"p95 {p95:6.0f} ms")
    print(f"worst_p95_ms={worst:.0f}")


if __name__ == "__main__":
    main()
