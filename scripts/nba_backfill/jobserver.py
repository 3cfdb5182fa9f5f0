"""Warm job starts: during a Snakemake run, each `nba-backfill` job is a fork of one process that has already
imported what jobs import, instead of a new interpreter that imports it again.

A job's own imports cost ~0.06 s (Phase 4) to ~0.5 s (predictions: pandas, xgboost, scipy) of CPU, the same in
every job, and with monthly chunks that start-up is paid 245 times (bench/full_backfill.py). The Snakefile's
`onstart` hook starts the server (`start`), its `onsuccess` / `onerror` hooks stop it; Snakemake's shell jobs
inherit `NBA_BACKFILL_JOBSERVER` (the socket) and a PATH that finds the server's own `nba-backfill` first (the
same client, started without site-packages) from it. `nba-backfill` (`main`) sends its arguments, working
folder, environment, niceness and its stdin/stdout/stderr (the file descriptors themselves) over the socket; the server
forks, the fork runs the command exactly as the process would have, and its exit code comes back. Nothing else
is shared: the server only imports modules and forks, so every job starts from the same state.

Outside Snakemake (no variable), with `--no-hooks`, or when the server cannot be reached before a job starts,
the command runs in its own process as before. A job whose caller is killed (Snakemake stopping a job) is killed
with it; the server exits with the Snakemake process that started it.
"""

from __future__ import annotations

import _signal  # the C modules under `signal` and `socket`: the client runs once a job, and those modules'
import _socket  # own imports (enum above all) cost it ~5 of its ~27 ms of CPU; the server uses the wrappers
import marshal
import os
import sys

# selectors, signal, socket, subprocess, tempfile and time are the server's: imported where it uses them, so
# that each job's `nba-backfill` call imports only what the caller needs

ENV = "NBA_BACKFILL_JOBSERVER"
# What jobs import, heaviest first; imported once, before the first fork.
WARM_MODULES = (
    "pandas",
    "xgboost",
    "scipy.stats",
    "duckdb",
    "nba_backfill.cli",
    "nba_backfill.config",
    "nba_backfill.runner",
    "nba_backfill.phase5",
    "nba_backfill.models",
    "nba_backfill.preflight",
    "nba_backfill.rollup",
    "nba_backfill.publish.job",
    "nba_backfill.phase3.write",
    "nba_backfill.warehouse.duckdb",
)
# The protocol: the request's length (8 bytes) and the request (marshal: a dict of str, lists and ints) with the
# caller's three streams; then "P" + the job's pid, and "X" + its exit code (4 bytes each, signed, big-endian).
_LENGTH, _CODE = 8, 4
_STARTED, _EXITED = b"P", b"X"
_FORWARDED = (_signal.SIGTERM, _signal.SIGINT, _signal.SIGHUP)


def _number(data: bytes) -> int:
    return int.from_bytes(data, "big", signed=True)


def _reply(kind: bytes, number: int) -> bytes:
    return kind + number.to_bytes(_CODE, "big", signed=True)


# -- the command: `nba-backfill` -----------------------------------------------------------------------------------
def main() -> None:
    """The `nba-backfill` entry point: run in a fork of the job server when one serves this Snakemake run."""
    path = os.environ.get(ENV)
    code = _run_remotely(path, sys.argv[1:]) if path else None
    if code is None:
        if sys.flags.no_site:  # the server's own client (`_write_client`), which started without site-packages
            import site

            site.main()
        from nba_backfill.cli import main as run_here  # absolute: the client runs this module by another name

        run_here()
    sys.exit(code)


def _run_remotely(path: str, argv: list[str]) -> int | None:
    """The job's exit code, or None if the server could not start it (the caller then runs it itself)."""
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    # A signal that arrives before the job's pid does is held, then passed on to the job (below).
    _signal.pthread_sigmask(_signal.SIG_BLOCK, _FORWARDED)
    try:
        conn.connect(path)
        request = marshal.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "nice": os.nice(0)})
        streams = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))  # SCM_RIGHTS: C ints
        conn.sendmsg(
            [len(request).to_bytes(_LENGTH, "big") + request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, streams)]
        )
        started = _receive(conn, 1 + _CODE)
    except OSError:
        started = b""
    if not started:
        conn.close()
        _signal.pthread_sigmask(_signal.SIG_UNBLOCK, _FORWARDED)
        return None
    pid = _number(started[1:])
    # Snakemake stops a job with a signal to its process: pass it on to the fork that is the job.
    for sig in _FORWARDED:
        _signal.signal(sig, lambda signum, frame: os.kill(pid, signum))
    _signal.pthread_sigmask(_signal.SIG_UNBLOCK, _FORWARDED)
    exited = _receive(conn, 1 + _CODE)
    if not exited:
        print(f"error: the job server at {path} went away while job {pid} ran", file=sys.stderr)
        return 1
    return _number(exited[1:])


