#!/usr/bin/env python3
"""Figures for `uoms jobs list` on many jobs.

    python3 tests/bench/jobs_bench.py build/uoms [JOBS]   # default 100,000 jobs

Creates a database with `uoms init` in a temporary folder and fills it straight through sqlite3
with JOBS collect jobs over 5 channels, 5 detail rows each (JOBS x 5 job_details), then prints:

- `jobs list --channel cp-main` (the newest 20 jobs that touched one channel): wall time, best
  of 3, whole process;
- `jobs list --json --limit 0` (every job as one JSON document): wall time, CPU and peak RSS,
  which stays flat when the list is streamed.

It prints figures and never fails on speed (exit 2 only when it cannot run).
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

CHANNELS = ["cp-main", "ss-main", "sh-sg", "q10", "pa"]
DETAILS_PER_JOB = 5


def fill(db_path, jobs):
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA foreign_keys=ON")
    batch = 10_000
    for base in range(0, jobs, batch):
        rows, details = [], []
        for n in range(base, min(jobs, base + batch)):
            t = f"2026-{1 + n // 300_000 % 12:02d}-01T00:00:00.000Z"
            rows.append((n + 1, "collect", "cron", "completed", t, t, 1200, 10, 10, 0, 0, 100,
                         '["--quiet"]', "0.1.0", "host-a", 4242))
            channel = CHANNELS[n % len(CHANNELS)]
            for d in range(DETAILS_PER_JOB):
                details.append((n + 1, channel, "order", f"ORD-{n:08d}-{d}", "created", t))
        db.executemany("INSERT INTO jobs (id, kind, trigger, status, started_at, finished_at, duration_ms, total, "
                       "succeeded, failed, skipped, progress_percent, arguments, version, host, pid) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO job_details (job_id, channel, subject_type, external_id, action, created_at) "
                       "VALUES (?,?,?,?,?,?)", details)
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


def timed(args):
    """Wall seconds, peak RSS (MiB), CPU seconds (user + sys) and stdout bytes of one run."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.monotonic() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {p.stderr.read().decode()}")
        size = out.tell()
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, size


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    uoms = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    work = tempfile.mkdtemp(prefix="uoms-jobs-bench-")
    try:
        subprocess.run([uoms, "init", "--dir", work], check=True, stdout=subprocess.DEVNULL)
        db_path = os.path.join(work, "uoms.db")
        config = os.path.join(work, "uoms.toml")
        t0 = time.monotonic()
        fill(db_path, count)
        print(f"{count:,} jobs and {count * DETAILS_PER_JOB:,} job details written in {time.monotonic() - t0:.1f} s "
              f"({os.path.getsize(db_path) >> 20} MiB)")
        base = [uoms, "--config", config, "--db", db_path]
        timed(base + ["jobs", "list"])  # applies any migration before timing
        by_channel = min(timed(base + ["jobs", "list", "--channel", "cp-main"])[0] for _ in range(3))
        print(f"jobs list --channel cp-main (newest 20): {by_channel * 1000:.0f} ms (best of 3, whole process)")
        elapsed, rss, cpu, size = timed(base + ["--json", "jobs", "list", "--limit", "0"])
        print(f"jobs list --json --limit 0 ({size >> 20} MiB of JSON): {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
              f"peak RSS {rss:.1f} MiB")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
