#!/usr/bin/env python3
"""Whole-process wall time of several commands, run alternately (A B, then B A, ...) so that a machine whose speed
drifts slows them all alike; prints each command's median and first quartile.

Usage: bench/scripts/ab.py RUNS "CMD A" "CMD B" [...]
Example (before/after of two CLI builds; copy both executables the same way first, since the page cache of a file
the linker wrote makes it start slower than a copy, see docs/BENCHMARKS.md "Language", session 8):
    cp OLD/artifacts/river/River.Cli /tmp/bins/old; cp artifacts/river/River.Cli /tmp/bins/new
    bench/scripts/ab.py 40 "/tmp/bins/old validate big.alloy" "/tmp/bins/new validate big.alloy"
"""
import statistics
import subprocess
import sys
import time

if len(sys.argv) < 3:
    sys.exit(__doc__)
runs = int(sys.argv[1])
commands = sys.argv[2:]
times = [[] for _ in commands]
for i in range(runs):
    order = range(len(commands)) if i % 2 == 0 else reversed(range(len(commands)))
    for k in order:
        start = time.perf_counter()
        subprocess.run(commands[k].split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times[k].append(time.perf_counter() - start)
for command, samples in zip(commands, times):
    samples.sort()
    print(f"median {statistics.median(samples) * 1000:7.1f} ms  p25 {samples[len(samples) // 4] * 1000:7.1f} ms  {command}")
