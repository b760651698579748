"""The teacher side of the sandbox: start the runner on one submission, ask it for values, end it.

The submission runs in a separate process (``python -I``, so no PYTHON* variables, no user site, no
current directory on ``sys.path``), in a fresh temporary directory holding only a copy of the
notebook, with a minimal environment, resource limits, a wall-clock deadline, and, where the Linux
kernel offers it, Landlock (see :mod:`bookgrader.runner`). The teacher's files that must stay out
of reach (the assignment's folder with solutions and hidden tests, the folder of submissions, the
folder of the score table) are carved out of every directory the sandbox may read.
"""
import json
import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import runner

RUNNER = Path(runner.__file__).resolve()
MAX_LINE = 64 * 2**20
SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/dev", "/proc", "/sys")
#: variables passed on to the submission if the teacher has them set: numeric library settings only
PASSED_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES")


class SandboxError(RuntimeError):
    """The submission's process did not answer as the protocol requires (crash, time-out, garbage)."""


@dataclass
class Limits:
    """Resource limits for one submission."""

    total_seconds: float = 60.0      #: wall clock, from start to the last answer
    cell_seconds: float = 30.0       #: one notebook cell
    call_seconds: float = 10.0       #: one call of a student function by a test
    cpu_seconds: int = 120           #: CPU time of the process (RLIMIT_CPU)
    memory_bytes: int = 4 * 2**30    #: address space (RLIMIT_AS); 0 for no limit
    max_file_bytes: int = 64 * 2**20  #: size of any file the submission writes (RLIMIT_FSIZE)


def landlock_available():
    """The kernel's Landlock ABI version (0: none)."""
    try:
        return runner.landlock_abi()
    except OSError:
        return 0


_CHILD_SYS_PATH = None


def _child_sys_path():
    """``sys.path`` of ``python -I`` with this interpreter: what the submission's imports need."""
    global _CHILD_SYS_PATH
    if _CHILD_SYS_PATH is None:
        out = subprocess.run([sys.executable, "-I", "-c", "import sys, json; print(json.dumps(sys.path))"],
                             capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
                             env={"PATH": os.defpath})
        _CHILD_SYS_PATH = [p for p in json.loads(out.stdout) if p]
    return _CHILD_SYS_PATH


def _is_within(path, parent):
    try:
        Path(path).relative_to(parent)
        return True
    except ValueError:
        return False


def _carve(paths, protected):
    """Replace each path that contains a protected path by its other children, recursively.

    Landlock only allows, never denies; so to keep ``/usr/local/src/book/assignments`` unreadable
    while ``/usr`` stays readable, ``/usr`` is replaced by its children except ``/usr/local``, that by
    its children except ``/usr/local/src``, and so on.
    """
    result = []
    for path in paths:
        path = Path(path)
        if any(_is_within(path, p) for p in protected):
            continue  # the path is itself protected (or inside a protected folder)
        inner = [p for p in protected if _is_within(p, path)]
        if not inner:
            result.append(path)
            continue
        try:
            children = sorted(path.iterdir())
        except OSError:
            continue
        result.extend(_carve(children, inner))
    return result


def read_paths(protected):
    """Directories the submission may read: system directories, the Python installation, the
    packages on ``sys.path`` (numpy, reparam, ...), minus the protected folders."""
    candidates = list(SYSTEM_READ_PATHS)
    candidates += [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                   str(Path(os.path.realpath(sys.executable)).parent.parent)]
    candidates += _child_sys_path()
    real = []
    for c in candidates:
        if os.path.exists(c):
            r = os.path.realpath(c)
            if r != "/" and r not in real:
                real.append(r)
    # drop paths inside others (fewer rules)
    real = [p for p in real if not any(q != p and _is_within(p, q) for q in real)]
    protected = [Path(os.path.realpath(p)) for p in protected]
    return [str(p) for p in _carve(real, protected)]


