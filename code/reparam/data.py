r"""Binary images for the variational autoencoders of chapter 7: scikit-learn's digits, and MNIST from local files.

Two sources, one result type (:class:`Images`):

* :func:`load_digits_binarized`: the 1,797 handwritten digits of 8x8 pixels that ship inside
  scikit-learn (``sklearn.datasets.load_digits``, no download), binarised and split into a
  training and a test set by a seeded permutation;
* :func:`load_mnist`: MNIST from its four standard IDX files in a local directory, for readers
  who have them. Nothing is ever downloaded. :func:`load_idx` reads one IDX file (optionally
  gzipped) and says what is wrong with a malformed one.

The IDX format (LeCun et al.): two zero bytes, a type code, the number of dimensions ``d``,
then ``d`` big-endian 32-bit sizes, then the values in C order, big-endian.

Examples
--------
>>> from reparam import data
>>> digits = data.load_digits_binarized()
>>> digits.x_train.shape, digits.x_test.shape, digits.image_shape
((1497, 64), (300, 64), (8, 8))
>>> sorted(set(digits.x_train.ravel().tolist()))
[0.0, 1.0]
"""
import gzip
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._checks import check_count

__all__ = ["IDX_TYPES", "MNIST_FILES", "Images", "binarize", "load_digits_binarized", "load_idx", "load_mnist"]

#: IDX type codes and the big-endian numpy dtypes they denote.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class Images(NamedTuple):
    """Flattened binary images (float32, values 0 and 1) with their labels, split into train and test."""

    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    image_shape: tuple


def binarize(images, threshold):
    r"""Pixels as 0/1 float32, :math:`x_i = [\,v_i > t\,]` (a fixed, deterministic binarisation).

    Examples
    --------
    >>> from reparam.data import binarize
    >>> binarize([[0, 7, 8, 16]], threshold=7.5)
    array([[0., 0., 1., 1.]], dtype=float32)
    """
    images = np.asarray(images)
    if not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)):
        raise ValueError(f"images must be real numbers, got dtype {images.dtype}")
    threshold = float(threshold)
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    return (images > threshold).astype(np.float32)


def load_digits_binarized(*, n_test=300, threshold=7.5, rng=0):
    """scikit-learn's 8x8 handwritten digits, binarised, with a fixed train/test split.

    Pixel intensities run from 0 to 16; a pixel is 1 when its intensity exceeds ``threshold``
    (default 7.5: at least half-dark). The split is a permutation drawn from ``rng``: the first
    ``n_test`` images of it are the test set, the rest (1,497 by default) the training set, both
    in permutation order. The data ship inside scikit-learn, so nothing is downloaded.

    Parameters
    ----------
    n_test : int, default 300
        Size of the test set, from 1 to 1,796.
    threshold : float, default 7.5
    rng : None, int or numpy.random.Generator, default 0
        Seeds the split; the default gives the book's split.

    Returns
    -------
    Images
        ``image_shape`` is ``(8, 8)``; labels are the digits 0-9.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    n = len(digits.target)
    n_test = check_count(n_test, "n_test")
    if n_test >= n:
        raise ValueError(f"n_test must leave at least one training image: at most {n - 1}, got {n_test}")
    order = np.random.default_rng(rng).permutation(n)
    x = binarize(digits.data, threshold)
    y = digits.target.astype(np.int64)
    test, train = order[:n_test], order[n_test:]
    return Images(x[train], x[test], y[train], y[test], (8, 8))


def _read_bytes(path):
    """The file's bytes, gunzipped when it starts with the gzip magic number."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"IDX file {str(path)!r} does not exist or is not a file")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"IDX file {str(path)!r} looks gzipped but cannot be decompressed: {err}") from err
    return raw


def load_idx(path):
    """Read one IDX file (as MNIST ships), gzipped or not, into a numpy array.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; gzip compression is detected from its first bytes, not its name.

    Returns
    -------
    numpy.ndarray
        Shape from the header, dtype the native-endian version of the header's type
        (``uint8`` for MNIST images and labels).

    Raises
    ------
    ValueError
        Naming the file and the problem: missing file, a header shorter than its declared
        dimensions, a magic number whose first two bytes are not zero, an unknown type code,
        no dimensions, or a data section that is shorter or longer than the dimensions say.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from reparam.data import load_idx
    >>> header = bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx2-ubyte"
    >>> _ = path.write_bytes(header + bytes(range(6)))
    >>> load_idx(path)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    raw = _read_bytes(path)
    name = repr(str(path))
    if len(raw) < 4:
        raise ValueError(f"IDX file {name} is too short for the 4-byte magic number ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"IDX file {name} has magic number {raw[:4].hex()}: its first two bytes must be zero "
                         "(is it an IDX file?)")
    type_code, ndim = raw[2], raw[3]
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
        raise ValueError(f"IDX file {name} has unknown type code 0x{type_code:02X} (known: {known})")
    if ndim == 0:
        raise ValueError(f"IDX file {name} declares zero dimensions")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"IDX file {name} is truncated: {ndim} dimensions need a {header_size}-byte header, "
                         f"the file has {len(raw)} bytes")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header_size
    if actual != expected:
        raise ValueError(f"IDX file {name} has {actual} bytes of data, but its shape {shape} of "
                         f"{dtype.newbyteorder('=').name} needs {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape).astype(dtype.newbyteorder("="))


#: The standard MNIST file names (each may also end in .gz; some copies write train-images.idx3-ubyte).
MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def _find_mnist_file(directory, stem):
    head, idx, ubyte = stem.rsplit("-", 2)
    dotted = f"{head}.{idx}-{ubyte}"  # train-images.idx3-ubyte
    for candidate in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    raise ValueError(f"MNIST file {stem} (or {stem}.gz) not found in {str(directory)!r}")


def load_mnist(directory, *, threshold=127.5):
    """MNIST from its four standard IDX files in ``directory``, binarised at ``threshold``.

    Reads ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``
    and ``t10k-labels-idx1-ubyte`` (each possibly gzipped, ``.gz``). Pixels (0-255) become 1 when
    above ``threshold`` (default 127.5, i.e. 0.5 after scaling to [0, 1]). The split is MNIST's
    own: 60,000 training and 10,000 test images. Nothing is downloaded.

    Returns
    -------
    Images
        ``image_shape`` is the images' own (28, 28) for MNIST.

    Raises
    ------
    ValueError
        When a file is missing or malformed (see :func:`load_idx`), or images and labels do not
        match.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"MNIST directory {str(directory)!r} does not exist")
    arrays = {key: load_idx(_find_mnist_file(directory, stem)) for key, stem in MNIST_FILES.items()}
    for part in ("train", "test"):
        images, labels = arrays["x_" + part], arrays["y_" + part]
        if images.ndim != 3:
            raise ValueError(f"MNIST {part} images must have 3 dimensions (n, rows, columns), got {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(f"MNIST {part} labels must be one per image: {len(images)} images, "
                             f"labels of shape {labels.shape}")
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise ValueError(f"MNIST train and test images differ in size: {arrays['x_train'].shape[1:]} "
                         f"and {arrays['x_test'].shape[1:]}")
    shape = tuple(int(s) for s in arrays["x_train"].shape[1:])
    flat = {key: binarize(arrays[key].reshape(len(arrays[key]), -1), threshold) for key in ("x_train", "x_test")}
    return Images(flat["x_train"], flat["x_test"], arrays["y_train"].astype(np.int64),
                  arrays["y_test"].astype(np.int64), shape)
