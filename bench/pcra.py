"""Times the PCRA document of the largest BIA example (ch-general: 34 resources, 18 processes) with a filled crisis
directory, a published version and RETEX actions linked to sections: PDF binder (ReportLab) and DOCX
(python-docx), each generated from the database as the download views do, in a throwaway SQLite database.

    python bench/pcra.py [--runs 5]
Ends with one line: pdf_s=… docx_s=… (medians after one warm-up), after the pages and sizes.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_DATABASE = Path(tempfile.mkdtemp(prefix="care-bench-pcra-")) / "bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ["DATABASE_URL"] = f"sqlite:///{_DATABASE}"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from continuity.models import PlanVersion, Project, SectionLink  # noqa: E402
from continuity.services.bia import do_create_project, do_save_contact  # noqa: E402
from continuity.services.plan_docx import render_docx  # noqa: E402
from continuity.services.plan_html import render_html  # noqa: E402
from continuity.services.plan_pdf import render_pdf  # noqa: E402
from organisations.models import Establishment  # noqa: E402
from retex.models import Action  # noqa: E402

CONTACTS = [
    ("Directeur de l'établissement", "Mme Claire Bertin", "02 40 08 33 33", "06 12 34 56 78", "direction@chu.example"),
    ("Administrateur de garde", "Tableau de garde", "02 40 08 30 00", "06 98 76 54 32", ""),
    ("RSSI", "M. Olivier Marchand", "02 40 08 31 31", "06 11 22 33 44", "rssi@chu.example"),
    ("DSI / astreinte informatique", "Astreinte DSI", "02 40 08 39 99", "06 55 44 33 22", "astreinte@chu.example"),
    ("Prestataire de réponse à incident", "Prestataire qualifié PRIS", "01 23 45 67 89", "",
     "csirt@prestataire.example"),
]


def build() -> Project:
    call_command("migrate", verbosity=0)
    call_command("import_directory", "--demo", stdout=io.StringIO())
    call_command("seed_demo", "--without-kits", stdout=io.StringIO())
    call_command("load_continuity", stdout=io.StringIO())
    rssi = User.objects.get(email="rssi.chu-nantes@care.demo")
    establishment = Establishment.objects.get(pk="440000271")
    project = do_create_project(rssi, establishment, title="PCRA du CHU — rançongiciel", example="ch-general")
    project.lead_name = "Mme Sophie Lemaire, responsable PCRA"
    project.save()
    existing = {c.function: c for c in project.contacts.all()}
    for function, name, phone, backup, email in CONTACTS:
        do_save_contact(rssi, project, existing.get(function), {"function": function, "name": name, "phone": phone,
                                                                "backup_phone": backup, "email": email})
    PlanVersion.objects.create(project=project, number=1, note="Première version validée en comité de pilotage.",
                               snapshot={}, digest="bench", published_by=rssi)
    for index, section in enumerate(("organisation", "reprise", "processus-urgences")):
        action = Action.objects.create(establishment=establishment, title=f"Action de RETEX n° {index + 1} : "
                                       "mettre à jour la chaîne d'alerte et l'annuaire de crise")
        SectionLink.objects.create(project=project, action=action, section=section)
    return project


def timed(function, runs: int) -> tuple[float, bytes]:
    durations, result = [], b""
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    project = build()
    fresh = lambda: Project.objects.get(pk=project.pk)  # noqa: E731 - from the database each time, as a download
    render_pdf(fresh())  # warm-up: fonts and content cached once per process, as in a running server
    render_docx(fresh())
    pdf_s, pdf = timed(lambda: render_pdf(fresh()), args.runs)
    docx_s, docx = timed(lambda: render_docx(fresh()), args.runs)
    html = render_html(fresh())
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"BIA : {project.resources.count()} ressources, {project.processes.count()} processus, "
          f"{project.contacts.count()} contacts ; PDF {pages} pages, {len(pdf) // 1024} Ko ; "
          f"DOCX {len(docx) // 1024} Ko ; HTML {len(html.encode()) // 1024} Ko")
    print(f"pdf_s={pdf_s:.2f} docx_s={docx_s:.2f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(_DATABASE.parent, ignore_errors=True)
