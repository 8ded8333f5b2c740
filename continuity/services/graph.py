"""The dependency graph of a BIA, on plain data (no database): recovery order, cumulative recovery times,
cycles, and the gaps between what processes tolerate (DMIA, PDMA) and what their resources can deliver.

A resource is ready `restore_hours` after all its dependencies are ready (critical path, prudent assumption);
a process resumes when every resource it directly depends on is ready (which includes, through them, the
transitive dependencies). Resources caught in a cycle, or depending on one, have no computable time."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceNode:
    code: str
    name: str
    restore_hours: float
    backup_every_hours: float | None = None
    depends_on: tuple[str, ...] = ()
    kind: str = "application"


@dataclass(frozen=True)
class ProcessNode:
    code: str
    name: str
    criticality: int
    dmia_hours: float
    pdma_hours: float
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    rank: int
    code: str
    name: str
    start_hours: float  # when its dependencies are all ready
    ready_hours: float  # start + its own restore time
    serves: tuple[str, ...]  # processes depending on it, directly or transitively (most critical first)
    max_criticality: int
    min_dmia_hours: float | None


@dataclass(frozen=True)
class Gap:
    process: str
    kind: str  # "dmia" | "pdma"
    resource: str | None
    required_hours: float  # the process's DMIA or PDMA
    capability_hours: float | None  # what the resource delivers (None: unknown or blocked by a cycle)
    cumulative: bool = False  # DMIA compared with the cumulative time (with dependencies) rather than own time

    @property
    def excess_hours(self) -> float | None:
        if self.capability_hours is None:
            return None
        return self.capability_hours - self.required_hours


@dataclass(frozen=True)
class Resumption:
    process: str
    resume_hours: float | None  # None when a dependency is blocked by a cycle
    dmia_hours: float
    bottleneck: str | None  # the direct dependency that is ready last

    @property
    def degraded_hours(self) -> float | None:
        """How long the degraded mode must hold beyond the DMIA (0 when recovery fits)."""
        if self.resume_hours is None:
            return None
        return max(0.0, self.resume_hours - self.dmia_hours)


@dataclass
class RecoveryPlan:
    steps: list[Step] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # in a cycle or depending on one
    unknown_references: list[tuple[str, str]] = field(default_factory=list)  # (from, missing code)
    resumptions: dict[str, Resumption] = field(default_factory=dict)

    @property
    def ready_hours(self) -> dict[str, float]:
        return {s.code: s.ready_hours for s in self.steps}

    @property
    def horizon_hours(self) -> float:
        return max((s.ready_hours for s in self.steps), default=0.0)


def find_cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every dependency cycle, as the list of its nodes in dependency order starting from the smallest code
    (one cycle per strongly connected component; a self-dependency is a cycle of one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    nodes = sorted(edges)
    for root in nodes:
        if root in index:
            continue
        # iterative Tarjan: (node, iterator over successors)
        work = [(root, iter(sorted(d for d in edges[root] if d in edges)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(d for d in edges[succ] if d in edges))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in set(edges[node]):
                    components.append(component)
    return sorted((_cycle_path(set(c), edges) for c in components), key=lambda c: c[0])


def _cycle_path(component: set[str], edges: Mapping[str, Iterable[str]]) -> list[str]:
    """A closed walk through the component, from its smallest node back to it (shortest by BFS)."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(edges[node]):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return list(reversed(path))
                if succ in component and succ not in parents and succ != start:
                    parents[succ] = node
                    following.append(succ)
        frontier = following
    return sorted(component)  # unreachable for a strongly connected component


def _served(resources: Mapping[str, ResourceNode], processes: Sequence[ProcessNode]) -> dict[str, set[str]]:
    """Resource → processes that need it, directly or through other resources."""
    served: dict[str, set[str]] = {code: set() for code in resources}
    for process in processes:
        seen: set[str] = set()
        todo = [d for d in process.depends_on if d in resources]
        while todo:
            code = todo.pop()
            if code in seen:
                continue
            seen.add(code)
            served[code].add(process.code)
            todo.extend(d for d in resources[code].depends_on if d in resources and d not in seen)
    return served


