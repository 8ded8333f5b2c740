import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from core.audit import acting_as
from exercises.models import Exercise, MemberRole
from exercises.services import preparation
from kits.models import Kit
from live.models import Delivery
from live.services import cell, control
from organisations.models import Establishment
from retex.services import debrief, plan, workflow

CHU_NANTES = "440000271"
PASSWORD = "CaRE-demo-2026!"
TITLE = "Exercice de crise cyber 2025 (démonstration, terminé)"


class Command(BaseCommand):
    help = ("Joue et clôt l'exercice de l'an dernier au CHU de Nantes : main courante, notes d'observateurs, "
            "RETEX validé et plan d'amélioration (dont une action en retard).")

    def handle(self, *args, **options):
        establishment = Establishment.objects.filter(pk=CHU_NANTES).first()
        rssi = User.objects.filter(email="rssi.chu-nantes@care.demo").first()
        kit = Kit.objects.filter(slug="mco-debutant").first()
        if None in (establishment, rssi, kit) or Exercise.objects.filter(title=TITLE).exists():
            self.stdout.write("RETEX de démonstration : rien à faire.")
            return
        with acting_as(rssi, "commande seed_demo_retex"):
            exercise = self._play(establishment, rssi, kit)
            retex = workflow.do_open(rssi, exercise)
            ids = [c["id"] for c in exercise.kit_version.grid.criteria(kit.level)]
            values = dict(retex.consolidated)
            values.update({ids[1]: "1", ids[4]: "0"})
            workflow.do_save_consolidation(rssi, retex, values, {
                ids[1]: "Activation décidée après 45 minutes, une fois la note de rançon découverte."})
            workflow.do_save_texts(
                rssi, retex, context=retex.context,
                strengths="Main courante ouverte dès le premier appel\nPorte-parole désigné rapidement",
                improvements="Chaîne d'alerte à formaliser (annuaire de crise introuvable)\n"
                             "Déclaration au CERT Santé oubliée jusqu'à la relance de l'ARS")
            workflow.do_generate_recommendations(rssi, retex)
            actions = workflow.do_validate(rssi, retex).created
            if actions:
                plan.do_update_action(rssi, actions[0], owner="Directrice générale adjointe",
                                      due_date=timezone.localdate() - dt.timedelta(days=20), status="doing")
            if len(actions) > 1:
                plan.do_update_action(rssi, actions[1], status="done", owner="RSSI",
                                      evidence="Annuaire de crise imprimé et placé en salle de crise (mars 2026).")
        self.stdout.write(f"RETEX de démonstration validé : {len(actions)} action(s) au plan d'amélioration.")

    def _user(self, email: str) -> User:
        return User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=PASSWORD)

    def _member(self, rssi, exercise, email, name, role, cell_role=""):
        member, _ = preparation.do_add_member(rssi, exercise, email=email, full_name=name, role=role,
                                              cell_role=cell_role)
        user = self._user(email)
        preparation.do_accept_invitation(member, user)
        return user

    def _play(self, establishment, rssi, kit) -> Exercise:
        start = (timezone.localtime() - dt.timedelta(days=365)).replace(hour=9, minute=30, second=0, microsecond=0)
        exercise = preparation.do_create_exercise(rssi, establishment, kit, contexts=[], scheduled_start=start,
                                                  place="Salle du conseil", title=TITLE)
        director = self._member(rssi, exercise, "directeur.chu-nantes@care.demo", "Anne Durand", MemberRole.PLAYER,
                                "direction")
        observers = [self._member(rssi, exercise, f"observateur{i}@chu-nantes.example", name, MemberRole.OBSERVER)
                     for i, name in enumerate(("Léa Martin", "Hugo Bernard"))]
        exercise = Exercise.objects.get(pk=exercise.pk)
        control.do_start(rssi, exercise, speed=1.0)
        deliveries = list(Delivery.objects.filter(exercise=exercise, manual=False).order_by("due_offset")[:12])
        for delivery in deliveries:
            control.do_trigger(rssi, exercise, delivery.pk)
        mine = [d for d in deliveries if "direction" in d.recipients or "cellule" in d.recipients]
        for delivery in mine[:6]:
            cell.do_receipt(director, exercise, delivery.pk, acknowledge=True)
        if mine:
            cell.do_reply(director, exercise, delivery_id=mine[0].pk,
                          body="Merci, je préviens la DSI et je convoque la cellule de crise.")
        for kind, text, owner, why in (
                ("entry", "Appel de la cadre des urgences : DPI inaccessible depuis 6 h 15", "", ""),
                ("decision", "Activation de la cellule de crise en salle du conseil", "Directrice", "Note de rançon"),
                ("action", "Isolement d'Internet et des accès distants", "DSI", ""),
                ("decision", "Bascule des urgences en mode dégradé (procédures papier)", "Chef des urgences", ""),
                ("action", "Signalement au CERT Santé sur le portail de signalement", "RSSI", ""),
                ("entry", "Point de situation avec les chefs de pôle", "", "")):
            cell.do_log(director, exercise, kind=kind, text=text, owner=owner, rationale=why)
        for o, observer in enumerate(observers):
            for index, criterion in enumerate(c["id"] for c in exercise.kit_version.grid.criteria(kit.level)):
                cell.do_rate(observer, exercise, criterion, ("2", "3", "1", "2")[(index + o) % 4])
        control.do_stop(rssi, exercise)
        exercise = Exercise.objects.get(pk=exercise.pk)
        debrief.do_answer(director, exercise, {"Q-BIEN": "Tout le monde a joué le jeu, la main courante a servi.",
                                               "Q-DIFFICILE": "Retrouver les numéros de l'ARS et du CERT Santé.",
                                               "Q-CHANGER": "Un annuaire de crise imprimé en salle de crise.",
                                               "Q-REALISME": "4"})
        return exercise
