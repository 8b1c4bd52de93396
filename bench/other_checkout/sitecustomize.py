"""Put on PYTHONPATH by the benchmarks when BENCH_CODE names another checkout (stats_bench.py):
takes the editable install's finder out of the import system, so that only that checkout's own
modules are imported (the finder would answer for a module it lacks with this checkout's)."""

import sys

sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
