"""The business impact analysis of a PCRA project: read as a graph, started from an example, edited process by
process and resource by resource. Every write checks the ability and goes through a `do_*` function."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import access
from continuity.models import (
    DIMENSIONS,
    HORIZONS,
    BiaStatus,
    Contact,
    Process,
    ProcessCategory,
    Project,
    ProjectScope,
    Resource,
    ResourceKind,
)
from continuity.services import content
from continuity.services.coverage import Coverage, coverage_of
from continuity.services.graph import Gap, ProcessNode, RecoveryPlan, ResourceNode, find_gaps, recovery_plan
from core.audit import record


class Invalid(Exception):
    """Rejected input: `errors` maps each field to its message; nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def require_editor(user, project_or_establishment) -> None:
    establishment = getattr(project_or_establishment, "establishment", project_or_establishment)
    if not access.can_edit_continuity(user, establishment):
        raise PermissionDenied


# --- reading ------------------------------------------------------------------------------------

@dataclass
class Analysis:
    project: Project
    resources: list[Resource]
    processes: list[Process]
    nodes: dict[str, ResourceNode]
    process_nodes: list[ProcessNode]
    plan: RecoveryPlan
    gaps: list[Gap]
    coverage: Coverage
    names: dict[str, str] = field(default_factory=dict)

    def gaps_of(self, process_code: str) -> list[Gap]:
        return [g for g in self.gaps if g.process == process_code]

    @property
    def processes_with_gaps(self) -> int:
        return len({g.process for g in self.gaps})


def analyse(project: Project) -> Analysis:
    """The whole BIA in four queries, then the graph computations on plain data."""
    resources = list(project.resources.all())
    processes = list(project.processes.all())
    resource_codes = {r.pk: r.code for r in resources}
    resource_deps: dict[int, list[str]] = {r.pk: [] for r in resources}
    for source, target in Resource.depends_on.through.objects.filter(
            from_resource__project=project).values_list("from_resource_id", "to_resource_id"):
        resource_deps[source].append(resource_codes[target])
    process_deps: dict[int, list[str]] = {p.pk: [] for p in processes}
    for process_id, resource_id in Process.depends_on.through.objects.filter(
            process__project=project).values_list("process_id", "resource_id"):
        process_deps[process_id].append(resource_codes[resource_id])
    for r in resources:
        r.dependency_codes = sorted(resource_deps[r.pk])
    for p in processes:
        p.dependency_codes = sorted(process_deps[p.pk])
    nodes = {r.code: ResourceNode(r.code, r.name, r.restore_hours, r.backup_every_hours,
                                  tuple(resource_deps[r.pk]), r.kind) for r in resources}
    process_nodes = [ProcessNode(p.code, p.name, p.criticality, p.dmia_hours, p.pdma_hours,
                                 tuple(process_deps[p.pk])) for p in processes]
    plan = recovery_plan(nodes, process_nodes)
    names = {r.code: r.name for r in resources} | {p.code: p.name for p in processes}
    return Analysis(project, resources, processes, nodes, process_nodes, plan, find_gaps(nodes, process_nodes, plan),
                    coverage_of(processes, project.coverage_target), names)


# --- creating a project -------------------------------------------------------------------------

@transaction.atomic
def do_create_project(user, establishment, *, title: str, scope_kind: str = ProjectScope.ESTABLISHMENT,
                      example: str = "") -> Project:
    require_editor(user, establishment)
    title = (title or "").strip()[:200]
    errors = {}
    if not title:
        errors["title"] = "Intitulé obligatoire."
    if scope_kind not in ProjectScope.values:
        errors["scope_kind"] = "Périmètre inconnu."
    if scope_kind == ProjectScope.GHT and establishment.ght_id is None:
        errors["scope_kind"] = "Cet établissement n'est rattaché à aucun GHT."
    known = dict(content.examples())
    if example and example not in known:
        errors["example"] = "Exemple inconnu."
    if errors:
        raise Invalid(errors)
    template = content.current("trame")["defaults"]
    project = Project.objects.create(
        establishment=establishment, scope_kind=scope_kind, title=title, example=example,
        alert_procedure=template["alert_procedure"].strip(),
        activation_criteria=template["activation_criteria"].strip(),
        activation_authority=template["activation_authority"].strip(),
        scenario="Indisponibilité totale du système d'information pendant au moins une semaine, sans préavis, "
                 "à la suite d'un rançongiciel.")
    Contact.objects.bulk_create([Contact(project=project, function=f, order=i)
                                 for i, f in enumerate(template["contacts"])])
    if example:
        _copy_example(project, content.current("exemple", example))
    return project


