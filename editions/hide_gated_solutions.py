"""Sphinx extension of the student edition: gated solutions disappear with ``hide_solutions``.

sphinx-exercise 1.2.1's ``hide_solutions`` drops a ``{solution}`` block, but for a gated solution
(``{solution-start}`` ... ``{solution-end}``, used where a solution holds code cells) it drops
only the start directive: the text, code cells and outputs between the two stay on the page, and
the orphaned end marker then crashes the HTML writer ("unknown node type: solution_end_node",
executablebooks/sphinx-exercise#89).

Here ``{solution-start}`` leaves a marker wherever sphinx-exercise suppresses it, and a transform
removes everything from that marker through its ``{solution-end}``, so the page, the search index
and the cross-references never see the solution.
"""
from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.transforms import SphinxTransform
from sphinx_exercise.directive import SolutionStartDirective
from sphinx_exercise.nodes import solution_end_node


class suppressed_solution_start(nodes.Element):
    """Where a suppressed gated solution begins; removed before anything is written."""


class SuppressibleSolutionStart(SolutionStartDirective):
    def run(self):
        result = super().run()  # records the start in sphinx-exercise's gated registry either way
        return result or [suppressed_solution_start(label=self.arguments[0])]


class RemoveSuppressedSolutions(SphinxTransform):
    # sphinx-exercise checks the start/end pairing at priority 1 and merges them at 10.
    default_priority = 5

    def apply(self):
        for marker in list(self.document.findall(suppressed_solution_start)):
            parent = marker.parent
            siblings = parent.children
            start = siblings.index(marker)
            end = next((i for i in range(start, len(siblings)) if isinstance(siblings[i], solution_end_node)), None)
            if end is None:  # e.g. a heading between start and end: never leave a solution half removed
                raise ExtensionError(f"{self.env.docname}: the gated solution to {marker['label']!r} has no "
                                     "{solution-end} in the same section, so it cannot be hidden")
            del parent[start:end + 1]


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.add_node(suppressed_solution_start)
    app.add_directive("solution-start", SuppressibleSolutionStart, override=True)
    app.add_transform(RemoveSuppressedSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
