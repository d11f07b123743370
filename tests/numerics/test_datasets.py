"""The MLP lab's data: generators against their defining formulas, the split, the
input features against closed forms, the normaliser, and CSV uploads good and bad."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import datasets
from playground.numerics.datasets import DatasetError, make_dataset, parse_csv

NAMES = ("circle", "xor", "gaussian", "spiral", "moons", "three_class")
N_CLASSES = {"circle": 2, "xor": 2, "gaussian": 2, "spiral": 2, "moons": 2, "three_class": 3}


# --------------------------------------------------------------------------- generators


def test_registry_names_are_the_ones_users_see():
    assert tuple(datasets.DATASETS) == NAMES
    assert tuple(datasets.CLASS_NAMES) == NAMES
    with pytest.raises(TypeError):
        datasets.DATASETS["mine"] = datasets.circle


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n_points", [4, 7, 200])
@pytest.mark.parametrize("noise", [0.0, 50.0])
def test_shapes_dtypes_and_labels(name, n_points, noise):
    data = make_dataset(name, n_points=n_points, noise=noise, seed=3)
    assert data.X.shape == (n_points, 2) and data.X.dtype == np.float64
    assert data.y.shape == (n_points,) and data.y.dtype == np.int64
    assert data.n_classes == N_CLASSES[name] == len(data.class_names)
    assert data.name == name and len(data) == data.n_points == n_points
    assert np.all(np.isfinite(data.X))
    assert set(data.y.tolist()) <= set(range(data.n_classes))
    if n_points == 200:
        assert set(data.y.tolist()) == set(range(data.n_classes))
        assert np.all(np.abs(data.X) < 6.0 if noise == 0 else np.abs(data.X) < 12.0)
    assert not data.X.flags.writeable and not data.y.flags.writeable


@pytest.mark.parametrize("name", NAMES)
def test_generators_share_one_signature(name):
    X, y = datasets.DATASETS[name](10, 20.0, np.random.default_rng(0))
    assert X.shape == (10, 2) and y.shape == (10,) and y.dtype == np.int64
    X2, y2 = datasets.DATASETS[name](10, 20.0, 0)  # an integer seed works too
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("name", NAMES)
def test_reproducible_by_seed(name):
    a = make_dataset(name, 100, noise=20.0, seed=5)
    b = make_dataset(name, 100, noise=20.0, seed=5)
    c = make_dataset(name, 100, noise=20.0, seed=6)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    if name != "spiral":  # TF's spiral has no randomness without noise
        assert not np.array_equal(make_dataset(name, 100, 0.0, 1).X,
                                  make_dataset(name, 100, 0.0, 2).X)


def test_circle_without_noise_is_separated_by_the_radii():
    data = make_dataset("circle", 500, noise=0.0, seed=1)
    r = np.hypot(data.X[:, 0], data.X[:, 1])
    assert np.all(r[data.y == 1] < 2.5)
    assert np.all((r[data.y == 0] >= 3.5) & (r[data.y == 0] <= 5.0))
    assert np.sum(data.y == 1) == 250


def test_circle_noise_flips_labels_near_the_border_only():
    data = make_dataset("circle", 2000, noise=50.0, seed=1)
    r = np.hypot(data.X[:, 0], data.X[:, 1])
    inner_is_inside = data.y[r < 2.5] == 1
    assert 0.3 < inner_is_inside.mean() < 1.0  # some labels flipped, most not
    # jitter is at most 5·0.5 = 2.5 per axis, so no point moves further than 2.5·√2
    assert np.all(data.y[r > 2.5 + 2.5 * math.sqrt(2)] == 0)


def test_xor_labels_are_the_sign_of_the_product():
    data = make_dataset("xor", 1000, noise=0.0, seed=2)
    x1, x2 = data.X.T
    assert np.all(np.abs(data.X) >= 0.3) and np.all(np.abs(data.X) <= 5.3)
    np.testing.assert_array_equal(data.y, (np.sign(x1 * x2) > 0).astype(np.int64))


def test_gaussian_blobs_sit_at_tf_centres_with_tf_variance():
    data = make_dataset("gaussian", 4000, noise=50.0, seed=3)
    for label, centre in ((1, (2.0, 2.0)), (0, (-2.0, -2.0))):
        blob = data.X[data.y == label]
        np.testing.assert_allclose(blob.mean(axis=0), centre, atol=0.15)
        np.testing.assert_allclose(blob.var(axis=0), 4.0, rtol=0.1)  # 0.5 + 7·0.5


def test_spiral_without_noise_follows_the_formula():
    n = 10
    data = make_dataset("spiral", n, noise=0.0, seed=0)
    m = n // 2
    for k in (0, 1):
        i = np.arange(m)
        r, t = 5 * i / m, 1.75 * 2 * np.pi * i / m + (1 - k) * np.pi
        expected = np.column_stack([r * np.sin(t), r * np.cos(t)])
        np.testing.assert_allclose(data.X[data.y == k], expected, atol=1e-12)


def test_moons_without_noise_lie_on_their_half_circles():
    data = make_dataset("moons", 300, noise=0.0, seed=4)
    p = data.X / 3.0 + np.array([0.5, 0.25])  # undo the scaling
    upper, lower = p[data.y == 0], p[data.y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5)


def test_three_class_has_three_blobs_at_120_degrees():
    data = make_dataset("three_class", 3000, noise=0.0, seed=5)
    assert data.n_classes == 3 and np.bincount(data.y).tolist() == [1000, 1000, 1000]
    means = np.array([data.X[data.y == k].mean(axis=0) for k in range(3)])
    angles = np.degrees(np.arctan2(means[:, 1], means[:, 0])) % 360
    np.testing.assert_allclose(angles, [90, 210, 330], atol=2.0)
    np.testing.assert_allclose(np.hypot(*means.T), 3.5, atol=0.1)
    assert np.bincount(make_dataset("three_class", 7).y).tolist() == [3, 2, 2]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"name": "spirals"}, "unknown data set 'spirals'"),
        ({"name": "circle", "n_points": 3}, "number of points"),
        ({"name": "circle", "n_points": 5001}, "4 to 5000"),
        ({"name": "circle", "n_points": 10.0}, "integer"),
        ({"name": "circle", "noise": -1}, "noise"),
        ({"name": "circle", "noise": 50.5}, "0 to 50"),
        ({"name": "circle", "noise": float("nan")}, "noise"),
        ({"name": "circle", "seed": -1}, "seed"),
        ({"name": "circle", "seed": 1.5}, "seed"),
    ],
)
def test_make_dataset_validates_its_arguments(kwargs, words):
    with pytest.raises(DatasetError, match=words) as info:
        make_dataset(**kwargs)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- split


@pytest.mark.parametrize("n, ratio, n_train", [(200, 50, 100), (200, 80, 160), (7, 50, 4),
                                               (4, 10, 1), (4, 90, 3), (101, 33.3, 34),
                                               (4, 95, 3), (4, 100, 4), (200, 100, 200)])
def test_split_sizes_and_disjointness(n, ratio, n_train):
    data = make_dataset("gaussian", n, noise=10.0, seed=1)
    train, valid = datasets.split(data, ratio, seed=9)
    assert len(train) == n_train and len(valid) == n - n_train
    both = np.concatenate([train.X, valid.X])
    labels = np.concatenate([train.y, valid.y])
    # together a permutation of the data: every point used once, with its label
    order = np.lexsort(both.T[::-1])
    original = np.lexsort(data.X.T[::-1])
    np.testing.assert_array_equal(both[order], data.X[original])
    np.testing.assert_array_equal(labels[order], data.y[original])
    for part in (train, valid):
        assert part.n_classes == data.n_classes and part.class_names == data.class_names


def test_a_training_share_of_100_percent_keeps_no_validation_part():
    """Issue #11: XOR's four-row truth table trains on all four points."""
    table = datasets.parse_csv("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    train, valid = datasets.split(table, 100, seed=0)
    assert len(train) == 4 and len(valid) == 0
    assert valid.X.shape == (0, 2) and valid.y.shape == (0,)
    np.testing.assert_array_equal(np.sort(train.X, axis=0), np.sort(table.X, axis=0))
    assert datasets.training_count(4, 100) == 4 and datasets.training_count(4, 99.9) == 3


def test_split_is_reproducible_and_seeded():
    data = make_dataset("spiral", 100, noise=10.0, seed=1)
    a, _ = datasets.split(data, 70, seed=3)
    b, _ = datasets.split(data, 70, seed=3)
    c, _ = datasets.split(data, 70, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    # a real shuffle: the training part is not the first 70 points
    assert not np.array_equal(a.X, data.X[:70])


@pytest.mark.parametrize("ratio, seed, words", [(5, 0, "training share"), (105, 0, "10 to 100"),
                                                 (50, -2, "seed"), ("50", 0, "percentage")])
def test_split_validates_its_arguments(ratio, seed, words):
    with pytest.raises(DatasetError, match=words):
        datasets.split(make_dataset("xor", 20), ratio, seed)


# --------------------------------------------------------------------------- features

POINTS = np.array([[0.5, -2.0], [3.0, 1.5], [-1.25, 0.0], [0.0, 4.0]])

CLOSED_FORMS = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1_sq": lambda a, b: a * a,
    "x2_sq": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sin_x1": lambda a, b: math.sin(a),
    "sin_x2": lambda a, b: math.sin(b),
}


def test_feature_registry_and_labels():
    assert tuple(datasets.FEATURES) == tuple(CLOSED_FORMS)
    assert tuple(datasets.FEATURE_LABELS) == tuple(CLOSED_FORMS)


@pytest.mark.parametrize("name", CLOSED_FORMS)
def test_each_feature_against_its_closed_form(name):
    column = datasets.feature_matrix(POINTS, [name])
    expected = [[CLOSED_FORMS[name](a, b)] for a, b in POINTS.tolist()]
    np.testing.assert_allclose(column, expected, rtol=1e-15, atol=0)


def test_feature_matrix_keeps_the_given_order_and_traces_under_jit():
    names = ["sin_x2", "x1", "x1x2"]
    matrix = datasets.feature_matrix(POINTS, names)
    assert matrix.shape == (4, 3) and matrix.dtype == np.float64 and isinstance(matrix, np.ndarray)
    expected = [[CLOSED_FORMS[f](a, b) for f in names] for a, b in POINTS.tolist()]
    np.testing.assert_allclose(matrix, expected, rtol=1e-15)
    jitted = jax.jit(lambda X: datasets.feature_matrix(X, names))(jnp.asarray(POINTS))
    assert jitted.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(jitted), expected, rtol=1e-14)


