"""The dependency graph on plain data: recovery order, cumulative times, cycles and gaps, with examples and
property-based tests over random graphs."""

from hypothesis import given, settings
from hypothesis import strategies as st

from continuity.services.graph import (
    ProcessNode,
    ResourceNode,
    find_cycles,
    find_gaps,
    recovery_plan,
    transitive_dependencies,
)


def res(code, hours, deps=(), backup=None, kind="infrastructure"):
    return ResourceNode(code, code.upper(), hours, backup, tuple(deps), kind)


def test_directory_before_the_patient_record_that_needs_it():
    resources = {r.code: r for r in [
        res("dpi", 48, ["ad", "serveurs"], backup=24, kind="application"),
        res("ad", 24, ["serveurs"], backup=24),
        res("serveurs", 12, ["reseau"]),
        res("reseau", 8),
        res("paie", 72, ["serveurs"], backup=168, kind="application"),
    ]}
    processes = [ProcessNode("urgences", "Urgences", 4, 4, 1, ("dpi",)),
                 ProcessNode("paie", "Paie", 2, 240, 24, ("paie",))]
    plan = recovery_plan(resources, processes)
    order = [s.code for s in plan.steps]
    assert order.index("reseau") < order.index("serveurs") < order.index("ad") < order.index("dpi")
    # at equal dependencies, the patient record's directory goes before the payroll application
    assert order.index("ad") < order.index("paie")
    ready = plan.ready_hours
    assert ready == {"reseau": 8, "serveurs": 20, "ad": 44, "dpi": 92, "paie": 92}
    assert plan.resumptions["urgences"].resume_hours == 92
    assert plan.resumptions["urgences"].bottleneck == "dpi"
    assert plan.resumptions["urgences"].degraded_hours == 88
    gaps = find_gaps(resources, processes, plan)
    dmia = {(g.process, g.resource) for g in gaps if g.kind == "dmia" and not g.cumulative}
    assert ("urgences", "dpi") in dmia and ("urgences", "ad") in dmia and ("urgences", "reseau") in dmia
    assert ("paie", "paie") not in dmia  # 72 h restore within a 240 h DMIA
    cumulative = [g for g in gaps if g.cumulative]
    assert [(g.process, g.capability_hours) for g in cumulative] == [("urgences", 92)]
    pdma = {(g.process, g.resource, g.capability_hours) for g in gaps if g.kind == "pdma"}
    assert pdma == {("urgences", "dpi", 24), ("paie", "paie", 168)}


def test_application_without_usable_backup_is_a_pdma_gap():
    resources = {"dossier": res("dossier", 2, backup=None, kind="application"), "tel": res("tel", 0)}
    gaps = find_gaps(resources, [ProcessNode("p", "P", 3, 48, 4, ("dossier", "tel"))])
    assert [(g.kind, g.resource, g.capability_hours) for g in gaps] == [("pdma", "dossier", None)]


def test_cycles_are_reported_and_their_resources_held_back():
    resources = {r.code: r for r in [res("a", 1, ["b"]), res("b", 1, ["c"]), res("c", 1, ["a"]), res("d", 1, ["c"]),
                                     res("e", 2), res("f", 1, ["f"])]}
    processes = [ProcessNode("p", "P", 4, 8, 8, ("d", "e")), ProcessNode("q", "Q", 2, 8, 8, ("e",))]
    plan = recovery_plan(resources, processes)
    assert plan.cycles == [["a", "b", "c"], ["f"]]
    assert plan.blocked == ["a", "b", "c", "d", "f"]
    assert [s.code for s in plan.steps] == ["e"]
    assert plan.resumptions["p"].resume_hours is None and plan.resumptions["q"].resume_hours == 2
    gaps = find_gaps(resources, [ProcessNode("p", "P", 4, 8, 8, ("d", "e"))], plan)
    assert any(g.cumulative and g.capability_hours is None for g in gaps)


def test_unknown_references_are_reported():
    plan = recovery_plan({"a": res("a", 1, ["x"])}, [ProcessNode("p", "P", 1, 1, 1, ("y",))])
    assert plan.unknown_references == [("a", "x"), ("p", "y")]
    assert [s.code for s in plan.steps] == ["a"]


