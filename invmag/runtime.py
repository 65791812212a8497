"""Where torch runs: one CPU thread for small work, and a config's solver device."""

from contextlib import contextmanager

import torch


@contextmanager
def one_thread(threads: int = 1):
    """Run torch on one CPU thread (parallelism comes from processes: many small FFTs run
    slower, not faster, on several threads), or on `threads` (large grids: 256 × 256 cells run
    1.5× faster on 2 threads than on 1), restoring the previous setting after."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def solver_device(name) -> torch.device:
    """A config's solver.device or a device parameter: 'auto' is CUDA when torch sees it, else
    the CPU. BadParameter for an unknown device or CUDA that torch does not see."""
    from . import BadParameter

    if str(name) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise BadParameter(f"unknown {{}} {str(name)!r}", "device") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BadParameter(f"{{}} {str(name)!r} requested but torch sees no CUDA device",
                           "device")
    return device