def recovery_plan(resources: Mapping[str, ResourceNode], processes: Sequence[ProcessNode]) -> RecoveryPlan:
    """Topological order of the resources (each after all its dependencies), ties broken by the most critical
    process served, then the shortest DMIA served, then the code; cycles reported and their resources held back."""
    plan = RecoveryPlan()
    edges = {code: [d for d in r.depends_on if d in resources] for code, r in resources.items()}
    plan.unknown_references = sorted(
        [(code, d) for code, r in resources.items() for d in r.depends_on if d not in resources]
        + [(p.code, d) for p in processes for d in p.depends_on if d not in resources])
    plan.cycles = find_cycles(edges)
    by_code = {p.code: p for p in processes}
    served = _served(resources, processes)

    def priority(code: str) -> tuple:
        procs = [by_code[p] for p in served[code]]
        return (-max((p.criticality for p in procs), default=0),
                min((p.dmia_hours for p in procs), default=float("inf")), code)

    waiting = {code: len(set(deps)) for code, deps in edges.items()}
    dependants: dict[str, list[str]] = {code: [] for code in resources}
    for code, deps in edges.items():
        for dep in set(deps):
            dependants[dep].append(code)
    heap = [(priority(code), code) for code, count in waiting.items() if count == 0]
    heapq.heapify(heap)
    ready: dict[str, float] = {}
    while heap:
        _, code = heapq.heappop(heap)
        resource = resources[code]
        start = max((ready[d] for d in edges[code]), default=0.0)
        ready[code] = start + float(resource.restore_hours)
        procs = sorted((by_code[p] for p in served[code]), key=lambda p: (-p.criticality, p.dmia_hours, p.code))
        plan.steps.append(Step(
            rank=len(plan.steps) + 1, code=code, name=resource.name, start_hours=start, ready_hours=ready[code],
            serves=tuple(p.code for p in procs), max_criticality=max((p.criticality for p in procs), default=0),
            min_dmia_hours=min((p.dmia_hours for p in procs), default=None)))
        for dependant in dependants[code]:
            waiting[dependant] -= 1
            if waiting[dependant] == 0:
                heapq.heappush(heap, (priority(dependant), dependant))
    plan.blocked = sorted(code for code in resources if code not in ready)
    for process in processes:
        deps = [d for d in process.depends_on if d in resources]
        if any(d not in ready for d in deps):
            plan.resumptions[process.code] = Resumption(process.code, None, process.dmia_hours, None)
            continue
        bottleneck = max(deps, key=lambda d: (ready[d], d), default=None)
        resume = ready[bottleneck] if bottleneck else 0.0
        plan.resumptions[process.code] = Resumption(process.code, resume, process.dmia_hours, bottleneck)
    return plan


def transitive_dependencies(code_list: Iterable[str], resources: Mapping[str, ResourceNode]) -> set[str]:
    seen: set[str] = set()
    todo = [c for c in code_list if c in resources]
    while todo:
        code = todo.pop()
        if code not in seen:
            seen.add(code)
            todo.extend(d for d in resources[code].depends_on if d in resources)
    return seen


def find_gaps(resources: Mapping[str, ResourceNode], processes: Sequence[ProcessNode],
              plan: RecoveryPlan | None = None) -> list[Gap]:
    """DMIA gaps: a resource the process needs (directly or not) whose own restore time exceeds the DMIA, and the
    process whose cumulative resumption time exceeds it. PDMA gaps: a resource the process uses directly whose
    interval between usable backups exceeds the PDMA, or an application with no known usable backup."""
    plan = plan or recovery_plan(resources, processes)
    gaps: list[Gap] = []
    for process in processes:
        needed = transitive_dependencies(process.depends_on, resources)
        for code in sorted(needed):
            restore = float(resources[code].restore_hours)
            if restore > process.dmia_hours:
                gaps.append(Gap(process.code, "dmia", code, process.dmia_hours, restore))
        resumption = plan.resumptions.get(process.code)
        if resumption is not None:
            if resumption.resume_hours is None:
                gaps.append(Gap(process.code, "dmia", None, process.dmia_hours, None, cumulative=True))
            elif resumption.resume_hours > process.dmia_hours:
                gaps.append(Gap(process.code, "dmia", resumption.bottleneck, process.dmia_hours,
                                resumption.resume_hours, cumulative=True))
        for code in sorted(set(process.depends_on)):
            resource = resources.get(code)
            if resource is None:
                continue
            if resource.backup_every_hours is None:
                if resource.kind == "application":
                    gaps.append(Gap(process.code, "pdma", code, process.pdma_hours, None))
            elif float(resource.backup_every_hours) > process.pdma_hours:
                gaps.append(Gap(process.code, "pdma", code, process.pdma_hours, float(resource.backup_every_hours)))
    return gaps
