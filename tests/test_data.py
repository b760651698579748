"""Tests of reparam.data: the binarised digits split, and the IDX / MNIST readers on tiny files written here.

Nothing is downloaded: the MNIST tests write four small IDX files (some gzipped) to a temporary
directory in the standard layout and read them back.
"""
import gzip

import numpy as np
import pytest

from reparam import data


def idx_bytes(array, type_code=0x08):
    """The IDX encoding of ``array``: magic number, big-endian sizes, big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(data.IDX_TYPES[type_code]).tobytes()


# --------------------------------------------------------------------------- digits

def test_digits_split_is_fixed_binary_and_disjoint():
    a = data.load_digits_binarized()
    b = data.load_digits_binarized()
    assert a.x_train.shape == (1497, 64) and a.x_test.shape == (300, 64) and a.image_shape == (8, 8)
    assert a.x_train.dtype == np.float32
    assert set(np.unique(a.x_train)) == {0.0, 1.0}
    np.testing.assert_array_equal(a.x_train, b.x_train)  # the default split is the same every time
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert sorted(np.unique(a.y_train)) == list(range(10))
    # the two sets partition the 1,797 images: together they hold each image exactly once
    from sklearn.datasets import load_digits
    raw = load_digits()
    together = np.concatenate([a.x_train, a.x_test])
    assert together.shape[0] == len(raw.target)
    expected = np.sort(data.binarize(raw.data, 7.5).view(np.void(64 * 4)).ravel())
    np.testing.assert_array_equal(np.sort(np.ascontiguousarray(together).view(np.void(64 * 4)).ravel()), expected)


def test_digits_split_depends_on_seed_and_size():
    a = data.load_digits_binarized(rng=0)
    c = data.load_digits_binarized(rng=1)
    assert not np.array_equal(a.y_test, c.y_test)
    d = data.load_digits_binarized(n_test=100)
    assert d.x_test.shape == (100, 64) and d.x_train.shape == (1697, 64)


@pytest.mark.parametrize("n_test", [0, -1, 1797, 2.5, True])
def test_digits_bad_n_test(n_test):
    with pytest.raises(ValueError, match="n_test"):
        data.load_digits_binarized(n_test=n_test)


def test_binarize_threshold():
    np.testing.assert_array_equal(data.binarize([0, 7, 8, 16], 7.5), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="threshold"):
        data.binarize([1, 2], float("nan"))
    with pytest.raises(ValueError, match="images"):
        data.binarize(["a"], 0.5)


# --------------------------------------------------------------------------- IDX

@pytest.mark.parametrize("type_code", sorted(data.IDX_TYPES))
@pytest.mark.parametrize("compress", [False, True])
def test_load_idx_round_trip(tmp_path, type_code, compress):
    array = np.arange(24).reshape(2, 3, 4) % 100
    raw = idx_bytes(array, type_code)
    path = tmp_path / "a-idx3"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    loaded = data.load_idx(path)
    assert loaded.shape == (2, 3, 4)
    assert loaded.dtype == data.IDX_TYPES[type_code].newbyteorder("=")
    np.testing.assert_array_equal(loaded, array)


def test_load_idx_reads_big_endian_values(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2]) + bytes([0x01, 0x02, 0xFF, 0xFE]))
    np.testing.assert_array_equal(data.load_idx(path), [258, -2])


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00", "too short"),
    (b"\x01\x00\x08\x01" + (1).to_bytes(4, "big") + b"\x00", "first two bytes must be zero"),
    (b"\x00\x00\x07\x01" + (1).to_bytes(4, "big") + b"\x00", "unknown type code 0x07"),
    (b"\x00\x00\x08\x00", "zero dimensions"),
    (b"\x00\x00\x08\x02" + (1).to_bytes(4, "big"), "truncated"),
    (b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"\x00\x01", "has 2 bytes of data, but its shape"),
    (b"\x00\x00\x08\x01" + (1).to_bytes(4, "big") + b"\x00\x01", "has 2 bytes of data, but its shape"),
    (b"\x1f\x8b\x08\x00garbage", "cannot be decompressed"),
])
def test_load_idx_malformed(tmp_path, raw, message):
    path = tmp_path / "bad"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message) as info:
        data.load_idx(path)
    assert "bad" in str(info.value)  # the message names the file


def test_load_idx_missing_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        data.load_idx(tmp_path / "nope")


# --------------------------------------------------------------------------- MNIST

def write_mnist(directory, n_train=5, n_test=3, size=4, gz=(True, False, True, False), dotted=False):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, size, size)),
        "y_train": rng.integers(0, 10, n_train),
        "x_test": rng.integers(0, 256, (n_test, size, size)),
        "y_test": rng.integers(0, 10, n_test),
    }
    for (key, stem), compress in zip(data.MNIST_FILES.items(), gz):
        if dotted:
            head, idx, ubyte = stem.rsplit("-", 2)
            stem = f"{head}.{idx}-{ubyte}"
        raw = idx_bytes(arrays[key])
        (directory / (stem + (".gz" if compress else ""))).write_bytes(gzip.compress(raw) if compress else raw)
    return arrays


@pytest.mark.parametrize("dotted", [False, True])
def test_load_mnist_tiny(tmp_path, dotted):
    arrays = write_mnist(tmp_path, dotted=dotted)
    mnist = data.load_mnist(tmp_path)
    assert mnist.image_shape == (4, 4)
    assert mnist.x_train.shape == (5, 16) and mnist.x_test.shape == (3, 16)
    np.testing.assert_array_equal(mnist.x_train, (arrays["x_train"].reshape(5, 16) > 127.5).astype(np.float32))
    np.testing.assert_array_equal(mnist.x_test, (arrays["x_test"].reshape(3, 16) > 127.5).astype(np.float32))
    np.testing.assert_array_equal(mnist.y_train, arrays["y_train"])
    np.testing.assert_array_equal(mnist.y_test, arrays["y_test"])


def test_load_mnist_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        data.load_mnist(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte"):  # names the missing file
        write_mnist(tmp_path)
        (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
        data.load_mnist(tmp_path)


def test_load_mnist_labels_must_match(tmp_path):
    write_mnist(tmp_path, gz=(False,) * 4)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(2)))
    with pytest.raises(ValueError, match="one per image"):
        data.load_mnist(tmp_path)