@pytest.mark.parametrize("names, words", [
    ([], "at least one"), (["x3"], "unknown feature 'x3'"),
    ("x1", "list of names"), (["x1", "x1"], "more than once"),
])
def test_feature_matrix_rejects_bad_names(names, words):
    with pytest.raises(DatasetError, match=words):
        datasets.feature_matrix(POINTS, names)


# --------------------------------------------------------------------------- normaliser


def test_normaliser_standardises_the_training_data_only():
    data = make_dataset("gaussian", 300, noise=30.0, seed=2)
    train, valid = datasets.split(data, 70, seed=0)
    features = datasets.feature_matrix(train.X, ["x1", "x2", "x1_sq", "x1x2"])
    normaliser = datasets.fit_normaliser(features)
    mean, std = normaliser
    np.testing.assert_allclose(mean, features.mean(axis=0))
    np.testing.assert_allclose(std, features.std(axis=0))
    z = normaliser(features)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    # validation data is transformed with the training statistics, not its own
    v = datasets.feature_matrix(valid.X, ["x1", "x2", "x1_sq", "x1x2"])
    np.testing.assert_allclose(datasets.normalise(v, mean, std), (v - mean) / std)
    assert not np.allclose(datasets.normalise(v, mean, std).mean(axis=0), 0.0, atol=1e-12)


