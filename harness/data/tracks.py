"""A seeded toy L1 track finder: real and fake tracks in a six-layer barrel, the features a BDT sees.

Real tracks are charged-particle helices in a 3.8 T solenoid, crossing the six barrel layers of a
CMS-like outer tracker. Each crossing leaves a stub: a position smeared by the module's resolution
(PS modules inside, 2S strip modules outside) plus multiple scattering in the layers before it, and a
bend (the local curvature measured by the module's sensor pair). Modules are inefficient at a few per
cent, and now and then a real track picks up one stub of a neighbouring particle.

Fake tracks are what a road search assembles without a particle behind it: stubs of two different
particles combined in one candidate, or a seed of one particle completed with stubs of other
particles and noise inside the road. Every candidate is then fitted the way an L1 track fit does it,
with a linearised helix fit (a straight line in r-phi corrected by one Gauss-Newton step for the
arc, and a straight line in r-z), and the fit's chi2s, stub counts and track parameters are the
features. Chi2s enter as log10(chi2 / degrees of freedom): the L1 track word also carries them
compressed (binned), which keeps their long tails from eating the fixed-point range.

Everything is vectorised over tracks; one numpy Generator seeded by the design seed drives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from harness.data.dataset import Dataset, split_and_standardise
from harness.spec import DataSpec

_Pt = TypeVar("_Pt", float, np.ndarray)  # one pT or an array of them

FEATURES = [
    "log_chi2rphi",
    "log_chi2rz",
    "log_bendchi2",
    "n_stubs",
    "n_missing_inner",
    "n_missing_outer",
    "pt",
    "eta",
    "z0",
]
CLASSES = ["fake", "real"]


@dataclass(frozen=True)
class Detector:
    """Barrel geometry and resolutions (cm, T); defaults are CMS Phase-2 outer-tracker-like."""

    radii: tuple[float, ...] = (23.0, 35.7, 50.8, 68.6, 88.3, 108.0)
    n_ps: int = 3  # inner layers are PS (pixel-strip) modules, outer ones 2S (strip-strip)
    sigma_rphi: tuple[float, float] = (0.0029, 0.0026)  # pitch / sqrt(12): 100 um PS, 90 um 2S strips
    sigma_z: tuple[float, float] = (0.043, 1.44)  # 1.5 mm PS macro-pixels, 5 cm 2S strips
    half_length: float = 120.0  # barrel half-length; layers beyond it are not crossed
    field: float = 3.8
    x_over_x0: float = 0.02  # material per layer, in radiation lengths
    bend_resolution: float = 0.06  # curvature resolution of one stub times its radius (cm^-1 * cm)
    inefficiency: float = 0.04

    @property
    def r(self) -> np.ndarray:
        return np.asarray(self.radii)

    def per_layer(self, pair: tuple[float, float]) -> np.ndarray:
        return np.where(np.arange(len(self.radii)) < self.n_ps, pair[0], pair[1])

    def curvature(self, pt: _Pt) -> _Pt:
        """Transverse curvature in cm^-1 of a unit-charge particle: 1/R with R[m] = pT / (0.3 B)."""
        return 0.003 * self.field / pt


@dataclass
class Particles:
    """Helix parameters of N particles: signed curvature rho (cm^-1), phi0, cot(theta), z0 (cm)."""

    rho: np.ndarray
    phi0: np.ndarray
    cot: np.ndarray
    z0: np.ndarray

    def phi_at(self, r: np.ndarray) -> np.ndarray:
        return self.phi0[:, None] - np.arcsin(np.clip(self.rho[:, None] * r / 2, -1, 1))

    def z_at(self, r: np.ndarray) -> np.ndarray:
        return self.z0[:, None] + self.cot[:, None] * _arc_length(self.rho[:, None], r)


def load(spec: DataSpec, seed: int, base_dir: Path = Path(".")) -> Dataset:
    """The toy tracker's events (generated: `base_dir` is not read)."""
    x, y = generate(spec.n_samples, seed)
    return split_and_standardise(spec.resolved_name, x, y, FEATURES, CLASSES, spec, seed)


