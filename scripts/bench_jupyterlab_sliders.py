"""Benchmark: key press to new picture, for every live slider of the book, in a real JupyterLab.

Not a test: it prints numbers and never fails on a slow machine. Target: a median of at most
40 ms for every slider (the slider should feel like dragging).

It starts JupyterLab (127.0.0.1, random token, fresh settings; see tests/jupyterlab_harness.py)
over a temporary copy of the chapters, opens each chapter whose code calls a slider in headless
Chromium, runs all its cells, and then, for each slider, presses ArrowRight ``--presses`` times
from the left end and ArrowLeft ``--presses`` times from the right end (every press a new value,
after one unmeasured warm-up press). Each press is timed in the page: from the keydown event's
timeStamp to the MutationObserver callback that sees the picture's ``src`` change (the PNG has
arrived from the kernel and the ipywidgets Image view has set it), and to the decoded image.

The last row, "floor", is the same measurement on a slider whose frames were all drawn before
(the Gumbel-softmax bars slider's live frames, cached in the kernel): what messaging between
page and kernel and showing the PNG cost, with no drawing. (Skip it with ``--no-floor``.)

    .venv/bin/python scripts/bench_jupyterlab_sliders.py [--presses 20] [--no-floor | --floor-only]
                                                         [--nagle] [chapters/NAME.ipynb ...]

``--nagle`` is a diagnostic: it runs the server with jupyter_server's stock kernel websockets,
which leave Nagle's algorithm on, to show what the book's TCP_NODELAY setting saves.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import jupyterlab_harness as lab  # noqa: E402

TARGET_MS = 40.0
FLOOR_NOTEBOOK = "bench_floor.ipynb"
FLOOR_CODE = """\
import ipywidgets
from reparam import widgets

_s = widgets.gumbel_softmax_bars_slider()
_frames = [_s.render_png(v) for v in _s.live_values]
_slider = ipywidgets.SelectionSlider(options=[(str(i), i) for i in range(len(_frames))],
                                     index=len(_frames) // 2, description="cached", continuous_update=True)
_image = ipywidgets.Image(value=_frames[len(_frames) // 2], format="png")
_slider.observe(lambda change: setattr(_image, "value", _frames[change["new"]]), names="value")
ipywidgets.VBox([_slider, _image])
"""


# Diagnostic (--nagle): jupyter_server's stock kernel websocket connection, which leaves Nagle's
# algorithm on, instead of the book's (jupyter-config/reparam_jupyter_settings.py).
STOCK_CONNECTION = "jupyter_server.services.kernels.connection.channels.ZMQChannelsWebsocketConnection"


def write_floor_notebook(folder):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_CODE)]
    nbformat.write(nb, str(Path(folder) / FLOOR_NOTEBOOK))


def measure(page, box, presses):
    """Latencies (src, decoded) in ms of ``presses`` ArrowRight from Home and ArrowLeft from End."""
    src, decoded, stuck = [], [], 0
    for start, key in (("Home", "ArrowRight"), ("End", "ArrowLeft")):
        lab.press_key(page, box, start)          # move to the end, unmeasured
        lab.press_key(page, box, key)            # warm-up press, unmeasured
        for _ in range(presses):
            after = lab.press_key(page, box, key)["after"]
            if not after["changed"]:
                stuck += 1
                continue
            src.append(after["ms"])
            if after["decoded_ms"] is not None:
                decoded.append(after["decoded_ms"])
            page.wait_for_timeout(30)            # a short pause, as between two key repeats
    return src, decoded, stuck


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="chapter notebooks (default: every chapter with a slider)")
    parser.add_argument("--presses", type=int, default=20, help="measured presses per direction and slider")
    parser.add_argument("--no-floor", action="store_true", help="skip the slider with cached frames")
    parser.add_argument("--floor-only", action="store_true", help="only the slider with cached frames")
    parser.add_argument("--nagle", action="store_true",
                        help="diagnostic: jupyter_server's stock kernel websockets (Nagle's algorithm on)")
    args = parser.parse_args(argv)
    if args.presses < 1:
        parser.error("--presses must be at least 1")
    if args.floor_only and (args.no_floor or args.notebooks):
        parser.error("--floor-only takes no notebooks and no --no-floor")
    names = [Path(n).name for n in args.notebooks] or [n for n, _ in lab.slider_notebooks(ROOT / "chapters")]
    if args.floor_only:
        names = []
    if lab.chromium_path() is None:
        sys.exit(f"{lab.CHROMIUM} is missing (apt-get install chromium)")

    rows = []
    with tempfile.TemporaryDirectory(prefix="reparam-bench-lab-") as tmp:
        chapters = lab.copy_chapters(tmp, names=set(names))
        root = chapters.parent
        if not args.no_floor:
            write_floor_notebook(chapters)
            names = names + [FLOOR_NOTEBOOK]
        stock = [f"--ServerApp.kernel_websocket_connection_class={STOCK_CONNECTION}"]
        server = lab.JupyterServer(root, extra_args=stock if args.nagle else ())
        with server, lab.browser_session() as browser:
            print(f"JupyterLab at {server.base_url}, Chromium {browser.version}; "
                  f"{args.presses} presses each way per slider"
                  + ("; stock kernel websockets (Nagle on)" if args.nagle else ""), flush=True)
            page = lab.new_page(browser)
            lab.open_app(page, server)
            for name in names:
                path = f"chapters/{name}"
                lab.open_notebook(page, path)
                seconds, result = lab.run_all(page)
                if not result.get("ok"):
                    print(f"{name}: Run All failed ({result}); skipped", flush=True)
                    lab.close_all(page)
                    continue
                boxes = lab.slider_boxes(page)
                print(f"{name}: Run All {seconds:.1f} s, {len(boxes)} slider(s)", flush=True)
                for b, cell in enumerate(boxes):
                    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox").nth(b).scroll_into_view_if_needed()
                    label = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox").nth(b) \
                        .locator(".widget-label").first.text_content().strip()
                    t0 = time.monotonic()
                    src, decoded, stuck = measure(page, b, args.presses)
                    rows.append((name, cell, label, src, decoded, stuck, time.monotonic() - t0))
                lab.close_all(page)
                server.shutdown_kernels()

    print()
    print(f"{'notebook':<26} {'cell':>4} {'slider':<8} {'n':>3} {'median':>8} {'max':>8} "
          f"{'decoded':>8}  (ms, key press to new picture; target median <= {TARGET_MS:.0f})")
    for name, cell, label, src, decoded, stuck, _ in rows:
        if name == FLOOR_NOTEBOOK:
            name, label = "floor (frames cached)", "-"
        if not src:
            print(f"{name:<26} {cell:>4} {label:<8} no picture changed")
            continue
        med = statistics.median(src)
        verdict = "ok" if med <= TARGET_MS else "SLOWER THAN TARGET"
        print(f"{name:<26} {cell:>4} {label:<8} {len(src):>3} {med:>8.1f} {max(src):>8.1f} "
              f"{statistics.median(decoded) if decoded else float('nan'):>8.1f}  {verdict}"
              + (f"  ({stuck} presses without a new picture)" if stuck else ""))


if __name__ == "__main__":
    main()