def test_constant_column_is_only_centred_and_jax_in_gives_jax_out():
    X = np.column_stack([np.full(5, 0.1), np.arange(5.0)])
    mean, std = datasets.fit_normaliser(X)
    assert std[0] == 1.0 and std[1] == pytest.approx(math.sqrt(2.0))
    z = datasets.normalise(X, mean, std)
    np.testing.assert_allclose(z[:, 0], 0.0, atol=1e-15)
    zj = datasets.normalise(jnp.asarray(X), mean, std)
    assert isinstance(zj, jax.Array)
    np.testing.assert_allclose(np.asarray(zj), z)


# --------------------------------------------------------------------------- CSV


def test_csv_without_header_with_integer_labels():
    data = parse_csv("0,0,0\n1,0,1\n0,1,1\n1,1,0\n")
    np.testing.assert_array_equal(data.X, [[0, 0], [1, 0], [0, 1], [1, 1]])
    assert data.y.tolist() == [0, 1, 1, 0] and data.y.dtype == np.int64
    assert data.n_classes == 2 and data.class_names == ("0", "1") and data.name == "upload"


def test_csv_with_header_and_string_labels_in_order_of_appearance():
    text = "x1,x2,species\n1.5,-2e-1,virginica\n.5,3,setosa\n-1,+2,virginica\n0,0,versicolor\n"
    data = parse_csv(text)
    np.testing.assert_array_equal(data.X, [[1.5, -0.2], [0.5, 3], [-1, 2], [0, 0]])
    assert data.y.tolist() == [0, 1, 0, 2]
    assert data.class_names == ("virginica", "setosa", "versicolor") and data.n_classes == 3


