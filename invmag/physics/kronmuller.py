"""The Kronmüller analysis of a coercivity mechanism: µ0Hc(T) = α·µ0H_A(T) − N_eff·Js(T)
(H. Kronmüller, K.-D. Durst and M. Sagawa, J. Magn. Magn. Mater. 74, 291 (1988)). α says how
much of the anisotropy field the microstructure keeps (α_K·α_ψ: defects and misaligned grains),
N_eff the local demagnetizing fields. Fields in tesla, T in kelvin."""

from dataclasses import dataclass

import numpy as np


@dataclass
class KronmullerFit:
    """alpha (1), n_eff (1), residual: RMS of µ0Hc − the fit over the temperatures (T);
    T (n,) K; hc (n,), ha (n,), js (n,) in T: µ0Hc, µ0H_A and Js at each temperature;
    alpha_se, n_eff_se: their standard errors, the square roots of the diagonal of the
    least-squares covariance s²·(XᵀX)⁻¹, s² = Σ residual² / (n − 2) (NaN for two points, an
    exact fit)."""

    alpha: float
    n_eff: float
    residual: float
    T: np.ndarray
    hc: np.ndarray
    ha: np.ndarray
    js: np.ndarray
    alpha_se: float = float("nan")
    n_eff_se: float = float("nan")

    def predict(self, ha, js):
        """µ0Hc (T) of the fit at µ0H_A and Js (T)."""
        return self.alpha * np.asarray(ha) - self.n_eff * np.asarray(js)


def kronmuller_fit(T, hc, ha, js) -> KronmullerFit:
    """Least-squares α and N_eff of µ0Hc = α·µ0H_A − N_eff·Js over temperatures T (n ≥ 2, K;
    all fields in tesla). ValueError for fewer than two finite points."""
    T, hc, ha, js = (np.asarray(v, float) for v in (T, hc, ha, js))
    ok = np.isfinite(hc)
    if ok.sum() < 2:
        raise ValueError("the Kronmüller fit needs the coercive field at two temperatures or "
                         f"more, got {int(ok.sum())}")
    X = np.c_[ha[ok], -js[ok]]
    (alpha, n_eff), *_ = np.linalg.lstsq(X, hc[ok], rcond=None)
    r = X @ [alpha, n_eff] - hc[ok]
    residual = float(np.sqrt(np.mean(r ** 2)))
    n = int(ok.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = float(r @ r) / (n - 2) if n > 2 else float("nan")
        se = np.sqrt(s2 * np.diag(np.linalg.pinv(X.T @ X)))
    return KronmullerFit(float(alpha), float(n_eff), residual, T, hc, ha, js, float(se[0]),
                         float(se[1]))
