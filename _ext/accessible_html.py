"""Sphinx extension: bibliography entries marked up with a current ARIA role.

docutils 0.21 (the version Sphinx 7.4 allows) gives every bibliography entry
``role="doc-biblioentry"``, which DPUB-ARIA 1.1 deprecates in favour of ``listitem``. axe-core
reports the role (aria-deprecated-role) and, no longer counting such an entry as a list item, also
reports the links inside the entries as children that their ``role="list"`` container may not have
(aria-required-children). Each page's body is written with ``role="listitem"`` instead.
"""
DEPRECATED = ' role="doc-biblioentry"'
CURRENT = ' role="listitem"'


def _current_role(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and DEPRECATED in body:  # an attribute: text on the page would read role=&quot;...
        context["body"] = body.replace(DEPRECATED, CURRENT)


def setup(app):
    app.connect("html-page-context", _current_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
