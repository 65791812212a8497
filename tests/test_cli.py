"""The `invmag generate` and `invmag simulate` commands: results, files, resuming after a real
SIGKILL, and bad input that ends in one line on stderr with exit code 2."""

import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import psutil
import pytest

from invmag.data import generate as generate_module
from invmag.data.generate import generate_data
from invmag.data.sample import Samples
from invmag.data.sample_files import read_labels
from invmag.data.structures import draw
from conftest import assert_user_error, invoke, tiny_config
from test_data import assert_same_file

INVMAG = [sys.executable, "-c", "from invmag.cli.app import main; main()"]  # the invmag script






@pytest.fixture
def tiny_toml(tmp_path):
    """Write a tiny config (see conftest.tiny_config) to a TOML file; returns its path."""
    def write(name="tiny", **sections):
        path = tmp_path / f"{name}.toml"
        path.write_text(tiny_config(name, **sections).to_toml())
        return path
    return write


# -- simulate --

def test_simulate_writes_csv_and_png(tmp_path, tiny_toml):
    cfg = tiny_config()
    phi, _ = draw(7, cfg.grid, cfg.structures)
    np.save(tmp_path / "s.npy", phi)
    result = invoke("simulate", tmp_path / "s.npy", "--out", tmp_path / "c.csv",
                    "--plot", tmp_path / "c.png", "--config", tiny_toml(), "--full")
    assert result.exit_code == 0, result.output
    assert "hc" in result.stdout and "full protocol" in result.stdout
    assert (tmp_path / "c.csv").read_text().splitlines()[0] == "H_over_HA,M_over_Ms,mu0H_T,J_T"
    curve = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)
    assert curve.shape == (41, 4) and curve[0, 0] == 1.0 and np.all(np.diff(curve[:, 0]) < 0)
    material = cfg.material  # SI columns at 300 K: µ0H = H·µ0H_A (6.56 T), J = M·Js
    np.testing.assert_allclose(curve[:, 2], curve[:, 0] * 4e-7 * np.pi * material.HA, rtol=1e-12)
    np.testing.assert_allclose(curve[:, 3], curve[:, 1] * material.Js, rtol=1e-12)
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_simulate_follows_the_configs_protocol_as_labels_do(tmp_path, tiny_toml):
    """The quick config's labels use the fast protocol (solver.fast): so does `simulate` with
    that config (was: always the full protocol, so its anchors differed from labels.h5)."""
    cfg = tiny_config()
    phi, _ = draw(7, cfg.grid, cfg.structures)
    np.save(tmp_path / "s.npy", phi)
    result = invoke("simulate", tmp_path / "s.npy", "--out", tmp_path / "c.csv",
                    "--config", tiny_toml())
    assert "fast protocol" in result.stdout, result.output
    curve = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)
    from invmag.data.labels import label_batch
    M, _ = label_batch(Samples.plain(phi), cfg.to_dict())
    ok = np.isfinite(M[0])
    assert curve[:, 1] == pytest.approx(M[0][ok], abs=1e-6) and len(curve) < 41


def test_simulate_figures_of_merit(tmp_path, tiny_toml):
    """The table and --merit CSV hold the figures of merit of the curve written by --out."""
    from invmag.physics.material import Material
    from invmag.physics.merit import FIGURES, figures

    cfg = tiny_config()
    phi, _ = draw(7, cfg.grid, cfg.structures)
    np.save(tmp_path / "s.npy", phi)
    result = invoke("simulate", tmp_path / "s.npy", "--out", tmp_path / "c.csv", "--merit",
                    tmp_path / "m.csv", "--demag-factor", 0.25, "--config", tiny_toml())
    assert result.exit_code == 0, result.output
    assert "Figures of merit, N = 0.25" in result.stdout and "BHmax" in result.stdout
    curve = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)
    expected = figures(curve[:, 0], curve[:, 1], Material(), 0.25)[0]
    assert np.isfinite(expected).all()
    rows = [line.split(",") for line in (tmp_path / "m.csv").read_text().splitlines()]
    assert rows[0] == ["figure", "unit", "value"] and [r[0] for r in rows[1:]] == list(FIGURES)
    np.testing.assert_allclose([float(r[2]) for r in rows[1:]], expected, rtol=1e-5)
    assert_user_error(invoke("simulate", tmp_path / "s.npy", "--demag-factor", 1.5,
                             "--config", tiny_toml()), "--demag-factor must lie in [0, 1]")