def _receive(conn, size: int) -> bytes:
    """Exactly `size` bytes, or b"" when the other end closed first."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return b""
        data += chunk
    return data


# -- the Snakefile's hooks -----------------------------------------------------------------------------------------
_server = None  # the server's subprocess.Popen


def start(log_path: str) -> None:
    """Start the server for this Snakemake process and point its jobs at it (waits until it listens, ≤ 2 s)."""
    global _server
    import subprocess
    import tempfile
    import time

    path = os.path.join(tempfile.mkdtemp(prefix="nba-backfill-jobs-"), "socket")  # a folder only we can enter
    os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
    with open(log_path, "ab") as log:
        _server = subprocess.Popen(
            [sys.executable, "-m", "nba_backfill.jobserver", path, str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 2
    while not os.path.exists(path) and _server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if os.path.exists(path):
        os.environ[ENV] = path
        # the jobs' `nba-backfill` is the server's client (`_write_client`) where it could write one
        os.environ["PATH"] = os.pathsep.join([os.path.dirname(path), os.environ.get("PATH", "")])


def stop() -> None:
    if _server is not None and _server.poll() is None:
        _server.terminate()
        _server.wait()
    path = os.environ.pop(ENV, None)
    if path:
        os.environ["PATH"] = os.environ["PATH"].removeprefix(os.path.dirname(path) + os.pathsep)


# -- the server ----------------------------------------------------------------------------------------------------
def serve(path: str, parent: int) -> None:
    import selectors
    import socket

    client_files = _write_client(os.path.dirname(path))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)  # jobs that connect while the modules below load wait here
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    _signal.signal(_signal.SIGTERM, lambda signum, frame: sys.exit(0))
    # One BLAS thread, as DuckDB and xgboost have one (nba_backfill.warehouse.duckdb): jobs run in parallel as
    # processes, and OpenBLAS's extra thread spin-waits for work beside them (a monthly prediction job's CPU
    # 1.3 -> 1.0 s; the same rows, bench/RESULTS.md). Read once, when numpy loads below.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        for module in WARM_MODULES:
            __import__(module)
        from .warehouse.duckdb import connect_before_fork

        connect_before_fork()
        while os.getppid() == parent:  # the Snakemake run ended without its hooks (killed): so do we
            for key, _ in selector.select(timeout=1):
                if key.fileobj is listener:
                    _start_job(listener, selector)
                elif key.data[0] == "caller":  # the caller closed: it was killed, so is its job
                    selector.unregister(key.fileobj)
                    _kill(key.data[1])
                else:
                    _finish_job(selector, key)
    finally:
        for key in selector.get_map().values():
            if key.data and key.data[0] == "job":  # no caller will hear its end: stop it
                _kill(key.data[1])
        os.unlink(path)
        for name in client_files:
            os.unlink(name)
        os.rmdir(os.path.dirname(path))


def _write_client(folder: str) -> list[str]:
    """Write `nba-backfill` into the server's folder (which `start` puts first on the jobs' PATH): this client
    with `python -S`, so that it skips site-packages and their .pth files, which pip's console script imports
    at every start: ~20 -> ~10 ms of CPU a job. Beside it, this module compiled (`nba_backfill_client.pyc`), which
    the client imports as it is: with PYTHONDONTWRITEBYTECODE set no `__pycache__` holds it, and every job
    compiled it from source again (~4 ms). Returns the files written; none where a shebang cannot name this
    Python (a space in its path, or a line longer than older kernels read), and the jobs then find pip's."""
    import py_compile

    shebang = f"#!{sys.executable} -S"
    if " " in sys.executable or len(shebang) > 127:
        return []
    client, compiled = os.path.join(folder, "nba-backfill"), os.path.join(folder, "nba_backfill_client.pyc")
    py_compile.compile(__file__, cfile=compiled, doraise=True)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(client, "w") as f:
        f.write(
            # the folder is on sys.path already, as the script's own
            f"{shebang}\nimport sys\nsys.path.insert(0, {package!r})\nfrom nba_backfill_client import main\nmain()\n"
        )
    os.chmod(client, 0o700)
    return [client, compiled]


def _start_job(listener, selector) -> None:
    import selectors
    import socket

    conn, _ = listener.accept()
    header, fds, _, _ = socket.recv_fds(conn, _LENGTH, 3)
    request = marshal.loads(_receive(conn, int.from_bytes(header, "big")))
    # A signal the caller passes on before the fork is the job's own would meet the server's handlers in it:
    # blocked across the fork, it waits until the job has its own.
    mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, _FORWARDED)
    pid = os.fork()
    if pid == 0:
        # the fork keeps only the job's own streams: not the listener nor the other jobs' connections
        for fd in {selector.fileno(), conn.fileno(), *selector.get_map()}:  # the listener is in the map
            os.close(fd)
        _run_job(request, fds, mask)  # never returns
    _signal.pthread_sigmask(_signal.SIG_SETMASK, mask)
    for fd in fds:
        os.close(fd)
    conn.sendall(_reply(_STARTED, pid))
    selector.register(conn, selectors.EVENT_READ, ("caller", pid))
    selector.register(os.pidfd_open(pid), selectors.EVENT_READ, ("job", pid, conn))


def _finish_job(selector, key) -> None:
    _, pid, conn = key.data
    selector.unregister(key.fileobj)
    os.close(key.fileobj)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code < 0:  # killed by a signal: the shell's convention
        code = 128 - code
    if conn.fileno() in selector.get_map():
        selector.unregister(conn)
        try:
            conn.sendall(_reply(_EXITED, code))
        except OSError:
            pass  # the caller is gone already
    conn.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, _signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run_job(request: dict, fds: list[int], mask: set) -> None:
    """In the fork: become the job's process (its signal handlers, streams, niceness, folder, environment,
    arguments), run, exit. `mask`: the signal mask to restore once the job's handlers are in place."""
    code = 1
    try:
        for sig in (_signal.SIGTERM, _signal.SIGHUP):
            _signal.signal(sig, _signal.SIG_DFL)
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, mask)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        os.nice(max(0, request["nice"] - os.nice(0)))  # a rule's `nice` (only ever lower priority than ours)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["nba-backfill", *request["argv"]]
        from .cli import main as run_here

        try:
            run_here(args=request["argv"], prog_name="nba-backfill")
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            if isinstance(done.code, str):
                print(done.code, file=sys.stderr)
        except KeyboardInterrupt:
            code = 128 + _signal.SIGINT
        import atexit

        atexit._run_exitfuncs()
    except BaseException:  # as an uncaught exception ends a process: its traceback, exit 1
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
