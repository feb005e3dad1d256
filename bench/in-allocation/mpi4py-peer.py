"""The peers of bench/in-allocation.ts: the same four measurements with mpi4py.futures, in the same run.

    mpiexec -n 4 python3 -m mpi4py.futures mpi4py-peer.py pool   # MPIPoolExecutor on the world's ranks 1..3
    mpiexec -n 4 python3 mpi4py-peer.py comm                     # MPICommExecutor(MPI.COMM_WORLD, root=0)

Rank 0 prints one line `RESULT {json}`.
"""
import json
import os
import statistics
import sys
import time


def noop():
    return 0


def nap():
    time.sleep(0.01)


def pid_after(ms):
    time.sleep(ms / 1000)
    return os.getpid()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(ex, workers, n_noop, n_round_trips):
    for f in [ex.submit(noop) for _ in range(200)]:
        f.result()
    trips = []
    for _ in range(n_round_trips):
        t = time.perf_counter()
        ex.submit(noop).result()
        trips.append((time.perf_counter() - t) * 1000)
    trips.sort()
    t = time.perf_counter()
    for f in [ex.submit(noop) for _ in range(n_noop)]:
        f.result()
    rate = n_noop / (time.perf_counter() - t)
    n_nap = 100 * workers
    t = time.perf_counter()
    for f in [ex.submit(nap) for _ in range(n_nap)]:
        f.result()
    efficiency = (n_nap * 0.01 / workers) / (time.perf_counter() - t)
    pids = set()
    while len(pids) < workers:
        pids |= {f.result() for f in [ex.submit(pid_after, 20) for _ in range(3 * workers)]}
    before = {p: cpu_seconds(p) for p in pids}
    idle_s = 3.0
    time.sleep(idle_s)
    idle = [(cpu_seconds(p) - before[p]) / idle_s * 100 for p in pids]
    # The same ceiling as workload.ts: sleeps back to back on this rank, no executor.
    t = time.perf_counter()
    for _ in range(200):
        nap()
    ceiling = 200 * 0.01 / (time.perf_counter() - t)
    return {
        "workers": workers,
        "roundTripMs": {
            "median": round(statistics.median(trips), 4),
            "p99": round(trips[int(0.99 * len(trips))], 4),
        },
        "noopTasksPerSecond": round(rate),
        "sleep10msEfficiency": round(efficiency, 4),
        "sleep10msCeiling": round(ceiling, 4),
        "idleRankCpuPercent": round(max(idle), 2),
    }


def main():
    from mpi4py import MPI

    mode, n_noop, n_round_trips = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    workers = MPI.COMM_WORLD.Get_size() - 1
    if mode == "pool":
        from mpi4py.futures import MPIPoolExecutor

        with MPIPoolExecutor() as ex:
            r = measure(ex, workers, n_noop, n_round_trips)
    else:
        from mpi4py.futures import MPICommExecutor

        with MPICommExecutor(MPI.COMM_WORLD, root=0) as ex:
            if ex is None:
                return
            r = measure(ex, workers, n_noop, n_round_trips)
    r["peer"] = f"mpi4py.futures {'MPIPoolExecutor' if mode == 'pool' else 'MPICommExecutor'}"
    print("RESULT " + json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
