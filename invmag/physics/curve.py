"""Demagnetization curves of many structures at once, by bounded-step energy minimization.

Minimizer: steepest descent on the in-plane angles with Barzilai–Borwein step lengths that
alternate between the two BB formulas (Exl et al., J. Appl. Phys. 115, 17D118 (2014); fidimag's
and magnum.np's ``MinimizerBB``). The rotation of each cell is the Cayley step of magnum.np
restricted to the plane, Δθ = −2 atan(τ g / 2), and τ is bounded by ``tau_max`` so that the
descent follows the steepest-descent flow through an avalanche instead of jumping a barrier
(docs/conventions.md). A field step is converged when max |m × h_eff| < ``tolerance`` (units of Ms).
The torque is that of the model's list of field terms (terms.Micromagnet.descent: the fused
one-pass form for the standard list), so a new term needs no change here.
Once the largest torque of a structure is below ``lbfgs_torque`` (near its minimum, after any
avalanche) the descent turns into L-BFGS (Nocedal & Wright, Numerical Optimization, alg. 7.4)
with the BB step as its initial inverse Hessian and at most ``lbfgs_rotation`` per cell and step
(no more than a BB step may rotate a cell at the threshold: a looser bound, 0.1 rad, made the
state after an avalanche depend on it):
BB converges slowly along the soft modes there (on a 160 × 160 isotropic structure 40 % of all
iterations went into the last decade of torque), L-BFGS learns their curvature. Without stored
pairs the L-BFGS step is the BB step, and the pairs are forgotten when the torque rises above
``lbfgs_torque`` again or the field changes, so an avalanche is always followed by the bounded
BB flow. A structure of several materials is preconditioned (`preconditioner`): a soft cell
(a boundary phase without anisotropy) takes the step tau·P, P its stiffness ratio to the
stiffest cell's, bounded by ``tau_max`` like every step, and the BB lengths are measured in the
metric of P.

Fast protocol (``fast``), every part checked to keep the anchors of the fixed-step curve: field
steps of ``coarse`` × ``field_step`` while the state changes reversibly, on both branches; a coarse
step in which a cell rotates more than ``jump_angle`` (an irreversible jump; checked every
iteration, so the step is abandoned as soon as it happens), in which M crosses an anchor level
(0.9, 0.8, 0.7 Mr or 0) or which hits the iteration cap is undone and redone in fine steps, so
anchors are always interpolated between fine points; the curve stops once it is past Hc, or
after −H_A where M never reverses. Each step starts from the state extrapolated linearly from
the last two accepted fields when the last step was smooth (no cell rotated more than
``predict_angle``): on a reversible branch that start is O(ΔH²) from the new equilibrium, and
approaching a saddle-node the secant undershoots, so the start stays on the near side of the
barrier.

Scheduling: every slot of the batch holds one structure at its own field step. A converged slot
records M and moves to its next field at once, a finished structure leaves the batch and the
next queued one takes its place, so no structure waits for the slowest one. Every decision and
every operation is per slot, so a structure's curve is bit-for-bit the same whatever else is in
its batch and wherever (given batch-invariant FFTs and reductions, as torch's on a CPU;
tests/test_batch_independence.py).
"""

from dataclasses import dataclass
import numpy as np
import torch

from .anchors import LEVELS
from .material import Cells, Material
from .memory import reuse_freed_memory
from .slots import Slots
from .solver_settings import DTYPES, SolverSettings
from .terms import CellTensors, Micromagnet, Zeeman


@dataclass
class Curves:
    """The engine's demagnetization curves (no anchors, no retry: simulate_curves makes
    SimulatedCurves of them): H (n,) in H_A, M (N, n) in Ms (NaN where not computed),
    converged (N,) False if an accepted field step hit the iteration cap, iterations (N,) in total;
    states (N, n, ny, nx) float32, only from run(..., states=True): the magnetization angles θ
    (rad, m = (sin θ, cos θ, 0)) at each computed field, NaN elsewhere."""

    H: np.ndarray
    M: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    states: np.ndarray | None = None


PRECONDITION_MAX = 10.0  # the largest step ratio a cell gets (docs/engine.md)


