"""Artifacts benchmark: a large artifact (1 GiB by default) logged online and downloaded again, in bounded memory,
with identical files stored once.

Usage::

    python bench/bench_artifacts.py [--mib N] [--files N] [--json out.json] [--quick]

``wandb-jupyter server`` runs in its own process. The artifact is a folder of ``--files`` random files
(``--mib`` MiB in all, generated here) plus two copies of its first file under other names. One fresh
interpreter logs it with our client (``log_artifact`` + ``wait()``: hashed, copied into the local store,
uploaded); another, with an empty wandb folder, uses it by alias and downloads it (``download()`` +
``verify()``). Figures: each step's time and throughput, the peak RSS of each child and of the server
(``ru_maxrss`` / ``VmHWM``), and bytes on disk in the server's store and the client's store next to the
artifact's logical size. The command fails when the download differs, when a copy was stored twice, or
when a peak RSS passes ``--max-rss`` MiB (the files are never held in memory: 1 MiB chunks).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import write_json
from bench_server import Server, isolated_env

LOG = r"""
import json, resource, sys, time
import wandb_jupyter as wandb
t0 = time.time()
run = wandb.init(project="bench-artifacts", entity="admin")
artifact = wandb.Artifact("big", "dataset")
artifact.add_dir(sys.argv[1])
t_add = time.time()
logged = run.log_artifact(artifact, aliases=["bench"])
t_log = time.time()
logged.wait(1800)
t_up = time.time()
run.finish()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print("RESULT", json.dumps({"add_s": t_add - t0, "store_s": t_log - t_add, "upload_s": t_up - t_log,
                            "peak_rss_mib": peak, "version": logged.name}))
"""

USE = r"""
import json, resource, sys, time
import wandb_jupyter as wandb
t0 = time.time()
run = wandb.init(project="bench-artifacts", entity="admin")
artifact = run.use_artifact("big:bench")
root = artifact.download(sys.argv[1])
t_down = time.time()
artifact.verify(root)
t_verify = time.time()
run.finish()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print("RESULT", json.dumps({"download_s": t_down - t0, "verify_s": t_verify - t_down, "peak_rss_mib": peak}))
"""


def generate(folder: Path, total_mib: int, files: int) -> tuple[int, int]:
    """Random files (written 1 MiB at a time) and two copies of the first; (logical bytes, unique bytes)."""
    folder.mkdir(parents=True)
    per_file = max(1, total_mib // files)
    for n in range(files):
        with open(folder / f"part-{n:03d}.bin", "wb") as handle:
            for _ in range(per_file):
                handle.write(os.urandom(1 << 20))
    first = (folder / "part-000.bin").read_bytes() if per_file <= 64 else None
    for copy in ("copy-a.bin", "copies/copy-b.bin"):
        target = folder / copy
        target.parent.mkdir(exist_ok=True)
        if first is not None:
            target.write_bytes(first)
        else:
            with open(folder / "part-000.bin", "rb") as src, open(target, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    unique = files * per_file << 20
    return unique + 2 * (per_file << 20), unique


def disk_bytes(root: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in root.glob(pattern) if p.is_file())


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(script: str, arg: Path, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", script, str(arg)], env=env, cwd=cwd, capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-4000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["wall_s"] = time.time() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the artifact's distinct files (MiB)")
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--max-rss", type=float, default=300.0, help="fail above this peak RSS (MiB) of a process")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="a 16 MiB artifact: a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.mib, args.files = 16, 4
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        root = Path(tmp)
        logical, unique = generate(root / "source", args.mib, args.files)
        server = Server(root / "server")
        try:
            env = isolated_env(root)
            env.update(WANDB_BASE_URL=server.url, WANDB_API_KEY=server.key, WANDB_MODE="online", WANDB_SILENT="true")
            env.update(WANDB_CONSOLE="off", WANDB_X_DISABLE_STATS="true")
            (root / "logger").mkdir()
            (root / "user").mkdir()
            logged = child(LOG, root / "source", {**env, "WANDB_DIR": str(root / "logger")}, root / "logger")
            used = child(USE, root / "download", {**env, "WANDB_DIR": str(root / "user")}, root / "user")
            server_peak = peak_rss_mib(server.proc.pid)
        finally:
            server.stop()
        server_store = disk_bytes(root / "server" / "data" / "artifacts", "*/objects/*/*")
        client_store = disk_bytes(root / "logger" / "wandb" / "artifacts" / "objects" / "md5", "*/*")
        downloaded = disk_bytes(root / "download", "**/*")
    mib = logical / (1 << 20)
    figures = {
        "logical_mib": round(mib, 1),
        "unique_mib": unique / (1 << 20),
        "server_store_mib": server_store / (1 << 20),
        "client_store_mib": client_store / (1 << 20),
        "downloaded_mib": downloaded / (1 << 20),
        "log": logged,
        "use": used,
        "upload_mib_s": round(mib / max(logged["upload_s"], 1e-9), 1),
        "download_mib_s": round(mib / max(used["download_s"], 1e-9), 1),
        "server_peak_rss_mib": round(server_peak, 1),
    }
    print(json.dumps(figures, indent=2))
    write_json(args.json, figures)
    problems = []
    if server_store != unique or client_store != unique:
        problems.append(
            f"identical files were stored twice: server {server_store}, client {client_store}, unique {unique}"
        )
    if downloaded != logical:
        problems.append(f"downloaded {downloaded} bytes of {logical}")
    for who, peak in (("logger", logged["peak_rss_mib"]), ("user", used["peak_rss_mib"]), ("server", server_peak)):
        if peak > args.max_rss:
            problems.append(f"peak RSS of the {who}: {peak:.0f} MiB > {args.max_rss:.0f} MiB")
    for problem in problems:
        print("FAIL:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