def _copy_example(project: Project, data: dict) -> None:
    """The example's resources, processes and dependencies, in a handful of bulk inserts (one audit entry)."""
    resources = Resource.objects.bulk_create([
        Resource(project=project, code=r["id"], name=r["name"], kind=r["kind"], restore_hours=r["restore_hours"],
                 backup_every_hours=r.get("backup_every_hours"), notes=(r.get("notes") or "").strip())
        for r in data["resources"]])
    by_code = {r.code: r for r in Resource.objects.filter(project=project)}
    Through = Resource.depends_on.through
    Through.objects.bulk_create([Through(from_resource_id=by_code[r["id"]].pk, to_resource_id=by_code[d].pk)
                                 for r in data["resources"] for d in r["depends_on"]])
    Process.objects.bulk_create([
        Process(project=project, code=p["id"], name=p["name"], category=p["category"], owner_role=p["owner_role"],
                criticality=p["criticality"], activity_share=p["activity_share"], impacts=p["impacts"],
                dmia_hours=p["dmia_hours"], pdma_hours=p["pdma_hours"],
                degraded_who=_text(p["degraded_mode"]["who"]), degraded_when=_text(p["degraded_mode"]["when"]),
                degraded_what=_text(p["degraded_mode"]["what"]), degraded_where=_text(p["degraded_mode"]["where"]),
                degraded_how=_text(p["degraded_mode"]["how"]), degraded_return=_text(p["degraded_mode"]["return"]),
                bia_status=BiaStatus.IN_PROGRESS)
        for p in data["processes"]])
    processes = {p.code: p for p in Process.objects.filter(project=project)}
    PThrough = Process.depends_on.through
    PThrough.objects.bulk_create([PThrough(process_id=processes[p["id"]].pk, resource_id=by_code[d].pk)
                                  for p in data["processes"] for d in p["depends_on"]])
    record("create", model_label="continuity.Project", object_pk=project.pk, object_repr=str(project),
           changes={"exemple": [None, data["id"]], "ressources": [None, len(resources)],
                    "processus": [None, len(processes)]})


def _text(value) -> str:
    if isinstance(value, list):
        return "\n".join(f"- {v}" for v in value)
    return (value or "").strip()


# --- editing -----------------------------------------------------------------------------------

def _number(data: dict, name: str, errors: dict, *, required: bool = True, maximum: float | None = None):
    raw = str(data.get(name, "") or "").strip().replace(",", ".")
    if not raw:
        if required:
            errors[name] = "Valeur obligatoire."
        return None
    try:
        value = float(raw)
    except ValueError:
        errors[name] = "Nombre attendu (heures, décimales avec une virgule ou un point)."
        return None
    if value < 0 or (maximum is not None and value > maximum):
        errors[name] = f"Valeur entre 0 et {maximum:g}." if maximum is not None else "Valeur positive attendue."
        return None
    return value


def _code(data: dict, errors: dict, taken: set[str]) -> str:
    from django.utils.text import slugify

    code = slugify(str(data.get("code") or data.get("name") or ""))[:60]
    if not code:
        errors["code"] = "Identifiant obligatoire."
    elif code in taken:
        errors["code"] = f"L'identifiant « {code} » est déjà utilisé dans ce projet."
    return code


