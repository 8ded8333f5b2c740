"""Times the RETEX report of a 2-hour exercise with 60 stimuli sent, 40 observations, two observers' ratings on
every criterion, a 40-entry crisis log and 12 hot-debrief answers: PDF (WeasyPrint) and DOCX (python-docx), each
generated from the database as the download views do.

    python bench/retex.py [--runs 5]
Ends with one line: pdf_s=… docx_s=… (medians), plus pages and sizes.
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
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from exercises.models import Exercise, MemberRole  # noqa: E402
from exercises.services import preparation  # noqa: E402
from kits.models import Kit  # noqa: E402
from live.models import Delivery  # noqa: E402
from live.services import cell, control  # noqa: E402
from organisations.models import Establishment  # noqa: E402
from retex.models import Retex  # noqa: E402
from retex.services import debrief, workflow  # noqa: E402
from retex.services.report import report_docx, report_pdf  # noqa: E402

PASSWORD = "Mot-de-passe-bench-2026"


def member(animator, exercise, email, role, cell_role=""):
    row, _ = preparation.do_add_member(animator, exercise, email=email, full_name=email.split("@")[0].title(),
                                       role=role, cell_role=cell_role)
    user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=PASSWORD)
    preparation.do_accept_invitation(row, user)
    return user


def build() -> Retex:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    rssi = User.objects.get(email="rssi.chu-nantes@care.demo")
    exercise = preparation.do_create_exercise(
        rssi, Establishment.objects.get(pk="440000271"), Kit.objects.get(slug="mco-confirme"), contexts=["psychiatrie"],
        scheduled_start=timezone.now(), place="Salle du conseil", duration_minutes=120)
    roles = [r["id"] for r in exercise.kit_version.cell_roles]
    players = [member(rssi, exercise, f"joueur{i}@chu.example", MemberRole.PLAYER, roles[i % len(roles)])
               for i in range(10)]
    observers = [member(rssi, exercise, f"observateur{i}@chu.example", MemberRole.OBSERVER) for i in range(2)]
    exercise = Exercise.objects.get(pk=exercise.pk)
    control.do_start(rssi, exercise, speed=1.0)
    deliveries = list(Delivery.objects.filter(exercise=exercise).order_by("due_offset", "pk")[:60])
    for delivery in deliveries:
        control.do_trigger(rssi, exercise, delivery.pk)
    for index, delivery in enumerate(deliveries):
        player = next((p for i, p in enumerate(players) if "cellule" in delivery.recipients
                       or roles[i % len(roles)] in delivery.recipients), None)
        if player is None:
            continue
        cell.do_receipt(player, exercise, delivery.pk, acknowledge=index % 2 == 0)
        if index % 3 == 0:
            cell.do_reply(player, exercise, body=f"Réponse de la cellule au stimulus {delivery.stimulus_code}.",
                          delivery_id=delivery.pk)
    kinds = ["entry", "decision", "action"]
    for index in range(40):
        cell.do_log(players[index % len(players)], exercise, kind=kinds[index % 3], owner="Directeur de garde",
                    rationale="Protéger les patients" if index % 3 == 1 else "",
                    text=f"Inscription {index} : point sur les urgences, le laboratoire et l'imagerie ; décisions "
                         f"prises et actions engagées, dont l'activation de la cellule de crise.")
    criteria = [c["id"] for c in exercise.kit_version.grid.criteria(exercise.kit.level)]
    for o, observer in enumerate(observers):
        for index, criterion in enumerate(criteria):
            cell.do_rate(observer, exercise, criterion, str((index + o) % 4))
    for index in range(40):
        cell.do_observe(observers[index % 2], exercise, criterion=criteria[index % len(criteria)],
                        delivery_id=deliveries[index].pk,
                        text=f"Observation {index} : la cellule tarde à confirmer la décision, le secrétaire note.")
    control.do_stop(rssi, exercise)
    exercise = Exercise.objects.get(pk=exercise.pk)
    answers = {"Q-BIEN": "La main courante a été tenue.", "Q-DIFFICILE": "L'alerte de l'ARS.",
               "Q-CHANGER": "Un annuaire de crise papier.", "Q-REALISME": "4"}
    for player in players:
        debrief.do_answer(player, exercise, answers)
    for index in range(2):
        debrief.do_enter_paper(rssi, exercise, respondent=f"Cadre {index}", role="player", raw=answers)
    retex = workflow.do_open(rssi, exercise)
    workflow.do_save_texts(rssi, retex, context=retex.context, strengths="Cellule activée vite\nPorte-parole désigné",
                           improvements="Chaîne d'alerte\nProcédures dégradées du laboratoire")
    workflow.do_generate_recommendations(rssi, retex)
    workflow.do_validate(rssi, retex)
    return Retex.objects.get(pk=retex.pk)


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
    retex = build()
    fresh = lambda: Retex.objects.get(pk=retex.pk)  # noqa: E731 - from the database each time, as a download
    report_pdf(fresh())  # warm-up: fonts and templates loaded once per process, as in a running server
    pdf_s, pdf = timed(lambda: report_pdf(fresh()), args.runs)
    docx_s, docx = timed(lambda: report_docx(fresh()), args.runs)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    sent = retex.exercise.deliveries.filter(status="sent").count()
    print(f"exercice : {sent} stimuli envoyés, {retex.exercise.observations.count()} observations, "
          f"{retex.recommendations.count()} préconisations ; PDF {pages} pages, {len(pdf) // 1024} Ko ; "
          f"DOCX {len(docx) // 1024} Ko")
    print(f"pdf_s={pdf_s:.2f} docx_s={docx_s:.2f}")


if __name__ == "__main__":
    main()