def preconditioner(cells: CellTensors, several: np.ndarray) -> torch.Tensor:
    """Per cell (B, ny, nx): the diagonal preconditioner of the descent. On a soft cell (a
    moment without anisotropy: a boundary phase) P = c_max / c, c the cell's stiffness, the sum
    of its exchange-bond and anisotropy coefficients (field per unit rotation, Ms0), c_max the
    stiffest cell's, at most PRECONDITION_MAX; 1 everywhere else and on every cell of a
    structure of one material. A weakly magnetic boundary is soft (its exchange field a fraction
    of the grains', no anisotropy): one step length for all cells, set by the stiff grains,
    moves it slowly, and BB needed twice the iterations to settle it (docs/engine.md)."""
    c = cells.exchange.sum(1) + cells.anisotropy
    P = (c.amax(dim=(-2, -1), keepdim=True) / c.clamp_min(1e-30)).clamp(max=PRECONDITION_MAX)
    soft = (torch.as_tensor(several, device=c.device)[:, None, None] & (c > 0)
            & (cells.anisotropy == 0))
    return torch.where(soft, P, torch.ones_like(P))


class CurveSolver:
    """Relaxes batches of structures of one grid along the demagnetization protocol
    (docs/conventions.md).

    material: the reference Material (structures of one material are of it, unless run()
    gets per-cell material); nx, ny: cells; cell_size, thickness: metres; device, settings;
    terms: the model's field terms (Micromagnet; default the standard ones), with one Zeeman
    term, the only one that reads the applied field (a field step updates its torque alone);
    periodic: in-plane periodic boundaries (Micromagnet), else open.
    """

    def __init__(self, material: Material, nx: int, ny: int, cell_size: float = 2e-9,
                 thickness: float = 36e-6, settings: SolverSettings = SolverSettings(),
                 device=None, terms: list | None = None, periodic: bool = False):
        reuse_freed_memory()
        self.settings = settings
        self.dtype = DTYPES[settings.dtype]
        self.model = Micromagnet(material, nx, ny, cell_size, cell_size, thickness, terms,
                                 device=device, dtype=self.dtype, periodic=periodic)
        if sum(isinstance(t, Zeeman) for t in self.model.terms) != 1:
            raise ValueError("the protocol sweeps the field of one Zeeman term: give exactly one")
        self.H = settings.fields()
        self.k_zero = int(np.flatnonzero(self.H == 0)[0])
        self.batch_size = settings.batch(nx, ny, self.model.device)
        self._ring = 0  # newest slot of the L-BFGS pair ring

    # -- one descent iteration for every slot ---------------------------------------------
    def _iterate(self, s: Slots):
        """One step of every slot; returns the largest torque per slot (B,) on the host."""
        st = self.settings
        lbfgs = s.torque < st.lbfgs_torque
        forget = (s.pairs > 0) & ~lbfgs
        if forget.any():  # the torque rose again or the field changed: back to the BB flow
            s.rho[torch.as_tensor(forget, device=s.rho.device)] = 0
            s.pairs[forget] = 0
        P = s.P if s.several.any() else None  # one material: P = 1, left out (no bit changes)
        # a soft cell's step is tau·P, bounded by tau_max like every step: through an avalanche
        # (tau at its bound) the descent follows the same flow as without P
        d = (s.tau[:, None, None] * s.g if P is None else
             (s.tau[:, None, None] * P).clamp(max=st.tau_max) * s.g)
        if lbfgs.any():
            mask = torch.as_tensor(lbfgs, device=d.device)
            d = torch.where(mask[:, None, None], self._lbfgs_direction(s, s.pairs.max()), d)
        step = -2 * torch.atan(0.5 * d)
        theta = s.theta + step
        g = self._torque(s, theta, s.h)
        y = g - s.g
        sy = (step * y).sum(dim=(-2, -1))
        if lbfgs.any():
            self._ring = (self._ring + 1) % st.lbfgs_memory
            s.S[:, self._ring], s.Y[:, self._ring] = step, y
            s.rho[:, self._ring] = torch.where(mask & (sy > 0), 1 / sy, torch.zeros_like(sy))
            s.pairs[lbfgs] = np.minimum(s.pairs[lbfgs] + 1, st.lbfgs_memory)
        # BB step lengths in the metric of P: s·P⁻¹s / s·y and s·y / y·P·y
        num = torch.where(s.odd, sy, (step * step if P is None else step * step / P
                                      ).sum(dim=(-2, -1)))
        den = torch.where(s.odd, (y * y if P is None else P * y * y).sum(dim=(-2, -1)), sy)
        s.odd.logical_not_()
        tau = (num / den).abs().nan_to_num(nan=st.tau_max, posinf=st.tau_max)
        s.theta, s.g, s.tau = theta, g, tau.clamp(st.tau_min, st.tau_max)
        s.it += 1
        s.torque = g.abs().amax(dim=(-2, -1)).cpu().numpy()
        return s.torque

    def _torque(self, s: Slots, theta: torch.Tensor, h: torch.Tensor, rows=slice(None)):
        """The model's torque of slots `rows` at angles theta and applied fields h (Ms0); the
        material's s and bond excess are left out when the batch is of one material."""
        return self.model.descent(theta, h, [t[rows] for t in s.tensors], s.several.any())

    @staticmethod
    def _weight(s: Slots, rows):
        """Ms/Ms0 of slots `rows`, None when the batch is of one material: multiplying by s = 1
        would change no bit, only time."""
        return s.s[rows] if s.several.any() else None

    def _lbfgs_direction(self, s: Slots, pairs: int) -> torch.Tensor:
        """H·g by the L-BFGS two-loop recursion over the newest `pairs` pairs of the ring
        (a slot's missing pairs have rho = 0), with H0 = tau·P (the BB step), scaled down where
        a cell would rotate more than lbfgs_rotation (rad)."""
        ring = [(self._ring - j) % self.settings.lbfgs_memory for j in range(pairs)]
        q, alpha = s.g.clone(), {}
        for i in ring:
            alpha[i] = s.rho[:, i] * (s.S[:, i] * q).sum(dim=(-2, -1))
            q.addcmul_(alpha[i][:, None, None], s.Y[:, i], value=-1)
        q.mul_(s.tau[:, None, None])
        if s.several.any():
            q.mul_(s.P)
        for i in reversed(ring):
            beta = s.rho[:, i] * (s.Y[:, i] * q).sum(dim=(-2, -1))
            q.addcmul_((alpha[i] - beta)[:, None, None], s.S[:, i])
        largest = q.abs().amax(dim=(-2, -1))
        return q.mul_((self.settings.lbfgs_rotation / largest).clamp(max=1)[:, None, None])

    # -- protocol ---------------------------------------------------------------------------
    def _next_field(self, k: int, fine_until: int) -> int:
        """The field index after k; len(H) once −H_A (the last) is done."""
        st = self.settings
        if not st.fast or k < fine_until or k == len(self.H) - 1:
            return k + 1
        # coarse, but land exactly on H = 0 (mr) and on −H_A
        return min(k + st.coarse, self.k_zero if k < self.k_zero else len(self.H) - 1)

    def _jumped(self, s: Slots) -> np.ndarray:
        """Fast mode: the slots in a coarse step in which a cell has already rotated more than
        jump_angle. The step will be redone finely, so it is abandoned at once."""
        coarse = s.k - s.k_saved > 1
        if not (self.settings.fast and coarse.any()):
            return np.zeros(len(s), dtype=bool)
        return coarse & (self._rotated(s, s.theta, slice(None)) > self.settings.jump_angle)

    @staticmethod
    def _rotated(s: Slots, theta: torch.Tensor, rows) -> np.ndarray:
        """The largest rotation (rad) of a hard cell (one with anisotropy) of slots `rows`,
        now at theta, since their last accepted field. A cell without anisotropy (a soft
        boundary phase) follows the field and its neighbours reversibly, so its rotation is no
        sign of a jump, nor of a step too rough to extrapolate from."""
        turn = (theta - s.saved[rows]).abs()
        if s.several.any():
            turn = turn * s.hard[rows]
        return turn.amax(dim=(-2, -1)).cpu().numpy()

    def _crosses_level(self, M: np.ndarray, k_from: int, m_to: float) -> bool:
        """Whether M fell onto or past an anchor level (hk90 … hc) between the accepted field
        k_from of the negative branch (Mr known) and the new value m_to."""
        if self.H[k_from] > 0:
            return False
        levels = np.array(list(LEVELS.values())) * M[self.k_zero]
        return bool(((levels < M[k_from]) & (levels >= m_to)).any())

    def _new_slots(self, phis: torch.Tensor, idx: np.ndarray, cells: CellTensors) -> Slots:
        n = len(idx)
        tensors, several = self.model.prepare(*self.model.axes(phis), cells)
        theta = torch.zeros_like(cells.s)  # m along +y
        k = np.zeros(n, dtype=np.int64)
        h = (cells.hA * self.H[0]).to(self.dtype)
        tau = torch.full((n,), self.settings.tau_min, device=theta.device, dtype=self.dtype)
        pairs = theta.new_zeros((n, self.settings.lbfgs_memory, *theta.shape[1:]))
        g = self.model.descent(theta, h, tensors, several.any())
        return Slots(theta=theta, g=g, tensors=tensors, s=cells.s, hA=cells.hA, h=h, tau=tau,
                     odd=torch.zeros(n, dtype=torch.bool, device=theta.device), S=pairs,
                     Y=pairs.clone(), rho=theta.new_zeros((n, self.settings.lbfgs_memory)),
                     saved=theta.clone(), previous=theta.clone(),
                     hard=(cells.anisotropy > 0).to(theta.dtype),
                     P=preconditioner(cells, several), idx=np.asarray(idx), several=several,
                     k=k, k_saved=k.copy(), k_previous=k.copy(), it=np.zeros(n, dtype=np.int64),
                     fine_until=np.full(n, -1), torque=np.full(n, np.inf),
                     pairs=np.zeros(n, dtype=np.int64))

    def run(self, phis, progress=None, states: bool = False, cells: Cells | None = None
            ) -> Curves:
        """Demagnetization curves of structures phi (N, ny, nx) (rad, docs/conventions.md).

        progress: optional callable(n_done_fields: int) called as field steps complete.
        states: keep the magnetization at each computed field (Curves.states).
        cells: per-cell material of the N structures (default: all of the reference material);
        M is then in units of each structure's main-phase Ms, the field axis in its H_A.
        """
        st = self.settings
        phis = torch.as_tensor(np.ascontiguousarray(phis), dtype=self.dtype)
        if phis.ndim != 3 or phis.shape[1:] != (self.model.ny, self.model.nx):
            raise ValueError(f"structures must have shape (N, {self.model.ny}, {self.model.nx}),"
                             f" got {tuple(phis.shape)}")
        N, n = phis.shape[0], len(self.H)
        M = np.full((N, n), np.nan)
        converged = np.ones(N, dtype=bool)
        iterations = np.zeros(N, dtype=np.int64)
        kept = np.full((N, n, *phis.shape[1:]), np.nan, np.float32) if states else None
        queue = 0
        slots = None
        while queue < N or (slots is not None and len(slots)):
            free = self.batch_size - (len(slots) if slots is not None else 0)
            if free > 0 and queue < N:
                take = np.arange(queue, min(N, queue + free))
                new = self._new_slots(phis[take], take, self.model.cells(
                    None if cells is None else cells.take(take), len(take)))
                slots = new if slots is None else (slots.append(new) or slots)
                queue = take[-1] + 1
            gmax = self._iterate(slots)
            capped = slots.it >= st.max_iterations
            done = (gmax < st.tolerance) | capped | self._jumped(slots)
            if not done.any():
                continue
            rows = np.flatnonzero(done)
            self._advance(slots, rows, capped[rows], M, converged, iterations, progress, kept)
            alive = slots.k < n
            if not alive.all():
                slots.keep(alive)
        return Curves(self.H, M, converged, iterations, kept)

    def _advance(self, s: Slots, rows: np.ndarray, capped: np.ndarray, M, converged,
                 iterations, progress, states=None):
        """Record M (and the angles into `states`, if given) for the finished slots `rows` and
        move them to their next field (or finish them). M is ⟨(Ms/Ms0) m_y⟩, the Ms-weighted
        mean. A coarse step that jumped, crossed an anchor level or hit the iteration cap
        (`capped`) is undone and redone finely; an accepted capped step flags its curve."""
        st = self.settings
        n = len(self.H)
        dev = s.theta.device
        sel = torch.as_tensor(rows, device=dev)
        theta = s.theta.index_select(0, sel)
        weight = self._weight(s, sel)
        my = torch.cos(theta) if weight is None else weight * torch.cos(theta)
        m = my.mean(dim=(-2, -1)).double().cpu().numpy()
        rotated = self._rotated(s, theta, sel)
        new_k = np.empty(len(rows), dtype=np.int64)
        revert = np.zeros(len(rows), dtype=bool)
        for j, r in enumerate(rows):
            i, k, k0 = s.idx[r], s.k[r], s.k_saved[r]
            iterations[i] += s.it[r]
            if st.fast and k - k0 > 1 and (capped[j] or rotated[j] > st.jump_angle
                                           or self._crosses_level(M[i], k0, m[j])):
                revert[j] = True  # redo this coarse step in fine steps
                s.fine_until[r] = k
                new_k[j] = k0 + 1
                continue
            M[i, k] = m[j]
            if states is not None:
                states[i, k] = theta[j].cpu().numpy()
            converged[i] &= not capped[j]
            if progress is not None:
                progress(k - k0 if k > 0 else 1)
            if st.fast and self.H[k] < 0 and m[j] < 0:
                new_k[j] = n  # past Hc: every anchor is known
            else:
                new_k[j] = self._next_field(k, s.fine_until[r])
            s.k_previous[r], s.k_saved[r] = k0, k
        back = sel[torch.as_tensor(revert, device=dev)]
        kept = sel[torch.as_tensor(~revert, device=dev)]
        s.theta[back] = s.saved[back]
        s.previous[kept] = s.saved[kept]
        s.saved[kept] = s.theta[kept]
        k_old = s.k[rows]
        s.k[rows] = new_k
        s.it[rows] = 0
        s.odd[sel] = False
        s.torque[rows] = np.inf  # a new field starts with BB: _iterate forgets the L-BFGS pairs
        H = self.H[np.minimum(new_k, n - 1)]
        predict = np.zeros(len(rows), dtype=bool)
        if st.fast:  # after a smooth step, start from the linear extrapolation of the last two
            predict = (~revert & (rotated <= st.predict_angle) & (new_k < n)
                       & (s.k_previous[rows] != k_old))
        if predict.any():
            k1, k2 = s.k_previous[rows[predict]], k_old[predict]
            ratio = (H[predict] - self.H[k2]) / (self.H[k2] - self.H[k1])
            p = sel[torch.as_tensor(predict, device=dev)]
            ratio = torch.as_tensor(ratio, device=dev, dtype=self.dtype)[:, None, None]
            s.theta[p] += (s.saved[p] - s.previous[p]) * ratio
        h_new = (s.hA[sel] * torch.as_tensor(H, device=dev)).to(self.dtype)
        # Chosen per slot, never for the batch: a slot whose state moved gets its whole torque,
        # the others only the Zeeman change. Deciding it for all slots at once gave a slot
        # another rounding of g whenever another slot finished in the same iteration, and at a
        # bifurcation that picked the branch (docs/engine.md, tests/test_batch_independence.py).
        moved = revert | predict
        if moved.any():
            mask = torch.as_tensor(moved, device=dev)
            r = sel[mask]
            s.g[r] = self._torque(s, s.theta[r], h_new[mask], r)
        if not moved.all():  # only the Zeeman term depends on the field: dg/dh = sin θ
            still = torch.as_tensor(~moved, device=dev)
            r = sel[still]
            dg = (h_new[still] - s.h[r])[:, None, None] * torch.sin(s.theta[r])
            weight = self._weight(s, r)
            s.g[r] = s.g[r] + (dg if weight is None else dg * (weight > 0))
        s.h[sel] = h_new