@pytest.mark.parametrize("content, fragment", [
    (None, "no such structure file"),
    (np.zeros(16, np.float32), "2D array"),
    (np.zeros((2, 16, 16), np.float32), "2D array"),
    (np.full((16, 16), np.nan, np.float32), "NaN"),
    (np.zeros((16, 16), np.int64), "dtype int64"),
    (np.array([{"a": 1}], dtype=object), "not a numeric .npy array"),
])
def test_simulate_bad_structure(tmp_path, content, fragment):
    path = tmp_path / "s.npy"
    if content is not None:
        np.save(path, content, allow_pickle=True)
    assert_user_error(invoke("simulate", path), fragment)


# -- generate: configs --

@pytest.mark.parametrize("edit, fragment", [
    (lambda t: t.replace("[grid]", "[grid]\nnz = 1"), "grid.nz is an unknown key"),
    (lambda t: t.replace("nx = 16", 'nx = "16"'), "grid.nx must be an integer"),
    (lambda t: t.replace("labelled = 8", "labelled = 0"), "data.labelled must be an integer ≥ 1"),
    (lambda t: t.replace("fast = true", "fast = 1"), "solver.fast must be true or false"),
    (lambda t: t.replace("[vae]", "[[vae]]"), "vae"),
])
def test_generate_bad_config(tmp_path, tiny_toml, edit, fragment):
    path = tiny_toml()
    path.write_text(edit(path.read_text()))
    assert_user_error(invoke("generate", "--config", path, "--run", tmp_path / "r"), fragment)
    assert not (tmp_path / "r").exists()


def test_generate_missing_config_or_bad_count(tmp_path, tiny_toml):
    assert_user_error(invoke("generate", "--config", tmp_path / "absent.toml"), "no such file")
    assert_user_error(invoke("generate", "--config", "nonesuch"), "no embedded config")
    assert_user_error(invoke("generate", "--config", tiny_toml(), "--run", tmp_path / "r",
                             "--labelled", -1), "labelled samples must be ≥ 1")


def test_a_batch_that_failed_twice_is_one_line_and_a_bug_keeps_its_traceback(
        tmp_path, tiny_toml, monkeypatch):
    """Failed batches were a RuntimeError traceback, while every KeyError, bugs included, was
    reported as "missing key"."""
    def out_of_memory(*args):
        raise MemoryError("no memory for the batch")

    monkeypatch.setattr(generate_module, "draw_batch", out_of_memory)
    assert_user_error(invoke("generate", "--config", tiny_toml(), "--run", tmp_path / "r"),
                      "structures 0–9 failed twice: MemoryError: no memory for the batch")

    def bug(*args, **kwargs):
        raise KeyError("stage")

    monkeypatch.setattr(generate_module, "generate_data", bug)
    result = invoke("generate", "--config", tiny_toml(), "--run", tmp_path / "r")
    assert result.exit_code == 1 and isinstance(result.exception, KeyError)


# -- generate: runs --

def test_generate_resume_refuse_force(tmp_path, tiny_toml):
    run = tmp_path / "run"
    first = invoke("generate", "--config", tiny_toml(), "--run", run)
    assert first.exit_code == 0, first.output
    assert "Labels: " in first.stdout and "8 curves in" in first.stdout
    assert "curves/hour" in first.stdout
    png = run / "plots" / "labels.png"
    assert png.read_bytes()[:4] == b"\x89PNG"

    png.unlink()
    again = invoke("generate", "--config", tiny_toml(), "--run", run)  # finished: stats only
    assert again.exit_code == 0 and "Labels: " in again.stdout and "curves in" not in again.stdout
    assert png.exists()

    more = invoke("generate", "--config", tiny_toml(), "--run", run, "--labelled", 10)
    assert more.exit_code == 0 and "2 curves in" in more.stdout

    changed = tiny_toml(solver={"tolerance": 2e-4})
    refused = invoke("generate", "--config", changed, "--run", run)
    assert_user_error(refused, "different config", "solver.tolerance: 0.0001 → 0.0002", "--force")
    assert read_labels(run / "labels.h5").done.sum() == 10  # nothing lost
    forced = invoke("generate", "--config", changed, "--run", run, "--force")
    assert forced.exit_code == 0 and "deleted structures.h5, labels.h5" in forced.stdout
    assert "8 curves in" in forced.stdout


