"""The student side of grading: run one submitted notebook in a sandboxed process and answer questions.

This file is executed as a script by :mod:`bookgrader.sandbox`, as
``python -I runner.py CONFIG_JSON`` in a fresh temporary directory that holds nothing but a copy of
the submission. It is also imported by the teacher's process, for :func:`encode` and :func:`decode`:
the two sides share one wire format, written in one place.

What the script does, in this order, before any student code runs:

1. keep the pipes to the teacher on private file descriptors, and point stdin at ``/dev/null`` and
   stdout/stderr at ``output.txt`` in the temporary directory (what the submission prints is never
   read as a result);
2. set resource limits (CPU seconds, address space, size of a written file, no core dumps);
3. where the kernel offers Landlock, restrict the process and everything it starts: write only
   inside the temporary directory, read only the Python installation and system directories (not the
   teacher's home, not the book's ``assignments/`` folder), no TCP, no signals to processes outside
   the sandbox.

Then it executes the notebook's code cells one by one in an IPython shell (an error or a cell time-out
is recorded and the next cell runs), and finally serves requests from the teacher on the private pipe,
one JSON line each:

``{"id": 1, "op": "get", "names": ["p_hat", "st_gradient"]}``
    the values of names in the notebook's namespace: data (numbers, strings, numpy arrays, nested
    lists/tuples/dicts of those) or, for a function, a marker that the teacher turns into a proxy;
``{"id": 2, "op": "call", "name": "st_gradient", "args": [...], "kwargs": {...}}``
    call a function of the notebook with data arguments and return the result as data.

Nothing in the answers is code: the teacher's process decodes them with ``json`` and ``numpy`` only,
so whatever the submission does to this process, it can change the *data* the teacher receives, never
the teacher's checks. The hidden tests are never sent here: the teacher evaluates them, and sends only
the arguments of the calls they make.
"""
import base64
import json
import math
import os
import sys

#: dtypes that travel as raw little-endian bytes; anything else (objects, strings, structured) is refused
ARRAY_DTYPES = ("|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f4", "<f8")
MAX_DEPTH = 20
MAX_ELEMENTS = 50_000_000
MAX_STRING = 100_000


class WireError(ValueError):
    """A value that cannot cross between the teacher and the sandbox."""


def encode(obj, *, allow_callable=False, _depth=0):
    """Turn a value into JSON-able data, or raise :class:`WireError`.

    numpy is imported lazily, so that the sandbox imports it only after its restrictions are in place.
    Callables become ``{"__callable__": true}`` (only at the top level of a ``get``).
    """
    if _depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if obj is None or isinstance(obj, bool):
        return None if obj is None else bool(obj)
    if isinstance(obj, str):
        if len(obj) > MAX_STRING:
            raise WireError("string too long")
        return str(obj)
    if isinstance(obj, int):
        return {"__int__": str(int(obj))}
    if isinstance(obj, float):
        return {"__float__": float(obj).hex()}
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(obj, np.generic):
            if isinstance(obj, np.bool_):
                return bool(obj)
            if isinstance(obj, np.integer):
                return {"__int__": str(int(obj))}
            if isinstance(obj, np.floating):
                return {"__float__": float(obj).hex()}
            raise WireError(f"cannot send a numpy {type(obj).__name__}")
        if isinstance(obj, np.ndarray):
            array = np.asarray(obj)  # drops subclasses (and any operator they override)
            dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
            if dtype.str not in ARRAY_DTYPES:
                raise WireError(f"cannot send an array of dtype {array.dtype}")
            if array.size > MAX_ELEMENTS:
                raise WireError("array too large")
            data = np.ascontiguousarray(array, dtype=dtype).tobytes()
            return {"__ndarray__": dtype.str, "shape": list(array.shape),
                    "data": base64.b64encode(data).decode("ascii")}
    if isinstance(obj, (list, tuple)):
        items = [encode(item, _depth=_depth + 1) for item in obj]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        if not all(isinstance(key, str) for key in obj):
            raise WireError("dictionary keys must be strings")
        return {"__dict__": {key: encode(value, _depth=_depth + 1) for key, value in obj.items()}}
    if allow_callable and callable(obj) and not isinstance(obj, type):
        return {"__callable__": True}
    raise WireError(f"cannot send a value of type {type(obj).__name__}")