def test_csv_crlf_bom_whitespace_quotes_and_blank_lines():
    text = '\ufeff x1 , x2 , label \r\n 1 , 2 , "a" \r\n3,4,b\r\n\r\n5,6,"a"\r\n7,8,b\r\n\r\n  \r\n'
    for payload in (text, text.encode("utf-8"), text.replace("\ufeff", "").encode("utf-8-sig")):
        data = parse_csv(payload)
        np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
        assert data.y.tolist() == [0, 1, 0, 1] and data.class_names == ("a", "b")


def test_csv_whole_number_labels_written_as_decimals_and_limits_inclusive():
    data = parse_csv("0,0,0.0\n1,0,1.0\n0,1,2\n1,1,0\n", max_classes=3)
    assert data.y.tolist() == [0, 1, 2, 0] and data.n_classes == 3
    rows = "".join(f"{i},{i},{i % 2}\n" for i in range(5))
    assert len(parse_csv(rows, max_rows=5, max_bytes=len(rows))) == 5


def _rows(labels, start=0):
    return "".join(f"{i + start},{i},{label}\n" for i, label in enumerate(labels))


BAD_FILES = [
    ("", "empty"),
    ("\n  \r\n\n", "empty"),
    (_rows([0, 1] * 20), "too large"),  # with max_bytes=100 below
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"1,2,0\n3,4,\xff\n", "not UTF-8"),
    ("x1,x2,label\n1,2,0\n".encode("utf-16"), "UTF-16 text, not UTF-8"),
    ("x1,x2,label\n1,2,0\n3,4\n5,6,1\n7,8,1\n", "line 3: expected 3 comma-separated"),
    ("1,2,0\n3,4,1\n5,6,1,9\n7,8,0\n", "line 3: .* found 4"),
    ("1;2;0\n3;4;1\n5;6;1\n7;8;0\n", "line 1: .*separate the values with commas"),
    ("x1,x2,label\n1,2,0\n3,4,1\n5,abc,1\n7,8,0\n", "line 4: x2 is not a number: 'abc'"),
    ("1,2,0\n3,4,1\nx1,x2,label\n7,8,0\n9,9,1\n", "line 3: x1 is not a number"),
    ("1,2,0\n3,4,1\n5,nan,1\n7,8,0\n", "line 3: x2 is not a finite number: 'nan'"),
    ("1,2,0\n-inf,4,1\n5,6,1\n7,8,0\n", "line 2: x1 is not a finite number: '-inf'"),
    ("1,2,0\n3,4,1\n1e400,6,1\n7,8,0\n", "line 3: x1 is not a finite"),
    ("1,2,0\n3,1_0,1\n5,6,1\n7,8,0\n", "line 2: x2 is not a number: '1_0'"),
    (_rows(["cat"] * 6), "only one class .*'cat'.*at least 2"),
    (_rows(list("abcdefghijk")), "too many classes: 11 .*limit is 10"),
    ("x1,x2,label\n1,2,0\n3,4,1\n5,6,1\n", "only 3 data rows; need at least 4"),
    ("x1,x2,label\n", "only 0 data rows"),
    (_rows([1, 2, 1, 2]), "exactly 0..1 .*found 1, 2"),
    (_rows([-1, 1, -1, 1]), "exactly 0..1 .*found -1, 1"),
    (_rows([0, 1, 3, 0]), "exactly 0..2 .*found 0, 1, 3"),
    (_rows([0, 0.5, 1, 1]), "line 2: label '0.5' is not a whole number"),
    ("1,2,0\n3,4,\n5,6,1\n7,8,0\n", "line 2: the label is empty"),
    ("1,2,0\n3,,1\n5,6,1\n7,8,0\n", "line 2: x2 is not a number: ''"),
    (_rows([0, 1] * 4), "too many rows: more than 5 "),  # with max_rows=5 below
]


