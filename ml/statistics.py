"""Statistics of the model's record: the uncertainty of a share, and whether one model is
better than another on the same labels. No Django here.

One definition each: the Wilson interval for the live accuracy of each model version on the
site's own true labels and for visitors' agreement with it; McNemar's exact test for
comparing a candidate with the active model (compare_models, activate_model).
"""

import math

from scipy.stats import binomtest

# The standard normal quantile for a two-sided 95% interval: NormalDist().inv_cdf(0.975).
Z_95 = 1.959963984540054


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of the share successes / n (95% by default).

    Unlike the normal approximation p ± z·√(p(1-p)/n), it stays within [0, 1] and is not
    empty at 0 or n successes, so a small sample gets an honestly wide interval.
    Raises ValueError when n is not positive or successes is not between 0 and n.
    """
    if n <= 0:
        raise ValueError(f"a share needs at least one observation, not n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, not {successes}")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def mcnemar_exact_p(only_first_right: int, only_second_right: int) -> float:
    """The exact (binomial) two-sided McNemar p-value of two classifiers judged on the same
    items: of the items exactly one got right, the first got `only_first_right` and the
    second `only_second_right`; under "equally good" each is a fair coin's toss. 1.0 when
    no item separates them."""
    discordant = only_first_right + only_second_right
    if discordant == 0:
        return 1.0
    return float(binomtest(only_first_right, discordant, 0.5).pvalue)
