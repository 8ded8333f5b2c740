"""Live delivery under load, against the production set-up: PostgreSQL, Redis, separate ASGI worker processes and
scheduler processes. N players (WebSocket clients, in several client processes) take part in M simultaneous
exercises whose chronogrammes are compressed (one stimulus every --spacing seconds). Measures delivery lateness
(time received by the player − time due), messages lost, and the CPU and memory of the server processes.

    python bench/live.py --players 500 --exercises 25
    python bench/live.py --players 500 --exercises 25 --kill-after-claim 40 --kill-scheduler-at 12
        (the scheduler dies between its 40th claim and its publication; a relief scheduler starts 12 s in and
        publishes what was claimed but never published: still lost=0)
Ends with one line: players=N exercises=M p50_ms=… p95_ms=… p99_ms=… max_ms=… lost=…
"""

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/care_bench_live")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(players: int, exercises: int, spacing: float) -> list[tuple[int, str, str, int]]:
    """The exercises, players and sessions; returns (exercise id, cell role, session key, expected stimuli)."""
    import django

    django.setup()
    import io

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from exercises.models import Exercise, ExerciseStimulus, Member, MemberRole
    from exercises.services import preparation
    from kits.models import Kit
    from organisations.models import Establishment

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("seed_demo", "--without-kits", stdout=io.StringIO())
    call_command("load_kits", stdout=io.StringIO())
    call_command("load_retex", stdout=io.StringIO())
    national = User.objects.get(email="equipe.nationale@care.demo")
    kit = Kit.objects.get(slug="mco-debutant")
    places = list(Establishment.objects.filter(sector="sanitaire").order_by("pk")[:exercises])
    created = []
    for establishment in places:
        exercise = preparation.do_create_exercise(national, establishment, kit, contexts=[],
                                                  scheduled_start=timezone.now(), place="Salle de crise")
        rows = list(exercise.stimuli.order_by("offset_seconds", "order"))
        for index, stimulus in enumerate(rows):
            stimulus.offset_seconds = int(2 + index * spacing)
            stimulus.contingency = False
        ExerciseStimulus.objects.bulk_update(rows, ["offset_seconds", "contingency"])
        created.append(Exercise.objects.get(pk=exercise.pk))
    roles = [r["id"] for r in kit.current.cell_roles]
    hasher_user = User(email="x@x")
    hasher_user.set_password("Mot-de-passe-bench-2026")
    users = User.objects.bulk_create([
        User(email=f"joueur{i}@bench.example", username=f"joueur{i}@bench.example", password=hasher_user.password)
        for i in range(players)])  # benchmark fixture: bulk, without per-row audit
    members, sessions, plan = [], [], []
    for i, user in enumerate(users):
        exercise = created[i % exercises]
        role = roles[(i // exercises) % len(roles)]
        members.append(Member(exercise=exercise, user=user, email=user.email, full_name=user.email,
                              role=MemberRole.PLAYER, cell_role=role, accepted_at=timezone.now()))
        store = SessionStore()
        key = store._get_new_session_key()
        data = store.encode({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                             BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
        sessions.append(Session(session_key=key, session_data=data,
                                expire_date=timezone.now() + dt.timedelta(days=1)))
        expected = sum(1 for s in exercise.stimuli.all() if role in s.recipients or "cellule" in s.recipients)
        plan.append((exercise.pk, role, key, expected))
    Member.objects.bulk_create(members)
    Session.objects.bulk_create(sessions)
    return plan


def client_process(ports: list[int], assignments, ready, results, deadline_s: float) -> None:
    from live.cluster import connect, decode

    fanout: list[float] = []

    handshakes = asyncio.Semaphore(40)  # players join over a few seconds, as browsers do, not in one burst

    async def one(index, exercise_id, key, expected, latencies, counts):
        port = ports[index % len(ports)]
        socket = None
        for attempt in range(10):
            try:
                async with handshakes:
                    socket = await connect(port, exercise_id, key)
                    await socket.recv()  # snapshot
                break
            except Exception:  # noqa: BLE001 - a refused connection under load: retry
                await asyncio.sleep(0.5 * (attempt + 1))
        if socket is None:
            counts["failed"] += 1
            return
        counts["connected"] += 1
        seen: set[int] = set()
        try:
            started = False
            while len(seen) < expected:
                # before the exercise starts (its clock event), players wait as long as the others take to join
                message = await asyncio.wait_for(socket.recv(), timeout=deadline_s if started else 1800)
                now_ms = time.time() * 1000
                event = decode(message)
                started = started or event.get("type") in ("clock", "stimulus")
                if event.get("type") == "stimulus" and event["id"] not in seen:
                    seen.add(event["id"])
                    # players are not told the due time (the animation team's share): it is read from the
                    # database at the end, by id
                    latencies.append((event["id"], now_ms))
                    fanout.append(now_ms - event["sent_ms"])
                elif event.get("type") == "stimulus":
                    counts["duplicates"] += 1
        except TimeoutError:
            pass  # what is missing counts as lost
        except Exception as exc:  # noqa: BLE001 - reported, counted as lost
            counts.setdefault("errors", set()).add(repr(exc)[:200])
        counts["lost"] += expected - len(seen)
        await socket.close()

    async def main():
        latencies: list[tuple[int, float]] = []  # (delivery id, received at)
        counts = {"connected": 0, "failed": 0, "lost": 0, "duplicates": 0}
        tasks = []
        for index, (exercise_id, _role, key, expected) in assignments:
            tasks.append(asyncio.create_task(one(index, exercise_id, key, expected, latencies, counts)))
            if len(tasks) % 50 == 0:
                await asyncio.sleep(0.05)  # ramp up
        while counts["connected"] + counts["failed"] < len(assignments):
            await asyncio.sleep(0.1)
        ready.set()
        await asyncio.gather(*tasks)
        results.put((latencies, counts, fanout))

    try:
        import uvloop  # the measuring clients should cost as little as possible

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--players", type=int, default=500)
    parser.add_argument("--exercises", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2, help="processus ASGI (uvicorn)")
    parser.add_argument("--schedulers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=2, help="processus clients WebSocket")
    parser.add_argument("--spacing", type=float, default=1.0, help="secondes d'exercice entre deux stimuli")
    parser.add_argument("--kill-scheduler-at", type=float, default=0.0,
                        help="tue (SIGKILL) chaque planificateur N s après le lancement et en relance un ; avec "
                             "--kill-after-claim, il meurt de lui-même entre réservation et diffusion")
    parser.add_argument("--kill-after-claim", type=int, default=0,
                        help="les planificateurs meurent juste après leur n-ième réservation, avant de diffuser "
                             "(CARE_TEST_EXIT_AFTER_CLAIM) ; un planificateur de relève démarre --kill-scheduler-at s "
                             "après le lancement")
    args = parser.parse_args()
    _ensure_database(os.environ["DATABASE_URL"])
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # no channels left over from an earlier run
    started = time.monotonic()
    plan = setup(args.players, args.exercises, args.spacing)
    print(f"mise en place : {time.monotonic() - started:.0f} s ({len(plan)} joueurs)", flush=True)

    from django.db import connection

    from live.cluster import Cluster
    cluster = Cluster(os.environ["DATABASE_URL"], os.environ["REDIS_URL"])
    connection.close()
    try:
        ports = [cluster.start_web(f"bench-web-{i}") for i in range(args.workers)]
        doomed = {"CARE_TEST_EXIT_AFTER_CLAIM": str(args.kill_after_claim)} if args.kill_after_claim else None
        for i in range(args.schedulers):
            cluster.start_scheduler(f"bench-scheduler-{i}", env=doomed)
        run_seconds = 2 + 41 * args.spacing
        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        readies, procs = [], []
        indexed = list(enumerate(plan))
        for c in range(args.clients):
            ready = ctx.Event()
            proc = ctx.Process(target=client_process, args=(ports, indexed[c::args.clients], ready, results,
                                                            run_seconds + 60))
            proc.start()
            readies.append(ready)
            procs.append(proc)
        connecting = time.monotonic()
        for ready in readies:
            ready.wait(timeout=600)
        took = time.monotonic() - connecting
        print(f"connexions : {len(plan)} en {took:.0f} s ({len(plan) / took:.0f}/s, poignée de main et rattrapage "
              f"compris)", flush=True)
        cpu_before = {pid: cpu_seconds(pid) for pid in cluster.pids()}
        t0 = time.monotonic()
        from accounts.models import User
        from exercises.models import Exercise
        from live.services import control

        national = User.objects.get(email="equipe.nationale@care.demo")
        for exercise in Exercise.objects.all():
            control.do_start(national, exercise, speed=1.0)
        if args.kill_scheduler_at or args.kill_after_claim:
            import threading

            def replace_schedulers() -> None:
                for i in range(args.schedulers):
                    if cluster.processes[f"bench-scheduler-{i}"].poll() is None:
                        cluster.kill(f"bench-scheduler-{i}")
                    else:  # died of itself (--kill-after-claim)
                        cluster.processes.pop(f"bench-scheduler-{i}")
                cluster.start_scheduler("bench-scheduler-relief")
                print(f"planificateurs remplacés à {time.monotonic() - t0:.1f} s", flush=True)

            threading.Timer(args.kill_scheduler_at or 5.0, replace_schedulers).start()
        received: list[tuple[int, float]] = []
        fanout: list[float] = []
        totals = {"connected": 0, "failed": 0, "lost": 0, "duplicates": 0}
        for _ in procs:
            part, counts, part_fanout = results.get(timeout=run_seconds + 600)
            if counts.get("errors"):
                print("erreurs côté client :", counts["errors"], flush=True)
            received += part
            fanout += part_fanout
            for key in totals:
                totals[key] += counts[key]
        elapsed = time.monotonic() - t0
        from live.models import Delivery

        due_ms = {pk: due.timestamp() * 1000 for pk, due in Delivery.objects.filter(
            pk__in={pk for pk, _ in received}, due_at__isnull=False).values_list("pk", "due_at")}
        latencies = [at - due_ms[pk] for pk, at in received if pk in due_ms]
        cpu = sum(cpu_seconds(pid) - cpu_before[pid] for pid in cpu_before if Path(f"/proc/{pid}").exists())
        memory = sum(rss_mb(pid) for pid in cluster.pids())
        for proc in procs:
            proc.join(timeout=30)
    finally:
        cluster.stop()
    print(f"messages reçus={len(latencies)} connectés={totals['connected']} échecs={totals['failed']} "
          f"doublons={totals['duplicates']} durée={elapsed:.0f}s", flush=True)
    print(f"processus serveur ({args.workers} web + {args.schedulers} planificateur) : CPU {cpu:.1f} s sur "
          f"{elapsed:.0f} s ({100 * cpu / elapsed:.0f} % d'un cœur), mémoire {memory:.0f} Mo")
    print(f"dont diffusion (envoi planificateur → réception joueur) : p50 {percentile(fanout, 50):.0f} ms, "
          f"p99 {percentile(fanout, 99):.0f} ms")
    print(f"players={args.players} exercises={args.exercises} p50_ms={percentile(latencies, 50):.0f} "
          f"p95_ms={percentile(latencies, 95):.0f} p99_ms={percentile(latencies, 99):.0f} "
          f"max_ms={max(latencies) if latencies else float('nan'):.0f} lost={totals['lost'] + totals['failed']}")


if __name__ == "__main__":
    main()