def decode(data, *, make_callable=None, _depth=0):
    """Inverse of :func:`encode`, strict: unknown shapes of data raise :class:`WireError`.

    Only builds None, bool, int, float, str, list, tuple, dict and numpy arrays of the dtypes in
    :data:`ARRAY_DTYPES`; ``make_callable()`` is called for a callable marker where one is allowed.
    """
    if _depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if data is None or type(data) in (bool, str):
        return data
    if type(data) is list:
        return [decode(item, _depth=_depth + 1) for item in data]
    if type(data) is not dict or len(data) == 0:
        raise WireError(f"unexpected data of type {type(data).__name__}")
    if set(data) == {"__int__"} and type(data["__int__"]) is str and len(data["__int__"]) <= 400:
        return int(data["__int__"])
    if set(data) == {"__float__"} and type(data["__float__"]) is str and len(data["__float__"]) <= 40:
        return float.fromhex(data["__float__"])
    if set(data) == {"__tuple__"} and type(data["__tuple__"]) is list:
        return tuple(decode(item, _depth=_depth + 1) for item in data["__tuple__"])
    if set(data) == {"__dict__"} and type(data["__dict__"]) is dict:
        return {str(key): decode(value, _depth=_depth + 1) for key, value in data["__dict__"].items()}
    if set(data) == {"__callable__"} and make_callable is not None:
        return make_callable()
    if set(data) == {"__ndarray__", "shape", "data"}:
        import numpy as np

        dtype, shape, payload = data["__ndarray__"], data["shape"], data["data"]
        if dtype not in ARRAY_DTYPES:
            raise WireError(f"refused array dtype {dtype!r}")
        if (type(shape) is not list or len(shape) > 32
                or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape)):
            raise WireError("bad array shape")
        size = math.prod(shape)
        if size > MAX_ELEMENTS or type(payload) is not str:
            raise WireError("bad array")
        raw = base64.b64decode(payload.encode("ascii"), validate=True)
        if len(raw) != size * np.dtype(dtype).itemsize:
            raise WireError("array data does not match its shape")
        return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).astype(np.dtype(dtype).newbyteorder("="))
    raise WireError("unexpected data")


# --------------------------------------------------------------------------------------------------
# Landlock (Linux >= 5.13): an unprivileged, per-process file-system (and, from ABI 4, TCP) sandbox.
# The system call numbers are the same on every architecture.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_REFER, _FS_TRUNCATE = 1 << 13, 1 << 14
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE


def landlock_abi():
    """The Landlock ABI version the kernel offers, or 0 when it offers none (or this is not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(int(version), 0)


def apply_landlock(read_paths, write_paths, write_files):
    """Restrict this process for good: read (and execute) only below ``read_paths``, write only below
    ``write_paths`` (and the single files ``write_files``, such as /dev/null); from ABI 4 no TCP bind
    or connect; from ABI 6 no signals to, and no abstract unix sockets of, processes outside.

    Returns the ABI used; raises OSError if the kernel refuses.
    """
    import ctypes

    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                    ("scoped", ctypes.c_uint64)]

    class PathBeneathAttr(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    fs_all = (1 << 13) - 1  # ABI 1: execute .. make_sym
    if abi >= 2:
        fs_all |= _FS_REFER
    if abi >= 3:
        fs_all |= _FS_TRUNCATE
    net = 0b11 if abi >= 4 else 0          # bind_tcp | connect_tcp, with no rule allowing either
    scoped = 0b11 if abi >= 6 else 0       # abstract unix sockets | signals
    attr = RulesetAttr(fs_all, net, scoped)
    size = ctypes.sizeof(RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")

    def allow(path, access):
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not os.path.isdir(path):
                access &= _FS_FILE_RIGHTS
            rule = PathBeneathAttr(access & fs_all, fd)
            if libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule),
                            ctypes.c_uint32(0)) != 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        finally:
            os.close(fd)

    for path in read_paths:
        allow(path, _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR)
    for path in write_paths:
        allow(path, fs_all)
    for path in write_files:
        allow(path, _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset)
    return abi


# --------------------------------------------------------------------------------------------------
class CellTimeout(Exception):
    """Raised inside a cell (or a call) that ran longer than its time allowance."""


def _alarm(seconds):
    import signal

    def on_alarm(signum, frame):
        raise CellTimeout(f"time allowance of {seconds} s exceeded")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _alarm_off():
    import signal

    signal.setitimer(signal.ITIMER_REAL, 0)


def _set_limits(config):
    import resource

    limits = [(resource.RLIMIT_CPU, int(config["cpu_seconds"])),
              (resource.RLIMIT_FSIZE, int(config["max_file_bytes"])),
              (resource.RLIMIT_CORE, 0)]
    if config.get("memory_bytes"):
        limits.append((resource.RLIMIT_AS, int(config["memory_bytes"])))
    for which, value in limits:
        try:
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):  # a limit this system does not support (RLIMIT_AS on macOS)
            pass


def _run_cells(sources, cell_seconds):
    """Execute code cells in an IPython shell; return (namespace, one status string per cell)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    settings = Config()
    settings.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=settings)
    shell.enable_gui = lambda gui=None: None  # `%matplotlib inline` works without a kernel (Agg backend)
    statuses = []
    for source in sources:
        try:
            _alarm(cell_seconds)
            result = shell.run_cell(source, store_history=False, silent=False)
        except BaseException as error:  # a time-out raised outside run_cell's own handler
            statuses.append(f"error: {type(error).__name__}")
            continue
        finally:
            _alarm_off()
        if result.error_before_exec is not None:
            statuses.append(f"error: {type(result.error_before_exec).__name__}")
        elif result.error_in_exec is not None:
            statuses.append(f"error: {type(result.error_in_exec).__name__}")
        else:
            statuses.append("ok")
    return shell.user_ns, statuses


