"""The chapter notebooks reproduce on any machine with the pinned packages.

nbval (pytest's ``--nbval``) re-executes every chapter and compares each output with the stored
one. A stored output that carries a float's last digits fails on a learner's laptop whose BLAS
kernel rounds the last bit differently (``1.1`` against ``1.0999999999999999``), so:

- no stored output, prose number or alt text holds a decimal number with more significant digits
  than are stable (``MAX_DIGITS``);
- every inline ``{eval}`` expression of the prose has its value stored (``tools/execute_notebook.py``),
  so the numbers show in JupyterLab before anything is run, and each is short;
- nbval passes a second time under another numerical configuration: numpy's SIMD kernels off
  (every CPU feature numpy dispatches to at run time, via ``NPY_DISABLE_CPU_FEATURES``) and one
  BLAS / OpenMP thread instead of the machine's default. (``OPENBLAS_CORETYPE`` is left alone.)
- test-only scaffolding stays out of the reader's way: a cell nbval does not compare is tagged
  ``nbval-ignore-output`` and says why in its metadata (``nbval_reason``), not in a code comment.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MAX_DIGITS = 8

EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
# A decimal number: optional sign, digits with a point or an exponent (integers are exact).
DECIMAL = re.compile(r"(?<![\w.])[-+]?(\d+\.\d*|\.\d+|\d+(?=[eE]))([eE][-+]?\d+)?")


def significant_digits(number):
    mantissa = number.lstrip("+-").split("e")[0].split("E")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def long_numbers(text):
    return [m.group(0) for m in DECIMAL.finditer(text) if significant_digits(m.group(0)) > MAX_DIGITS]


def test_long_number_detector():
    assert long_numbers("1.0999999999999999 and 1.1") == ["1.0999999999999999"]
    assert long_numbers("p = 0.000123456789 ok 1.2345678e-05") == ["0.000123456789"]
    assert long_numbers("seed 123456789012, value 3.1415926") == []
    assert long_numbers("x = -2.718281828459045") == ["-2.718281828459045"]


def stored_texts(notebook):
    """(where, text) for every text a reader or nbval sees in the stored notebook."""
    for index, cell in enumerate(notebook["cells"]):
        for expression in cell.get("metadata", {}).get("user_expressions", []):
            data = expression["result"].get("data", {})
            yield f"cell {index} {{eval}}`{expression['expression']}`", data.get("text/plain", "")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                yield f"cell {index} {output['name']}", "".join(output["text"])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime == "application/json":
                    text = "".join(value) if isinstance(value, list) else json.dumps(value)
                    # Embedded images (slider frames) are base64, not numbers a reader sees.
                    text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", text)
                    yield f"cell {index} {mime}", text


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_stored_outputs_hold_only_stable_digits(path):
    unstable = [(where, number) for where, text in stored_texts(load(path)) for number in long_numbers(text)]
    assert not unstable, (f"{path.name}: numbers with more than {MAX_DIGITS} significant digits "
                          f"(round them before printing or quoting): {unstable[:10]}")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_prose_number_is_stored(path):
    missing = []
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        expressions = EVAL_ROLE.findall("".join(cell["source"]))
        stored = cell.get("metadata", {}).get("user_expressions", [])
        if [e["expression"] for e in stored] != expressions or any(e["result"]["status"] != "ok" for e in stored):
            missing.append(index)
    assert not missing, (f"{path.name}: markdown cells {missing} have inline expressions without stored "
                         f"values; run tools/execute_notebook.py {path.relative_to(ROOT)}")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_nbval_markers_are_metadata_not_code(path):
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert "nbval" not in "".join(cell["source"]), f"{path.name} cell {index}: nbval marker in the code"
        if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            assert cell["metadata"].get("nbval_reason"), f"{path.name} cell {index}: say why in nbval_reason"


def dispatched_cpu_features():
    """The SIMD feature groups numpy picks at run time on this CPU (e.g. X86_V3 X86_V4 AVX512_ICL)."""
    code = ("from numpy._core._multiarray_umath import __cpu_features__ as f, __cpu_dispatch__ as d;"
            "print(' '.join(k for k in d if f.get(k)))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_chapters_reproduce_under_a_second_numerical_configuration():
    features = dispatched_cpu_features()
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(features), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    check = subprocess.run([sys.executable, "-c", "from numpy._core._multiarray_umath import __cpu_features__ as f;"
                            f"print([k for k in {features!r} if f[k]])"], env=env, capture_output=True, text=True)
    assert check.stdout.strip() == "[]", f"numpy still uses SIMD paths: {check.stdout}{check.stderr}"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         "-o", "addopts=", *map(str, CHAPTERS)],
        env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, ("nbval failed with numpy's SIMD paths off "
                                    f"({' '.join(features) or 'none to disable'}) and one thread:\n"
                                    + result.stdout[-6000:] + result.stderr[-3000:])