def generate(n: int, seed: int, detector: Detector = Detector()) -> tuple[np.ndarray, np.ndarray]:
    """`n` fitted track candidates (about half real) as (features, labels: 1 real, 0 fake).

    Candidates with fewer than four stubs are dropped, as the L1 track finder drops them, so more
    are simulated than kept; batches repeat until `n` are collected.
    """
    rng = np.random.default_rng(seed)
    xs, ys, have = [], [], 0
    while have < n:
        batch = max(2 * (n - have), 1000)
        labels = (rng.random(batch) < 0.5).astype(np.int64)
        x, keep = _candidates(rng, labels, detector)
        xs.append(x[keep])
        ys.append(labels[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _particles(rng: np.random.Generator, n: int, detector: Detector) -> Particles:
    """Prompt particles above the L1 threshold: pT 2-100 GeV falling like pT^-3, |eta| < 1.1."""
    u = rng.random(n)
    pt = 2.0 / np.sqrt(1 - u * (1 - (2.0 / 100.0) ** 2))  # inverse CDF of pT^-3 on [2, 100]
    charge = rng.choice([-1.0, 1.0], n)
    eta = rng.uniform(-1.1, 1.1, n)
    return Particles(
        rho=charge * detector.curvature(pt),
        phi0=rng.uniform(-np.pi, np.pi, n),
        cot=np.sinh(eta),
        z0=rng.normal(0.0, 5.0, n),
    )


def _neighbours(rng: np.random.Generator, p: Particles, detector: Detector) -> Particles:
    """Other particles of the same event that pass through the same road as `p`."""
    n = p.rho.size
    other = _particles(rng, n, detector)
    return Particles(
        rho=other.rho,
        phi0=p.phi0 + rng.normal(0.0, 0.01, n),
        cot=p.cot + rng.normal(0.0, 0.03, n),
        z0=p.z0 + rng.normal(0.0, 1.0, n),
    )


def _measure(rng: np.random.Generator, p: Particles, detector: Detector) -> tuple[np.ndarray, ...]:
    """Stubs of particles `p` in every layer: phi, z, bend (measured curvature); with scattering."""
    n, r = p.rho.size, detector.r
    momentum = 0.003 * detector.field / np.abs(p.rho) * np.sqrt(1 + p.cot**2)
    log_term = 1 + 0.038 * np.log(detector.x_over_x0)
    theta0 = 0.0136 / momentum * np.sqrt(detector.x_over_x0) * log_term  # Highland formula
    lever = np.maximum(r[None, :] - r[:, None], 0.0)  # lever[j, k]: distance from layer j to layer k
    kink_rphi = rng.normal(size=(n, r.size)) * theta0[:, None]
    kink_z = rng.normal(size=(n, r.size)) * (theta0 * (1 + p.cot**2))[:, None]
    phi = (
        p.phi_at(r)
        + (kink_rphi @ lever) / r
        + rng.normal(size=(n, r.size)) * detector.per_layer(detector.sigma_rphi) / r
    )
    z = p.z_at(r) + kink_z @ lever + rng.normal(size=(n, r.size)) * detector.per_layer(detector.sigma_z)
    bend = p.rho[:, None] + rng.normal(size=(n, r.size)) * detector.bend_resolution / r
    return phi, z, bend


def _candidates(
    rng: np.random.Generator, labels: np.ndarray, detector: Detector
) -> tuple[np.ndarray, np.ndarray]:
    """Assemble one candidate per label (stubs from one or several particles) and fit it."""
    n, n_layers = labels.size, len(detector.radii)
    real = labels == 1
    primary = _particles(rng, n, detector)
    phi, z, bend = _measure(rng, primary, detector)
    other_phi, other_z, other_bend = _measure(rng, _neighbours(rng, primary, detector), detector)

    # Which stubs come from another particle: at most one on a real track (a stray stub the road
    # search picked up), at least two on a fake one; a share of fakes is a seed completed by noise.
    stray = (
        real[:, None]
        & (np.arange(n_layers) == rng.integers(0, n_layers, n)[:, None])
        & (rng.random(n) < 0.12)[:, None]
    )
    mixed = ~real[:, None] & (rng.random((n, n_layers)) < rng.uniform(0.3, 0.9, n)[:, None])
    forced = rng.integers(1, n_layers, n)  # make sure a fake has at least two foreign stubs
    mixed |= ~real[:, None] & ((np.arange(n_layers) == forced[:, None]) | (np.arange(n_layers) == 0))
    mixed[:, 0] &= rng.random(n) < 0.5  # the seed layer is the primary's half of the time
    foreign = stray | mixed
    phi = np.where(foreign, other_phi, phi)
    z = np.where(foreign, other_z, z)
    bend = np.where(foreign, other_bend, bend)

    noise = ~real & (rng.random(n) < 0.3)
    road_phi = rng.uniform(-0.02, 0.02, (n, n_layers)) * (23.0 / detector.r)
    road_z = rng.uniform(-3.0, 3.0, (n, n_layers))
    noisy = noise[:, None] & (np.arange(n_layers) >= 2)
    phi = np.where(noisy, primary.phi_at(detector.r) + road_phi, phi)
    z = np.where(noisy, primary.z_at(detector.r) + road_z, z)
    bend = np.where(noisy, rng.normal(0.0, 0.01, (n, n_layers)), bend)

    inside = np.abs(primary.z_at(detector.r)) < detector.half_length
    inefficiency = np.where(real, detector.inefficiency, 4 * detector.inefficiency)[:, None]
    present = inside & (rng.random((n, n_layers)) >= inefficiency)
    features = _fit(phi, z, bend, present, inside, primary.phi0, detector)
    return features, present.sum(axis=1) >= 4


def _fit(
    phi: np.ndarray,
    z: np.ndarray,
    bend: np.ndarray,
    present: np.ndarray,
    inside: np.ndarray,
    phi_ref: np.ndarray,
    detector: Detector,
) -> np.ndarray:
    """Linearised helix fit of every candidate; returns the feature matrix (see FEATURES)."""
    r = np.broadcast_to(detector.r, phi.shape)
    dphi = np.angle(np.exp(1j * (phi - phi_ref[:, None])))  # unwrap around the seed direction
    w_rphi = present * (r / detector.per_layer(detector.sigma_rphi)) ** 2
    phi0, slope, _ = _line_fit(r, dphi, w_rphi)
    rho = -2 * slope
    # One Gauss-Newton step: remove the arc's deviation from a straight line at the first estimate.
    arc = np.arcsin(np.clip(rho[:, None] * r / 2, -1, 1)) - rho[:, None] * r / 2
    phi0, slope, chi2_rphi = _line_fit(r, dphi + arc, w_rphi)
    rho = -2 * slope
    s = _arc_length(rho[:, None], r)
    z0, cot, chi2_rz = _line_fit(s, z, present / detector.per_layer(detector.sigma_z) ** 2)
    n_stubs = present.sum(axis=1)
    dof = np.maximum(n_stubs - 2, 1)  # candidates with < 4 stubs are dropped later; this keeps them finite
    bend_sigma = detector.bend_resolution / r
    chi2_bend = (present * ((bend - rho[:, None]) / bend_sigma) ** 2).sum(axis=1)
    missing = inside & ~present
    return np.column_stack(
        [
            _log_chi2(chi2_rphi, dof),
            _log_chi2(chi2_rz, dof),
            _log_chi2(chi2_bend, np.maximum(n_stubs, 1)),
            n_stubs,
            missing[:, : detector.n_ps].sum(axis=1),
            missing[:, detector.n_ps :].sum(axis=1),
            np.minimum(detector.curvature(1.0) / np.maximum(np.abs(rho), 1e-9), 200.0),
            np.arcsinh(cot),
            z0,
        ]
    )


def _log_chi2(chi2: np.ndarray, dof: np.ndarray) -> np.ndarray:
    """log10(chi2 / dof), floored at 1e-3 so a perfect fit stays finite."""
    return np.log10(chi2 / dof + 1e-3)


def _line_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least-squares line y = a + b x per row (weight 0 drops a point): a, b and chi2."""
    s, sx, sy = w.sum(1), (w * x).sum(1), (w * y).sum(1)
    sxx, sxy = (w * x * x).sum(1), (w * x * y).sum(1)
    det = np.where(np.abs(s * sxx - sx**2) > 0, s * sxx - sx**2, 1.0)
    b = (s * sxy - sx * sy) / det
    a = (sxx * sy - sx * sxy) / det
    chi2 = (w * (y - a[:, None] - b[:, None] * x) ** 2).sum(1)
    return a, b, chi2


def _arc_length(rho: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Transverse path length to radius r on a circle of curvature rho through the origin."""
    small = np.abs(rho) < 1e-9
    safe = np.where(small, 1.0, rho)
    return np.where(small, r, 2 / safe * np.arcsin(np.clip(safe * r / 2, -1, 1)))