def _answer(request, namespace, call_seconds):
    op = request.get("op")
    if op == "get":
        values = {}
        for name in request["names"]:
            if not isinstance(name, str) or name not in namespace:
                continue
            try:
                values[name] = encode(namespace[name], allow_callable=True)
            except Exception as error:  # noqa: BLE001 - anything the value does is reported, not raised
                values[name] = {"__error__": f"{type(error).__name__}: {error}"[:500]}
        return {"values": values}
    if op == "call":
        function = namespace.get(request["name"])
        if function is None or not callable(function):
            return {"error": f"{request['name']} is not a function of the notebook"}
        args = decode(request["args"])
        kwargs = decode(request["kwargs"])
        try:
            _alarm(call_seconds)
            value = function(*args, **kwargs)
            _alarm_off()
            return {"value": encode(value)}
        except BaseException as error:  # noqa: BLE001
            _alarm_off()
            return {"error": f"{type(error).__name__}: {error}"[:2000]}
    return {"error": f"unknown request {op!r}"}


def main(argv):
    config = json.loads(argv[1])
    # 1. private channels to the teacher; what the notebook prints goes to output.txt
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    answers = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    output = os.open("output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)

    def send(message):
        answers.write(json.dumps(message, allow_nan=True).encode() + b"\n")

    # 2. limits and 3. Landlock, before anything of the student's is read. The first line sent is
    # written before any student code runs, so the teacher can trust what it says about the sandbox.
    _set_limits(config)
    sandbox, problem = "none", ""
    if config["landlock"]:
        try:
            sandbox = f"landlock-abi{apply_landlock(config['read_paths'], [os.getcwd()], [os.devnull])}"
        except OSError as error:
            problem = str(error)
    send({"sandbox": sandbox, "problem": problem})
    if config["require_sandbox"] and sandbox == "none":
        return 3
    # 4. the notebook
    try:
        with open(config["notebook"], encoding="utf-8") as handle:
            notebook = json.load(handle)
        sources = []
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                sources.append("".join(source) if isinstance(source, list) else str(source))
    except Exception as error:  # noqa: BLE001
        send({"ready": False, "error": f"unreadable notebook: {type(error).__name__}"})
        return 2
    namespace, statuses = _run_cells(sources, config["cell_seconds"])
    send({"ready": True, "cells": statuses})
    # 5. questions from the teacher, until the pipe closes
    while True:
        line = requests.readline()
        if not line:
            return 0
        try:
            request = json.loads(line)
            reply = _answer(request, namespace, config["call_seconds"])
        except Exception as error:  # noqa: BLE001
            request, reply = {}, {"error": f"{type(error).__name__}: {error}"[:500]}
        reply["id"] = request.get("id") if isinstance(request, dict) else None
        try:
            send(reply)
        except WireError as error:
            send({"id": reply["id"], "error": str(error)})


if __name__ == "__main__":
    sys.exit(main(sys.argv))