# --- properties over random graphs ------------------------------------------------------------

@st.composite
def dags(draw, max_nodes=14):
    """A random DAG: node i may only depend on nodes of smaller index (then codes shuffled)."""
    n = draw(st.integers(1, max_nodes))
    codes = draw(st.permutations([f"r{i:02d}" for i in range(n)]))
    resources = {}
    for i, code in enumerate(codes):
        deps = draw(st.lists(st.sampled_from(codes[:i]), unique=True, max_size=3)) if i else []
        hours = draw(st.sampled_from([0, 1, 2, 4, 8, 12, 24, 48, 72]))
        backup = draw(st.none() | st.sampled_from([1, 4, 24, 168]))
        resources[code] = res(code, hours, deps, backup, draw(st.sampled_from(["application", "infrastructure"])))
    processes = [ProcessNode(f"p{j}", f"P{j}", draw(st.integers(1, 4)), draw(st.sampled_from([1, 4, 24, 72, 168])),
                             draw(st.sampled_from([0, 1, 4, 24])),
                             tuple(draw(st.lists(st.sampled_from(codes), unique=True, min_size=1, max_size=3))))
                 for j in range(draw(st.integers(0, 6)))]
    return resources, processes


@settings(max_examples=150, deadline=None)
@given(dags())
def test_order_respects_every_dependency_and_times_follow_the_critical_path(graph):
    resources, processes = graph
    plan = recovery_plan(resources, processes)
    assert plan.cycles == [] and plan.blocked == []
    order = [s.code for s in plan.steps]
    assert sorted(order) == sorted(resources)
    position = {code: i for i, code in enumerate(order)}
    ready = plan.ready_hours
    for code, resource in resources.items():
        for dep in resource.depends_on:
            assert position[dep] < position[code]
        start = max((ready[d] for d in resource.depends_on), default=0)
        assert ready[code] == start + resource.restore_hours
    for process in processes:
        assert plan.resumptions[process.code].resume_hours == max(ready[d] for d in process.depends_on)


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_a_back_edge_creates_a_cycle_that_is_reported(graph, data):
    resources, processes = graph
    with_deps = [c for c, r in resources.items() if r.depends_on]
    if not with_deps:
        return
    code = data.draw(st.sampled_from(with_deps))
    ancestor = data.draw(st.sampled_from(sorted(transitive_dependencies(resources[code].depends_on, resources))))
    broken = dict(resources)
    target = broken[ancestor]
    broken[ancestor] = ResourceNode(target.code, target.name, target.restore_hours, target.backup_every_hours,
                                    (*target.depends_on, code), target.kind)
    plan = recovery_plan(broken, processes)
    assert plan.cycles, "the back edge closes a cycle"
    in_cycles = {c for cycle in plan.cycles for c in cycle}
    assert {code, ancestor} <= in_cycles
    for cycle in plan.cycles:  # each reported cycle is a real closed walk
        for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
            assert b in broken[a].depends_on
    assert set(plan.blocked) >= in_cycles
    assert len(plan.steps) + len(plan.blocked) == len(broken)
    assert find_cycles({c: r.depends_on for c, r in resources.items()}) == []


@settings(max_examples=150, deadline=None)
@given(dags())
def test_gap_detection_matches_its_definition(graph):
    resources, processes = graph
    gaps = find_gaps(resources, processes)
    for process in processes:
        needed = transitive_dependencies(process.depends_on, resources)
        own = {g.resource for g in gaps if g.process == process.code and g.kind == "dmia" and not g.cumulative}
        assert own == {c for c in needed if resources[c].restore_hours > process.dmia_hours}
        pdma = {g.resource for g in gaps if g.process == process.code and g.kind == "pdma"}
        assert pdma == {c for c in process.depends_on
                        if (resources[c].backup_every_hours is None and resources[c].kind == "application")
                        or (resources[c].backup_every_hours is not None
                            and resources[c].backup_every_hours > process.pdma_hours)}
        # raising the DMIA above the longest cumulative time removes every DMIA gap of the process
        relaxed = ProcessNode(process.code, process.name, process.criticality, 10_000, process.pdma_hours,
                              process.depends_on)
        assert not [g for g in find_gaps(resources, [relaxed]) if g.kind == "dmia"]
