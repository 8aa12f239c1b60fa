"""The Wilson score interval and McNemar's exact test, against values worked out by hand."""

import math

import pytest

from ml.statistics import Z_95, mcnemar_exact_p, wilson_interval


def test_z_95_is_the_normal_quantile_of_0_975():
    assert 0.5 * math.erfc(-Z_95 / math.sqrt(2)) == pytest.approx(0.975, abs=1e-12)


def test_wilson_interval_of_8_in_10():
    # p = 0.8, z² = 3.8415: centre (0.8 + 0.19207) / 1.38415 = 0.71674,
    # half-width 1.96 · √(0.016 + 0.0096037) / 1.38415 = 0.22657.
    low, high = wilson_interval(8, 10)

    assert low == pytest.approx(0.49016, abs=1e-4)
    assert high == pytest.approx(0.94331, abs=1e-4)


def test_wilson_interval_of_all_right_is_not_empty():
    # p = 1, n = 4: centre (1 + 0.48019) / 1.96037 = 0.75507, half-width the same.
    low, high = wilson_interval(4, 4)

    assert low == pytest.approx(0.51009, abs=1e-4)
    assert high == 1.0


def test_wilson_interval_of_none_right_starts_at_zero():
    low, high = wilson_interval(0, 4)

    assert low == 0.0
    assert high == pytest.approx(0.48991, abs=1e-4)


@pytest.mark.parametrize(("successes", "n"), [(0, 0), (3, 2), (-1, 5)])
def test_wilson_interval_refuses_an_impossible_share(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


def test_mcnemar_exact_p_of_one_against_six():
    # Two-sided: 2 * P(X <= 1) for X ~ Binomial(7, 1/2) = 2 * (1 + 7) / 128.
    assert mcnemar_exact_p(1, 6) == pytest.approx(0.125)


def test_mcnemar_exact_p_is_symmetric():
    assert mcnemar_exact_p(6, 1) == mcnemar_exact_p(1, 6)


def test_mcnemar_exact_p_of_none_against_ten():
    assert mcnemar_exact_p(0, 10) == pytest.approx(2 / 1024)


def test_mcnemar_exact_p_without_discordant_items_is_one():
    assert mcnemar_exact_p(0, 0) == 1.0
