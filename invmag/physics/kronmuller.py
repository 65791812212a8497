"""The Kronmüller analysis of a coercivity mechanism: µ0Hc(T) = α·µ0H_A(T) − N_eff·Js(T)
(H. Kronmüller, K.-D. Durst and M. Sagawa, J. Magn. Magn. Mater. 74, 291 (1988)). α says how
much of the anisotropy field the microstructure keeps (α_K·α_ψ: defects and misaligned grains),
N_eff the local demagnetizing fields. Fields in tesla, T in kelvin."""

from dataclasses import dataclass

import numpy as np


@dataclass
class KronmullerFit:
    """alpha (1), n_eff (1), residual: RMS of µ0Hc − the fit over the temperatures (T);
    T (n,) K; hc (n,), ha (n,), js (n,) in T: µ0Hc, µ0H_A and Js at each temperature."""

    alpha: float
    n_eff: float
    residual: float
    T: np.ndarray
    hc: np.ndarray
    ha: np.ndarray
    js: np.ndarray

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
    residual = float(np.sqrt(np.mean((X @ [alpha, n_eff] - hc[ok]) ** 2)))
    return KronmullerFit(float(alpha), float(n_eff), residual, T, hc, ha, js)