@pytest.mark.parametrize("payload, words", BAD_FILES)
def test_bad_csv_files_are_rejected_with_a_clear_message(payload, words):
    with pytest.raises(DatasetError, match=words) as info:
        parse_csv(payload, max_bytes=100 if words == "too large" else 1_000_000,
                  max_rows=5 if words.startswith("too many rows") else 5000)
    message = str(info.value)
    assert "\n" not in message and len(message) < 200


def test_csv_rejects_other_types_and_never_evaluates():
    with pytest.raises(DatasetError, match="text or bytes"):
        parse_csv(["1,2,0"])
    with pytest.raises(DatasetError, match="not a number"):
        parse_csv("__import__('os').getcwd(),1,0\n1,2,0\n" * 3)


def test_a_label_of_thousands_of_digits_is_named_not_pythons_int_limit():
    """Python's int() refuses over 4,300 digits with its own message; the file gets ours."""
    text = "x1,x2,label\n1,2,0\n3,4,1\n5,6,0\n7,8," + "9" * 4301 + "\n"
    with pytest.raises(DatasetError) as e:
        parse_csv(text)
    assert "line 5" in str(e.value) and "class number" in str(e.value)
    assert "Exceeds" not in str(e.value) and len(str(e.value)) < 120


@pytest.mark.parametrize("value", ["1e308", "-2e6", "1000001"])
def test_coordinates_beyond_float32s_comfort_are_refused(value):
    """The network computes in float32 (x1² of 1e308 is inf): the file says so, instead of
    NaN losses blamed on the learning rate."""
    text = f"1,2,0\n3,4,1\n5,6,0\n{value},8,1\n"
    with pytest.raises(DatasetError, match=r"line 4: x1 = .* outside ±1e\+06"):
        parse_csv(text)
    parse_csv("1,2,0\n3,4,1\n5,6,0\n1e6,8,1\n")  # the limit itself is fine


def test_prepare_splits_measures_and_normalises_as_the_lab_and_the_command_line_train():
    full = datasets.make_dataset("circle", 100, 0.0, 3)
    d = datasets.prepare(full, 70.0, 3, ("x1", "x2", "x1x2"), normalised=True)
    train, val = datasets.split(full, 70.0, 3)
    np.testing.assert_array_equal(d.train.X, train.X)
    np.testing.assert_array_equal(d.held_out.X, val.X)
    assert d.x_train.shape == (70, 3) and d.x_val.shape == (30, 3)
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.x_train.std(axis=0), 1.0)
    # The validation part with the training part's mean and deviation, not its own.
    raw = train.X[:, 0] * train.X[:, 1]
    expected = (val.X[:, 0] * val.X[:, 1] - raw.mean()) / raw.std()
    np.testing.assert_allclose(d.x_val[:, 2], expected)
    alone = datasets.prepare(full, 100.0, 3, ("x1", "x2"), normalised=False)
    assert len(alone.val) == 0 and alone.held_out is alone.train
    np.testing.assert_array_equal(alone.x_val, alone.train.X)