def test_generate_with_two_worker_processes(tmp_path, tiny_toml):
    cfg = tiny_config()
    generate_data(cfg, tmp_path / "local")
    result = invoke("generate", "--config", tiny_toml(), "--run", tmp_path / "workers",
                    "--workers", 2)
    assert result.exit_code == 0, result.output
    for name in ("structures.h5", "labels.h5"):
        assert_same_file(tmp_path / "local" / name, tmp_path / "workers" / name)


# -- generate: kill -9 and resume, a lost worker, SIGTERM --

def _done_while_running(path, proc, timeout=180.0):
    """Poll `path` read-only until it holds some but not all done labels; returns that count,
    or None when the process ended first. Reading a file another process is writing can fail
    or see a half-written state: such reads are retried."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = _done(path)
            if 0 < done.sum() < done.size:
                return int(done.sum())
        except (OSError, KeyError, ValueError):
            pass
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
        pytest.fail(f"no labels written within {timeout} s")
    return None


def _done(path):
    with h5py.File(path, "r", locking=False) as f:
        return f["done"][()]


def _workers(proc):
    """The worker processes of a running generate process (its resource tracker aside)."""
    found = []
    for child in psutil.Process(proc.pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # ended meanwhile
            pass
    return found


def _interrupt_mid_run(tmp_path, tiny_toml, workers, interrupt):
    """Start `invmag generate` as a process, wait until it has written some but not all labels,
    then call interrupt(process, run), which returns whether it interrupted the run before its
    end. A run that ends first is made three times bigger. Returns (process, config path,
    config sections, run directory, labelled count); the process's stdout is in run.out."""
    labelled = 24
    for attempt in range(4):
        sections = {"solver": {"batch_size": 2}, "data": {"labelled": labelled, "unlabelled": 4}}
        path, run = tiny_toml(**sections), tmp_path / f"run{attempt}"
        with open(tmp_path / f"run{attempt}.out", "w") as out:
            proc = subprocess.Popen(INVMAG + ["generate", "--config", path, "--run", run,
                                              "--workers", str(workers)],
                                    stdout=out, stderr=subprocess.PIPE, text=True)
        if _done_while_running(run / "labels.h5", proc) is not None and interrupt(proc, run):
            return proc, path, sections, run, labelled
        proc.wait(300)
        labelled *= 3
    pytest.fail("every run ended before it could be interrupted")


def _uninterrupted_equals(tmp_path, sections, run):
    whole = tmp_path / "whole"
    generate_data(tiny_config(**sections), whole)
    for name in ("structures.h5", "labels.h5"):
        assert_same_file(whole / name, run / name)


