"""The calibration's figure: measured and simulated µ0HcJ(T) of each magnet."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_calibration(c, path):
    """One panel per magnet of a Calibration: measured µ0HcJ (points), the calibrated model's
    simulated HcJ (line, ± the realizations' standard error) and the uncalibrated config's
    (dashed), against T in °C; held-out magnets are marked so in their titles."""
    names = list(dict.fromkeys(r.magnet for r in c.rows))
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        rows = c.rows_of(name)
        t = [r.T - 273.15 for r in rows]
        ax.plot(t, [r.measured for r in rows], "ko", label="measured")
        ax.errorbar(t, [r.calibrated for r in rows], [r.calibrated_error for r in rows],
                    color="C0", marker="s", label="calibrated (simulated)")
        ax.plot(t, [r.uncalibrated for r in rows], "C3--", marker="^", label="uncalibrated")
        held = " (held out)" if name in c.held_out else ""
        ax.set(title=name + held, xlabel="T (°C)", ylabel="µ0HcJ (T)", ylim=(0, None))
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