def _codes_taken(project: Project, exclude: Process | Resource | None) -> set[str]:
    taken = set(project.resources.values_list("code", flat=True))
    taken |= set(project.processes.values_list("code", flat=True))
    if exclude is not None:
        taken.discard(exclude.code)
    return taken


@transaction.atomic
def do_save_resource(user, project: Project, resource: Resource | None, data: dict) -> Resource:
    require_editor(user, project)
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()[:200]
    if not name:
        errors["name"] = "Libellé obligatoire."
    code = resource.code if resource else _code(data, errors, _codes_taken(project, None))
    kind = data.get("kind")
    if kind not in ResourceKind.values:
        errors["kind"] = "Nature inconnue."
    restore = _number(data, "restore_hours", errors, maximum=24 * 365)
    backup = _number(data, "backup_every_hours", errors, required=False, maximum=24 * 365)
    if kind == ResourceKind.APPLICATION and backup is None and "backup_every_hours" not in errors:
        errors["backup_every_hours"] = ("Indiquez l'intervalle entre deux sauvegardes exploitables après un "
                                        "rançongiciel (une application porte des données).")
    own = {r.pk: r for r in project.resources.all()}
    wanted = [int(x) for x in data.get("depends_on", []) if str(x).isdigit()]
    if any(pk not in own for pk in wanted):
        errors["depends_on"] = "Dépendance inconnue."
    if resource is not None and resource.pk in wanted:
        errors["depends_on"] = "Une ressource ne peut pas dépendre d'elle-même."
    if errors:
        raise Invalid(errors)
    resource = resource or Resource(project=project, code=code)
    resource.name, resource.kind, resource.restore_hours = name, kind, restore
    resource.backup_every_hours, resource.notes = backup, (data.get("notes") or "").strip()
    resource.save()
    _set_dependencies(resource, "depends_on", [own[pk] for pk in wanted])
    return resource


def _set_dependencies(obj, attr: str, targets: list) -> None:
    manager = getattr(obj, attr)
    before = sorted(manager.values_list("code", flat=True))
    after = sorted(t.code for t in targets)
    if before != after:
        manager.set(targets)
        record("update", model_label=obj._meta.label, object_pk=obj.pk, object_repr=str(obj),
               changes={"dépendances": [before, after]})


def parse_impacts(data: dict, errors: dict) -> dict:
    impacts: dict[str, dict[str, int]] = {}
    for horizon in HORIZONS:
        impacts[horizon] = {}
        for dimension in DIMENSIONS:
            raw = str(data.get(f"impact-{horizon}-{dimension}", "0") or "0")
            if raw not in {"0", "1", "2", "3", "4"}:
                errors[f"impact-{horizon}-{dimension}"] = "Niveau de 0 à 4."
                raw = "0"
            impacts[horizon][dimension] = int(raw)
    for dimension in DIMENSIONS:
        levels = [impacts[h][dimension] for h in HORIZONS]
        if levels != sorted(levels):
            errors["impacts"] = ("Un impact ne diminue pas avec le temps : vérifiez la ligne « "
                                 f"{dimension.replace('_', ' ')} ».")
    return impacts


PROCESS_TEXTS = ("owner_role", "degraded_who", "degraded_when", "degraded_what", "degraded_where", "degraded_how",
                 "degraded_return")


