"""Benchmark: the annual report of a year of 1,000,000 rated cases, as the worker builds it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipservice_bench_report \
        .venv/bin/python bench/report_bench.py [--year 2025] [--rated 1000000] [--other 100000]
                                               [--complaints 10000] [--runs 3] [--rebuild]

The data are loaded by bench/stats_bench.py's builder (COPY in batches; the database name must
contain "bench", it is created and migrated if needed, and reused on a second run): `rated`
completed cases each with its rating (1,000,000 of each by default), `other` cases in the other
states, the rectifications of the bad ratings and `complaints` complaints, all in `year`.

Then, `runs` times, a fresh child process that only builds the report runs the worker's task
(reviews.report_tasks.build_annual_report, synchronously, on a new AnnualReport row, the file
saved to a temporary MEDIA_ROOT) and reports its wall time, the time of the aggregates
(stats_overview) within it, and its peak memory (VmHWM of the child: Django, the queries'
results and the workbook; ru_maxrss is printed too, but on Linux it includes the memory of the
loading parent, carried over execve). Targets: under 20 s and under 300 MB. Not a test: the
figures go into the README.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipservice.settings")

TIME_TARGET, MEMORY_TARGET_MB = 20, 300


def child(year):
    """In the child: build one report as the worker does; print what it took, as JSON."""
    import django

    django.setup()
    from reviews import report as report_module
    from reviews.models import AnnualReport
    from reviews.report_tasks import build_annual_report

    aggregates = []
    overview = report_module.stats_overview

    def timed_overview(*args, **kwargs):
        started = time.perf_counter()
        result = overview(*args, **kwargs)
        aggregates.append(time.perf_counter() - started)
        return result

    # Measures the aggregates inside the real build, without changing what it does.
    report_module.stats_overview = timed_overview
    report = AnnualReport.objects.create(year=year)
    started = time.perf_counter()
    build_annual_report(report.pk)
    took = time.perf_counter() - started
    report.refresh_from_db()
    print(
        json.dumps(
            {
                "status": report.status,
                "error": report.error,
                "seconds": took,
                "aggregates": aggregates[0] if aggregates else None,
                "peak_mb": peak_memory_kb() / 1024,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "size_kb": report.file.size / 1024 if report.file else 0,
            }
        )
    )


def peak_memory_kb():
    """The child's own peak resident memory. Linux carries ru_maxrss over execve from the
    process that started it (here the loader, which held a million rows), so the kernel's
    high-water mark of this process image (VmHWM) is read where there is one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def run_child(year, media_root):
    env = {**os.environ, "DJANGO_MEDIA_ROOT": media_root, "DJANGO_LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)  # the task runs here, in-process
    output = subprocess.run(
        [sys.executable, __file__, "--child", "--year", str(year)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--rated", type=int, default=1_000_000)
    parser.add_argument("--other", type=int, default=100_000)
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.year)
        return

    from bench import stats_bench

    if stats_bench.CODE:  # the children would import this checkout's code
        raise SystemExit("BENCH_CODE is not supported by this benchmark.")
    stats_bench.ensure_database()
    stats_bench.setup_django()
    stats_bench.build(args)
    from reviews.stats import compute_stats

    totals = compute_stats(args.year)
    print(
        f"year {args.year}: {totals['cases_total']:,} cases, {totals['completed']:,} completed, "
        f"{totals['ratings']:,} counted ratings, {totals['complaints']:,} complaints"
    )
    results = []
    with tempfile.TemporaryDirectory() as media_root:
        for n in range(1, args.runs + 1):
            result = run_child(args.year, media_root)
            if result["status"] != "done":
                sys.exit(f"run {n}: the report failed: {result['error']}")
            results.append(result)
            print(
                f"run {n}: built in {result['seconds']:5.1f} s "
                f"(aggregates {result['aggregates']:4.1f} s), "
                f"peak memory {result['peak_mb']:5.0f} MB "
                f"(ru_maxrss {result['maxrss_mb']:.0f} MB), "
                f"file {result['size_kb']:.0f} kB"
            )
    slowest = max(r["seconds"] for r in results)
    highest = max(r["peak_mb"] for r in results)
    print(
        f"worst of {len(results)}: {slowest:.1f} s (target < {TIME_TARGET} s), "
        f"{highest:.0f} MB (target < {MEMORY_TARGET_MB} MB), on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
