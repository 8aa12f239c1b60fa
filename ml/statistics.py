"""Statistics of the model's record: the uncertainty of a share. No Django here.

One definition, used for the live accuracy of each model version on the site's own true
labels and for visitors' agreement with it.
"""

import math

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
