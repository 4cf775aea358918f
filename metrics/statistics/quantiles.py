"""The few quantiles every evaluation asks for, as scipy.special gives them, without importing scipy.

Every interval and forecast is at 95%: the normal quantile of the Wilson and Byar intervals, the exact Poisson
limits of counts below 10 (:mod:`metrics.statistics.intervals`) and the t quantile of a forecast's prediction
interval through at most 24 points (:mod:`metrics.statistics.trend`). Importing scipy.special costs about
0.17 s of CPU (it loads scipy's array-API layer, and with it numpy.f2py), a sixth of a cold
``outcomes evaluate``; these values are scipy's own, kept here as literals, and any other argument (another
confidence, a larger df, a count that is not a whole number below 11) is asked of scipy itself, imported then.
``tests/test_quantiles.py`` checks every kept value is the one scipy returns, bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The upper quantile of a two-sided 95% interval, written as the callers compute it (1 - (1 - c) / 2).
Q95 = 1 - (1 - 0.95) / 2
#: The lower one, as the exact Poisson interval computes it (alpha / 2 with alpha = 1 - c): 0.025 plus rounding.
Q95_LOWER = (1 - 0.95) / 2

#: scipy.special.ndtri(p)
_NORMAL = {Q95: 1.959963984540054}

#: scipy.special.stdtrit(df, Q95), df 1 to 30
_STUDENT_T = {
    1: 12.706204736174694, 2: 4.302652729749462, 3: 3.1824463052837078, 4: 2.7764451051977934,
    5: 2.5705818356363146, 6: 2.4469118511449786, 7: 2.364624251592784, 8: 2.306004135204166,
    9: 2.262157162798205, 10: 2.228138851986274, 11: 2.200985160091639, 12: 2.1788128296672284,
    13: 2.1603686564627913, 14: 2.144786687917804, 15: 2.131449545559776, 16: 2.1199052992212546,
    17: 2.1098155778333156, 18: 2.1009220402410382, 19: 2.0930240544083087, 20: 2.085963447265864,
    21: 2.0796138447276795, 22: 2.0738730679040254, 23: 2.0686576104190486, 24: 2.0638985616280245,
    25: 2.0595385527532972, 26: 2.0555294386428735, 27: 2.0518305164802846, 28: 2.0484071417952454,
    29: 2.045229642132703, 30: 2.0422724563012378,
}

#: scipy.special.gammaincinv(a, q), a 0 to 10, for each of the two tails (NaN at a = 0, as scipy gives)
_GAMMA = {
    Q95_LOWER: (float("nan"), 0.025317807984289897, 0.24220927854396507, 0.6186721228956015, 1.089865373626325,
                1.623486390118421, 2.201894253490851, 2.814363051519867, 3.4538321767485023, 4.115373097378334,
                4.7953886961324335),
    Q95: (float("nan"), 3.6888794541139354, 5.571643390938898, 7.22468766772396, 8.767273069742323,
          10.241588675403694, 11.66833207932267, 13.059474022518685, 14.422675361702376, 15.763189220193313,
          17.084803451419166),
}


def _scipy_special() -> Any:
    import scipy.special  # only for an argument not kept above

    return scipy.special


def ndtri(p: float) -> float:
    """The standard normal quantile (scipy.special.ndtri)."""
    kept = _NORMAL.get(p)
    return kept if kept is not None else float(_scipy_special().ndtri(p))


def stdtrit(df: int, p: float) -> float:
    """Student's t quantile with ``df`` degrees of freedom (scipy.special.stdtrit)."""
    kept = _STUDENT_T.get(df) if p == Q95 else None
    return kept if kept is not None else float(_scipy_special().stdtrit(df, p))


def gammaincinv(a: np.ndarray, q: float) -> np.ndarray:
    """The inverse of the regularised lower incomplete gamma function, element by element
    (scipy.special.gammaincinv), for a float64 array ``a``."""
    kept = _GAMMA.get(q)
    if kept is not None and bool(np.all((a >= 0) & (a < len(kept)) & (a == np.floor(a)))):
        return np.asarray(kept, dtype="float64")[a.astype(np.intp)]
    return _scipy_special().gammaincinv(a, q)
