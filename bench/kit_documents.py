"""Times the kit documents of an exercise on the largest kit (mco-confirme + psychiatrie overlay):
participant kit PDF, animator kit PDF, full binder PDF, chronogramme XLSX export and import.

    python bench/kit_documents.py [--runs 3]
Ends with one line: participant_pdf_s=… animator_pdf_s=… binder_pdf_s=… xlsx_export_s=… xlsx_import_s=… (medians).
"""

import argparse
import datetime as dt
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
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from exercises.models import Exercise  # noqa: E402
from exercises.services import preparation  # noqa: E402
from kits.models import Kit  # noqa: E402
from kits.services.chronogramme_xlsx import export_workbook, import_workbook  # noqa: E402
from organisations.models import Establishment  # noqa: E402


def timed(function, runs: int) -> float:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    rssi = User.objects.get(email="rssi.chu-nantes@care.demo")
    exercise = preparation.do_create_exercise(
        rssi, Establishment.objects.get(pk="440000271"), Kit.objects.get(slug="mco-confirme"), contexts=["psychiatrie"],
        scheduled_start=timezone.now() + dt.timedelta(days=10), place="Salle du conseil")
    exercise = Exercise.objects.get(pk=exercise.pk)
    client = Client(HTTP_HOST="localhost")
    client.force_login(rssi)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, url

    figures = {
        "participant_pdf_s": timed(lambda: get(f"/exercices/{exercise.pk}/kit-participant.pdf"), args.runs),
        "animator_pdf_s": timed(lambda: get(f"/exercices/{exercise.pk}/kit-animateur.pdf"), args.runs),
        "binder_pdf_s": timed(lambda: get(f"/exercices/{exercise.pk}/classeur.pdf"), args.runs),
    }
    data = preparation.exercise_kit(exercise)
    criteria = {c["id"] for c in exercise.kit_version.grid.criteria()}
    workbook = export_workbook(data.stimuli, data.meta)
    figures["xlsx_export_s"] = timed(lambda: export_workbook(data.stimuli, data.meta), args.runs)
    figures["xlsx_import_s"] = timed(lambda: import_workbook(workbook, data.meta, criteria), args.runs)
    print(f"stimuli={len(data.stimuli)} runs={args.runs}")
    print(" ".join(f"{key}={value:.2f}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
