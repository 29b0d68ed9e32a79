"""Entry point of a training worker process: ``python -m pwlkit.train.worker_main PARENT_PID``.

Started by `pwlkit.train.workers.run_in_processes`; reads its tasks from stdin and writes the
results to stdout (both pickled).
"""

from __future__ import annotations

import sys

from pwlkit.train.workers import serve

if __name__ == "__main__":
    serve(int(sys.argv[1]))
