"""logistic_path: the grid's start, warm-started fits equal to single fits."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from sklreg import LogisticRegression, logistic_path


@pytest.fixture(scope="module", params=[2, 3], ids=["binary", "multiclass"])
def data(request):
    X, y = make_classification(
        120,
        10,
        n_informative=5,
        n_classes=request.param,
        n_clusters_per_class=1,
        random_state=0,
    )
    return X, y


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("factors", [None, [0, 1, 2, 1, 1, 1, np.inf, 1, 1, 0.5]])
def test_grid_starts_where_every_penalised_coefficient_is_zero(data, l1_ratio, factors):
    X, y = data
    coefs, Cs, _, _ = logistic_path(
        X, y, Cs=4, l1_ratio=l1_ratio, tol=1e-12, penalty_factor=factors
    )
    f = np.ones(10) if factors is None else np.asarray(factors, float)
    pen = (f > 0) & np.isfinite(f)
    first = np.atleast_2d(coefs[0])[:, :-1]
    assert np.all(first[:, pen] == 0)
    if factors is not None:
        assert np.all(first[:, f == 0] != 0)  # fitted with the intercept
    # a little more C and some penalised coefficient enters
    clf = LogisticRegression(
        C=Cs[0] * 1.05, l1_ratio=l1_ratio, tol=1e-12, penalty_factor=factors
    ).fit(X, y)
    assert np.any(clf.coef_[:, pen] != 0)
    np.testing.assert_allclose(Cs[-1] / Cs[0], 1e3)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
@pytest.mark.parametrize("sparse", [False, True])
def test_path_points_are_the_single_fits(data, l1_ratio, sparse):
    X, y = data
    sw = np.random.RandomState(0).uniform(0.5, 2, X.shape[0])
    Xf = sp.csr_matrix(X) if sparse else X
    Cs = [3.0, 0.01, 0.3]  # unsorted: the results keep this order
    coefs, Cs_out, n_iter, gaps = logistic_path(
        Xf, y, Cs=Cs, l1_ratio=l1_ratio, tol=1e-13, sample_weight=sw
    )
    np.testing.assert_array_equal(Cs_out, Cs)
    assert n_iter.shape == gaps.shape == (3,)
    for i, C in enumerate(Cs):
        clf = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-13).fit(
            Xf, y, sample_weight=sw
        )
        got = np.atleast_2d(coefs[i])
        # both within a gap of 1e-13 * C * sum(sw) of the optimum
        np.testing.assert_allclose(got[:, :-1], clf.coef_, atol=1e-5)
        np.testing.assert_allclose(got[:, -1], clf.intercept_, atol=1e-5)
        assert gaps[i] <= 1e-13 * C * sw.sum()


def test_l2_grid_is_scikit_learns(data):
    X, y = data
    coefs, Cs, _, _ = logistic_path(X, y, Cs=5, fit_intercept=False)
    np.testing.assert_allclose(Cs, np.logspace(-4, 4, 5))
    assert coefs.shape[-1] == X.shape[1]


def test_path_rejects_one_class(data):
    X, y = data
    with pytest.raises(ValueError, match="only one class"):
        logistic_path(X, np.zeros_like(y))
