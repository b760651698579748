"""Sphinx extension: a site that reads with no network, with every slider frame embedded.

1. Sets ``REPARAM_SLIDER_FRAMES=all`` before myst-nb executes the notebooks, so each
   :class:`reparam.widgets.Slider` output carries all its frames as self-contained HTML
   (outside the build, notebooks keep one still frame and stay small).
2. Drops saved ipywidgets state from notebook metadata as each notebook is read. The website
   shows the sliders' ``text/html`` frames (``nb_mime_priority_overrides``), never a widget, and
   with ``nb_ipywidgets_js: {}`` no widget manager loads, so that state would only be dead
   weight embedded in the page (``jupyter execute`` saves it, PNG bytes included).
3. Writes each inline script into a page only once. sphinx-thebe 0.3.1 registers its inline
   ``const THEBE_JS_URL = ...`` twice under Sphinx 7, and the second copy is a console error
   ("Identifier 'THEBE_JS_URL' has already been declared") on every page.
4. Serves MathJax from the build instead of a CDN: copies the parts of MathJax 3 that
   ``tex-svg.js`` needs (the combined TeX-to-SVG component, the TeX extensions it may autoload, the
   menu and accessibility components) from the ``sphinx-mathjax-offline`` package into
   ``_static/mathjax``. ``mathjax_path`` points there (``_config.yml``). SVG output needs no web
   fonts, so math renders from ``file://`` too. The whole MathJax of that package is 24 MB; this
   subset is a fraction of it. The package leaves out MathJax's licence (Apache 2.0), which a
   copy must carry: ``_ext/mathjax/`` holds it and a README, copied beside the scripts.
"""
import importlib.util
import json
import os
from pathlib import Path

from sphinx.util.fileutil import copy_asset

FRAMES_ENV = "REPARAM_SLIDER_FRAMES"  # the same name as reparam.widgets.FRAMES_ENV

#: What of MathJax's es5 tree the page loads (file or folder, relative to its root). Left out:
#: the other combined components, CommonHTML fonts, and the speech-rule engine (``sre``, 3.9 MB,
#: only loaded if a reader turns on the menu's explorer).
MATHJAX_PARTS = ["tex-svg.js", "input/tex/extensions", "ui", "a11y"]


def _mathjax_source():
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the sphinx-mathjax-offline package (requirements.txt) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"


def _check_mathjax_path(app, config):
    if config.mathjax_path != "mathjax/tex-svg.js":
        raise RuntimeError(f"offline_site: set mathjax_path to 'mathjax/tex-svg.js' (got {config.mathjax_path!r})")


def _copy_mathjax(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    source, target = _mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    copy_asset(str(Path(__file__).resolve().parent / "mathjax"), str(target))  # LICENSE, README.md
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            copy_asset(str(source / part), str(target / part))
        else:
            target.mkdir(parents=True, exist_ok=True)
            copy_asset(str(source / part), str(target))


def _drop_widget_state(app, docname, source):
    path = app.env.doc2path(docname)
    if not str(path).endswith(".ipynb") or '"widgets"' not in source[0]:
        return
    notebook = json.loads(source[0])
    if notebook.get("metadata", {}).pop("widgets", None) is not None:
        source[0] = json.dumps(notebook, ensure_ascii=False)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        filename = getattr(script, "filename", script) or ""  # None and "" both mean inline
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    os.environ[FRAMES_ENV] = "all"
    _mathjax_source()  # fail early if missing
    app.connect("config-inited", _check_mathjax_path)
    app.connect("source-read", _drop_widget_state)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
