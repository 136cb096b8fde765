"""deltajson against its peers on the pattern LLM apps use: token-sized chunks, a value after
every chunk; plus one feed of the whole document (``make bench``).

    python benches/compare.py                 # everything: tables, benches/results/compare.json
    python benches/compare.py --sizes 1KB 10KB --quick --plot benches/results/compare.png

The measuring lives in ``harness.py`` (also behind ``deltajson bench``). This script adds the
incremental ``streaming-json-parser`` with its native add-on (live view) and without it (pure
Python). Those run in subprocesses from their own target folders under ``benches/.peers/``
(``make bench-peers``), because the native package replaces the pure backend when both share
a site-packages.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import deltajson
import harness as bench

HERE = Path(__file__).resolve().parent
PEERS_DIR = HERE / ".peers"
SUBPROCESS_PEERS = {
    "streaming-json-parser native (live view)": "sjp-native",
    "streaming-json-parser pure Python": "sjp-python",
}
PEER_LABEL = {folder: name for name, folder in SUBPROCESS_PEERS.items()}


def run_worker(
    folder: str, shape: str, size: str, repeats: int, budget: float
) -> Optional[dict[str, Any]]:
    """Measures streaming-json-parser from ``benches/.peers/<folder>`` in a subprocess."""
    path = PEERS_DIR / folder
    if not path.is_dir():
        return None
    env = dict(os.environ, PYTHONPATH=str(path))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", shape, size]
    cmd += [str(repeats), str(budget)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  ({folder} failed: {done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return dict(json.loads(done.stdout))


def worker_main(shape: str, size: str, repeats: int, budget: float) -> None:
    """Inside the subprocess: the stream run and one whole-document feed, as JSON."""
    text = bench.document(shape, size)
    chunks = [c.encode() for c in bench.token_chunks(text, bench.BENCH_SEED)]
    result = bench.measure_stream(bench.sjp_stream, chunks, repeats, budget)

    def whole(d: bytes) -> Any:
        from streaming_json_parser import StreamingJsonParser

        return StreamingJsonParser().feed(d).value

    result["whole"] = bench.measure_whole(whole, text.encode(), repeats)
    if shape == "list" and size == "100KB" and "rust" in deltajson.BACKENDS:
        # The live-view targets are ratios to this peer: measured in turn with deltajson's
        # runs here, in one process, so that machine drift hits both alike.
        rounds = max(9, 3 * repeats)
        runners = {
            "deltajson Rust snapshot()": bench.deltajson_stream("rust", True),
            "deltajson Rust snapshot(copy=False)": bench.deltajson_stream("rust", False),
            PEER_LABEL[os.path.basename(os.environ.get("PYTHONPATH", ""))]: bench.sjp_stream,
            bench.FLOOR: bench.floor_stream,
        }
        together: dict[str, float] = bench.measure_interleaved(runners, chunks, rounds)
        result["interleaved"] = {**together, "rounds": rounds}
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    bench.add_arguments(ap)
    ap.set_defaults(json=str(HERE / "results" / "compare.json"))
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker_main(args.worker[0], args.worker[1], int(args.worker[2]), float(args.worker[3]))
        return

    def subprocess_peers(shape: str, size: str, repeats: int) -> dict[str, dict[str, Any]]:
        rows = {}
        for name, folder in SUBPROCESS_PEERS.items():
            r = run_worker(folder, shape, size, repeats, args.budget)
            if r is not None:
                rows[name] = r
        return rows

    bench.main(args, extra_streams=subprocess_peers)


if __name__ == "__main__":
    main()