@transaction.atomic
def do_save_process(user, project: Project, process: Process | None, data: dict) -> Process:
    require_editor(user, project)
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()[:200]
    if not name:
        errors["name"] = "Libellé obligatoire."
    code = process.code if process else _code(data, errors, _codes_taken(project, None))
    category = data.get("category")
    if category not in ProcessCategory.values:
        errors["category"] = "Catégorie inconnue."
    criticality = str(data.get("criticality", ""))
    if criticality not in {"1", "2", "3", "4"}:
        errors["criticality"] = "Criticité de 1 (faible) à 4 (vitale)."
    share = _number(data, "activity_share", errors, maximum=100)
    dmia = _number(data, "dmia_hours", errors, maximum=24 * 365)
    pdma = _number(data, "pdma_hours", errors, maximum=24 * 365)
    status = data.get("bia_status") or BiaStatus.TODO
    if status not in BiaStatus.values:
        errors["bia_status"] = "État inconnu."
    tested_on = None
    if data.get("tested_on"):
        import datetime as dt
        try:
            tested_on = dt.date.fromisoformat(str(data["tested_on"]))
        except ValueError:
            errors["tested_on"] = "Date attendue (AAAA-MM-JJ)."
    impacts = parse_impacts(data, errors)
    own = {r.pk: r for r in project.resources.all()}
    wanted = [int(x) for x in data.get("depends_on", []) if str(x).isdigit()]
    if any(pk not in own for pk in wanted):
        errors["depends_on"] = "Ressource inconnue."
    if status == BiaStatus.VALIDATED and not wanted:
        errors["depends_on"] = "Un BIA validé indique au moins une ressource nécessaire au processus."
    if status == BiaStatus.VALIDATED and not (data.get("degraded_what") or "").strip():
        errors["degraded_what"] = "Un BIA validé décrit le mode dégradé (quoi)."
    if errors:
        raise Invalid(errors)
    process = process or Process(project=project, code=code)
    process.name, process.category, process.criticality = name, category, int(criticality)
    process.activity_share, process.dmia_hours, process.pdma_hours = share, dmia, pdma
    process.impacts, process.bia_status, process.tested_on = impacts, status, tested_on
    for attr in PROCESS_TEXTS:
        setattr(process, attr, (data.get(attr) or "").strip())
    process.save()
    _set_dependencies(process, "depends_on", [own[pk] for pk in wanted])
    return process


@transaction.atomic
def do_delete(user, obj: Process | Resource | Contact) -> None:
    require_editor(user, obj.project)
    obj.delete()


@transaction.atomic
def do_save_contact(user, project: Project, contact: Contact | None, data: dict) -> Contact:
    require_editor(user, project)
    function = (data.get("function") or "").strip()[:200]
    if not function:
        raise Invalid({"function": "Fonction obligatoire."})
    contact = contact or Contact(project=project, order=project.contacts.count())
    contact.function = function
    for attr, size in (("name", 200), ("phone", 40), ("backup_phone", 40), ("email", 200)):
        setattr(contact, attr, (data.get(attr) or "").strip()[:size])
    contact.save()
    return contact


FRAMING_FIELDS = ("title", "scope", "scenario", "sponsor", "medical_sponsor", "committee", "calendar", "lead_name",
                  "activity_convention", "alert_procedure", "activation_criteria", "activation_authority")


@transaction.atomic
def do_update_project(user, project: Project, data: dict) -> Project:
    require_editor(user, project)
    errors = {}
    for attr in FRAMING_FIELDS:
        if attr in data:
            value = (data.get(attr) or "").strip()
            limit = Project._meta.get_field(attr).max_length
            if limit and len(value) > limit:
                errors[attr] = f"{limit} caractères au plus."
            setattr(project, attr, value)
    if "title" in data and not project.title:
        errors["title"] = "Intitulé obligatoire."
    if errors:
        raise Invalid(errors)
    project.save()
    return project


@transaction.atomic
def do_tick(user, project: Project, step_id: str, index: int, checked: bool) -> Project:
    require_editor(user, project)
    steps = {s["id"]: s for s in content.current("parcours")["steps"]}
    if step_id not in steps or not 0 <= index < len(steps[step_id]["checklist"]):
        raise Invalid({"step": "Étape ou point de contrôle inconnu."})
    ticked = set(project.path_progress.get(step_id, []))
    ticked = ticked | {index} if checked else ticked - {index}
    project.path_progress = {**project.path_progress, step_id: sorted(ticked)}
    project.save()
    return project
