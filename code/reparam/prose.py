r"""Numbers quoted in a chapter's prose, rounded to the digits the text shows.

A chapter states a computed number in its text with MyST's inline ``{eval}`` role, which both
the website (myst-nb) and JupyterLab (jupyterlab-myst) evaluate in the notebook's kernel:

.. code-block:: markdown

    The score function's variance is {eval}`ch2_cos_sf`.

and the code cell before it names the number with :func:`quote`::

    ch2_cos_sf = quote(var_cos_sf, ".2f")

The text shown is the repr of the quoted object, so it carries only the digits the format asks
for. That is what keeps a stored notebook reproducible on another machine: a last-bit difference
of a BLAS kernel (``1.1`` against ``1.0999999999999999``) never reaches the page.

Examples
--------
>>> from reparam.prose import quote
>>> quote(1.0999999999999999, ".2f")
1.10
>>> quote(0.123456, ".1%")
12.3%
>>> quote([0.2, 0.5, 0.3], ".3f")
(0.200, 0.500, 0.300)
>>> quote(123456, ",")
123,456
>>> float(quote(2 / 3, ".3f"))
0.667
"""
import numbers

import numpy as np

__all__ = ["Quoted", "quote"]


class Quoted:
    """A number (or a tuple of numbers) together with the text the prose shows for it.

    ``repr`` and ``str`` give the text; ``float`` gives the rounded value the text states.
    """

    __slots__ = ("text", "value")

    def __init__(self, value, text):
        self.value = value
        self.text = text

    def __repr__(self):
        return self.text

    __str__ = __repr__

    def __float__(self):
        return float(self.value)

    def __format__(self, spec):
        return format(self.value, spec) if spec else self.text


def _rounded_value(text, fallback):
    """The number a formatted text states (``'12.3%'`` -> 0.123, ``'1,000'`` -> 1000.0)."""
    plain = text.replace(",", "")
    try:
        return float(plain[:-1]) / 100 if plain.endswith("%") else float(plain)
    except ValueError:
        return fallback


def quote(value, fmt):
    """Quote ``value`` for the prose, formatted with the format spec ``fmt`` (as in ``format``).

    Parameters
    ----------
    value : real number or 1-D sequence of real numbers
        A sequence is shown as a parenthesised tuple, ``(0.200, 0.500, 0.300)``.
    fmt : str
        A format spec for one number, such as ``".3f"``, ``".1e"``, ``".0%"`` or ``","``. It must
        round: a spec that could print every digit of a float (``""``, ``"g"`` with no precision
        is fine, as it keeps 6 significant digits) is refused for non-integers.

    Returns
    -------
    Quoted
        Its repr is the formatted text.
    """
    if not isinstance(fmt, str):
        raise ValueError(f"fmt must be a format spec string such as '.3f', got {fmt!r}")
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) \
            or np.iscomplexobj(array) or array.ndim > 1:
        raise ValueError(f"value must be a real number or a 1-D sequence of them, got {value!r}")
    if array.ndim == 1:
        parts = [quote(v, fmt) for v in array.tolist()]
        return Quoted(tuple(p.value for p in parts), "(" + ", ".join(p.text for p in parts) + ")")
    number = array.item()
    if isinstance(number, bool):
        number = int(number)
    if not isinstance(number, numbers.Integral) and fmt in ("", "r"):
        raise ValueError(f"fmt {fmt!r} would print every digit of the float {number!r}; give a precision")
    try:
        text = format(number, fmt)
    except ValueError as err:
        raise ValueError(f"fmt {fmt!r} is not a format spec for {number!r}: {err}") from err
    return Quoted(_rounded_value(text, number), text)