def _remove_tree(path):
    def make_writable_and_retry(function, target, _):
        # never follow a symbolic link the submission may have planted: chmod only real entries
        for entry in (os.path.dirname(target), target):
            try:
                os.chmod(entry, stat.S_IRWXU, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
        try:
            function(target)
        except OSError:
            pass

    shutil.rmtree(path, onerror=make_writable_and_retry)


class RemoteFunction:
    """A function of the submission. Calling it sends the (data) arguments to the sandbox."""

    def __init__(self, session, name):
        self._session, self._name = session, name

    def __call__(self, *args, **kwargs):
        return self._session.call(self._name, args, kwargs)

    def __repr__(self):
        return f"<function {self._name} of the submission>"


class SubmissionProcess:
    """One submitted notebook, executed in the sandbox; use as a context manager.

    ``sandbox`` is ``"auto"`` (Landlock where available), ``"landlock"`` (refuse to run without it)
    or ``"none"`` (only the separate process, fresh directory, environment and limits).
    """

    def __init__(self, notebook, *, protected=(), limits=None, sandbox="auto"):
        if sandbox not in ("auto", "landlock", "none"):
            raise ValueError(f"sandbox must be 'auto', 'landlock' or 'none', not {sandbox!r}")
        self.notebook = Path(notebook)
        self.protected = [Path(notebook).resolve().parent, *protected]
        self.limits = limits or Limits()
        self.sandbox_mode = sandbox
        self.sandbox = "none"          #: what the runner reported before the notebook ran
        self.cells = []                #: status of each code cell ("ok", "error: ...")
        self.error = None              #: why the submission could not be run or questioned
        self.workdir = None
        self._process = None
        self._buffer = b""
        self._next_id = 0
        self._deadline = None

    # -- life cycle --------------------------------------------------------------------------
    def __enter__(self):
        self._deadline = time.monotonic() + self.limits.total_seconds
        self.workdir = Path(tempfile.mkdtemp(prefix="bookgrader-"))
        try:
            shutil.copyfile(self.notebook, self.workdir / "submission.ipynb")
            use_landlock = self.sandbox_mode != "none" and landlock_available() > 0
            if self.sandbox_mode == "landlock" and not use_landlock:
                raise SandboxError("Landlock is not available on this system (sandbox='landlock')")
            config = {
                "notebook": "submission.ipynb",
                "landlock": use_landlock,
                "require_sandbox": self.sandbox_mode == "landlock",
                "read_paths": read_paths(self.protected) if use_landlock else [],
                "cell_seconds": self.limits.cell_seconds,
                "call_seconds": self.limits.call_seconds,
                "cpu_seconds": self.limits.cpu_seconds,
                "memory_bytes": self.limits.memory_bytes,
                "max_file_bytes": self.limits.max_file_bytes,
            }
            home = str(self.workdir)
            env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home,
                   "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg",
                   "MPLCONFIGDIR": f"{home}/.config/matplotlib", "IPYTHONDIR": f"{home}/.ipython",
                   "XDG_CONFIG_HOME": f"{home}/.config", "XDG_CACHE_HOME": f"{home}/.cache",
                   "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
            env.update({k: os.environ[k] for k in PASSED_VARIABLES if k in os.environ})
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-B", str(RUNNER), json.dumps(config)],
                cwd=self.workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
            first = self._read_message()  # written before any student code ran: trustworthy
            self.sandbox = first.get("sandbox", "none") if isinstance(first, dict) else "none"
            if self.sandbox_mode == "landlock" and not str(self.sandbox).startswith("landlock"):
                raise SandboxError(f"the sandbox could not be set up: {first.get('problem')}")
            ready = self._read_message()
            if not isinstance(ready, dict) or not ready.get("ready"):
                raise SandboxError(str(ready.get("error", "the notebook could not be run"))
                                   if isinstance(ready, dict) else "garbled answer")
            cells = ready.get("cells", [])
            self.cells = [str(c)[:100] for c in cells] if isinstance(cells, list) else []
        except SandboxError as error:
            self.error = str(error)
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        process, self._process = self._process, None
        if process is not None:
            try:
                process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the runner and anything it started
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
            process.stdout.close()
        if self.workdir is not None and self.workdir.exists():
            _remove_tree(self.workdir)

    # -- protocol -----------------------------------------------------------------------------
    def _fail(self, message):
        self.error = self.error or message
        raise SandboxError(message)

    def _read_message(self):
        if self._process is None:
            self._fail("the submission's process is not running")
        fd = self._process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    self._fail("no answer in time (time limit)")
                if not selector.select(timeout=min(remaining, 1.0)):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    self._fail("the submission's process ended")
                self._buffer += chunk
                if len(self._buffer) > MAX_LINE:
                    self._fail("answer too long")
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            self._fail("garbled answer")

    def _request(self, message, seconds):
        """Send one request and wait for its answer. Any failure here (crash, time-out, garbage)
        ends the conversation: every later request fails at once."""
        if self.error is not None:
            raise SandboxError(self.error)
        self._next_id += 1
        message["id"] = self._next_id
        try:
            self._process.stdin.write(json.dumps(message).encode() + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            self._fail("the submission's process ended")
        saved = self._deadline
        # the runner interrupts a call after `seconds`; the grace covers sending the answer
        self._deadline = min(saved, time.monotonic() + seconds + 5.0)
        try:
            while True:
                reply = self._read_message()
                if isinstance(reply, dict) and reply.get("id") == self._next_id:
                    return reply
        finally:
            self._deadline = saved

    def get(self, names):
        """The submission's values for ``names`` that exist and can be sent, decoded as data;
        functions come back as :class:`RemoteFunction`. Returns (values, problems)."""
        reply = self._request({"op": "get", "names": list(names)}, self.limits.call_seconds)
        values, problems = {}, {}
        raw = reply.get("values", {})
        if not isinstance(raw, dict):
            return values, problems
        for name in names:
            if name not in raw:
                continue
            item = raw[name]
            if isinstance(item, dict) and set(item) == {"__error__"}:
                problems[name] = str(item["__error__"])[:300]
                continue
            try:
                values[name] = runner.decode(item, make_callable=lambda n=name: RemoteFunction(self, n))
            except (runner.WireError, ValueError, TypeError, RecursionError) as error:
                problems[name] = f"{type(error).__name__}: {error}"[:300]
        return values, problems

    def call(self, name, args, kwargs):
        """Call the submission's function ``name``; return its result as data."""
        message = {"op": "call", "name": name, "args": runner.encode(list(args)),
                   "kwargs": runner.encode(dict(kwargs))}
        reply = self._request(message, self.limits.call_seconds)
        if "error" in reply:
            raise SubmissionError(f"{name}(...) raised {str(reply['error'])[:500]}")
        if "value" not in reply:
            raise SandboxError("garbled answer")
        try:
            return runner.decode(reply["value"])
        except (runner.WireError, ValueError, TypeError, RecursionError) as error:
            raise SubmissionError(f"{name}(...) returned something that is not data: {error}") from None


class SubmissionError(Exception):
    """A student function raised, or returned something that cannot be checked."""