def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(tmp_path, tiny_toml):
    def kill(proc, run):  # landed when the process died by it with labels left to compute
        proc.send_signal(signal.SIGKILL)
        return proc.wait(30) == -signal.SIGKILL and not _done(run / "labels.h5").all()

    proc, path, sections, run, labelled = _interrupt_mid_run(tmp_path, tiny_toml, 1, kill)
    done = int(_done(run / "labels.h5").sum())  # readable, and some work is left
    assert 0 < done < labelled
    resumed = subprocess.run(INVMAG + ["generate", "--config", path, "--run", run,
                                       "--workers", "1"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{labelled - done} curves in" in resumed.stdout  # finished ones not recomputed
    _uninterrupted_equals(tmp_path, sections, run)


def test_a_killed_worker_process_is_survived_with_the_same_labels(tmp_path, tiny_toml):
    """SIGKILL of one of two worker processes broke the process pool: generate exited with
    BrokenProcessPool. A new pool must run the batches in flight again."""
    def kill_a_worker(proc, run):  # landed when generate noticed the loss
        for worker in _workers(proc)[:1]:
            try:
                worker.kill()
            except psutil.NoSuchProcess:
                pass
        proc.wait(300)
        assert proc.returncode == 0, proc.stderr.read()
        return "a worker process died" in run.with_suffix(".out").read_text()

    proc, path, sections, run, labelled = _interrupt_mid_run(tmp_path, tiny_toml, 2,
                                                             kill_a_worker)
    _uninterrupted_equals(tmp_path, sections, run)


def test_a_second_generate_on_a_running_run_is_refused(tmp_path, tiny_toml):
    """HDF5's file lock refuses the second writer; the first run ends as if alone."""
    second = []

    def start_another(proc, run):  # landed when the first was still running after both
        second[:] = [invoke("generate", "--config", tmp_path / "tiny.toml", "--run", run),
                     invoke("generate", "--config", other, "--run", run, "--force")]
        return proc.poll() is None

    other = tmp_path / "other.toml"  # another seed: --force would delete the first's files
    other.write_text(tiny_config().to_toml().replace("seed = 0", "seed = 1"))
    proc, path, sections, run, labelled = _interrupt_mid_run(tmp_path, tiny_toml, 1,
                                                             start_another)
    for result in second:
        assert_user_error(result, "labels.h5 is open in another process")
    assert proc.wait(300) == 0, proc.stderr.read()
    _uninterrupted_equals(tmp_path, sections, run)


def test_sigterm_ends_the_worker_processes_too(tmp_path, tiny_toml):
    """A scheduler's SIGTERM killed generate and left its workers computing (one was still
    alive 17 minutes later). Errors and Ctrl-C: test_data.py::test_pool_ends_its_workers_*."""
    workers = []

    def stop(proc, run):
        workers[:] = _workers(proc)
        assert workers
        proc.send_signal(signal.SIGTERM)
        return proc.wait(30) == 128 + signal.SIGTERM

    _interrupt_mid_run(tmp_path, tiny_toml, 2, stop)
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive


# -- one grammar -----------------------------------------------------------------------------
COMMANDS = ("generate", "simulate", "train", "info", "predict", "morph", "optimize", "verify",
            "export")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example_and_the_shared_options(command):
    """Each --help shows an example, and --config/--run/--device mean the same everywhere."""
    from invmag.cli.common import CONFIG_HELP, DEVICE_HELP

    out = invoke(command, "--help").output
    assert f"invmag {command} " in out.replace("\n", " "), out
    params = {p.name: p for p in _command(command).params}
    if "config" in params:
        assert params["config"].default is None and params["config"].help == CONFIG_HELP
    if "device" in params:
        assert params["device"].default is None and params["device"].help == DEVICE_HELP


def _command(name):
    import typer.main

    from invmag.cli.app import app

    return typer.main.get_command(app).commands[name]


def test_a_run_folder_brings_its_own_config(tmp_path, tiny_toml):
    """Without --config a command on a run uses the config the run was made with (was: the
    embedded quick config, so `info`/`generate --run` on another run used the wrong one)."""
    config = tiny_toml("other", data={"labelled": 3, "unlabelled": 2})
    run = tmp_path / "run"
    assert invoke("generate", "--config", config, "--run", run).exit_code == 0
    result = invoke("info", "--run", run)
    assert result.exit_code == 0 and "other" in result.output and "16" in result.output
    again = invoke("generate", "--run", run)  # resumes the run with its config: nothing to do
    assert again.exit_code == 0, again.output
    assert "curves in" not in again.output


def test_help_and_argument_errors_stay_fast():
    """`invmag --help` imports neither torch nor scipy (measured: 3.9 s with torch on this
    machine, under 1 s without)."""
    code = ("import sys; from invmag.cli.app import app; "
            "print('torch' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_shell_completion_is_installable():
    """typer's completion is on: the installed command prints its bash completion script."""
    from pathlib import Path

    command = Path(sys.executable).parent / "invmag"
    out = subprocess.run([command, "--show-completion", "bash"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "_invmag_completion" in out.stdout and "complete " in out.stdout
