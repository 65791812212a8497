"""OVF 2.0 files of in-plane unit-vector fields on one layer of cells, as OOMMF, mumax3 and
ubermag's discretisedfield read and write them: the easy axes of a structure, or the
magnetization of a state. An angle a[iy, ix] (rad, from +y towards +x) is the vector
(sin a, cos a, 0) of cell (ix, iy, 0); x runs fastest in the data, as OVF prescribes. A region's
cells (bool) are a scalar field, 1 in the region."""

from pathlib import Path

import numpy as np

from ..files import replacing

CHECK = {4: ("<f4", 1234567.0), 8: ("<f8", 123456789012345.0)}  # OVF 2.0 binary check values


def unit_vectors(angles) -> np.ndarray:
    """(ny, nx, 3) unit vectors (sin a, cos a, 0) of angles (ny, nx) rad."""
    a = np.asarray(angles, np.float64)
    return np.stack([np.sin(a), np.cos(a), np.zeros_like(a)], -1)


def cell_values(field) -> tuple[np.ndarray, list[str]]:
    """(values (ny, nx, d), their labels) of a field: angles (ny, nx) rad as unit vectors
    (k_x, k_y, k_z), or a region's cells (ny, nx) bool as a scalar (1 in the region)."""
    if np.asarray(field).dtype == bool:
        return np.asarray(field, np.float64)[..., None], ["region"]
    return unit_vectors(field), ["k_x", "k_y", "k_z"]


def write_ovf(path, field, cell_size: float, thickness: float, title: str = "easy axis"):
    """Write a field (angles (ny, nx) rad, or a region's cells (ny, nx) bool: cell_values) as an
    OVF 2.0 field (Binary 8) of cells cell_size × cell_size × thickness (m), the mesh starting
    at the origin."""
    v, labels = cell_values(field)
    ny, nx, d = v.shape
    size = (cell_size, cell_size, thickness)
    lines = ["OOMMF OVF 2.0", "Segment count: 1", "Begin: Segment", "Begin: Header",
             f"Title: {title}", "meshunit: m", "meshtype: rectangular",
             *[f"{c}base: {s / 2!r}" for c, s in zip("xyz", size)],
             *[f"{c}nodes: {n}" for c, n in zip("xyz", (nx, ny, 1))],
             *[f"{c}stepsize: {s!r}" for c, s in zip("xyz", size)],
             *[f"{c}min: 0" for c in "xyz"],
             *[f"{c}max: {s * n!r}" for c, s, n in zip("xyz", size, (nx, ny, 1))],
             f"valuedim: {d}", f"valuelabels: {' '.join(labels)}",
             f"valueunits: {' '.join(['1'] * d)}",
             "End: Header", "Begin: Data Binary 8"]
    dtype, check = CHECK[8]
    with replacing(path) as tmp, open(tmp, "wb") as f:
        f.write("".join(f"# {line}\n" for line in lines).encode())
        f.write(np.array(check, dtype).tobytes() + v.astype(dtype).tobytes() + b"\n")
        f.write(b"# End: Data Binary 8\n# End: Segment\n")


def read_ovf(path) -> tuple[np.ndarray, float]:
    """(angles (ny, nx) rad in (−π, π], cell size in m) of a one-layer OVF 2.0 vector field,
    binary (4 or 8 bytes) or text, whose vectors lie in the x–y plane (any non-zero length)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such OVF file: {path}")
    header, raw = {}, path.read_bytes()
    if not raw.startswith(b"# OOMMF OVF 2"):
        raise ValueError(f"{path}: not an OVF 2.0 file (first line '# OOMMF OVF 2.0')")
    pos = 0
    while True:
        end = raw.find(b"\n", pos)
        if end < 0:
            raise ValueError(f"{path}: no '# Begin: Data' line")
        line = raw[pos:end].decode("utf-8", "replace").lstrip("#").strip()
        pos = end + 1
        key, _, value = line.partition(":")
        if key.strip().lower() == "begin" and value.strip().lower().startswith("data"):
            mode = " ".join(value.split()[1:]).lower()
            if mode not in ("text", "binary 4", "binary 8"):
                raise ValueError(f"{path}: '# {line}' must name the data format: "
                                 "Text, Binary 4 or Binary 8")
            break
        header[key.strip().lower()] = value.strip()
    try:
        nx, ny, nz = (int(header[f"{c}nodes"]) for c in "xyz")
        dx, dy = (float(header[f"{c}stepsize"]) for c in "xy")
        dim = int(header["valuedim"])
    except (KeyError, ValueError) as e:
        raise ValueError(f"{path}: incomplete OVF header ({e})") from None
    if nz != 1 or dim != 3:
        raise ValueError(f"{path}: expected one layer (znodes 1) of 3-vectors, got znodes {nz}, "
                         f"valuedim {dim}")
    if not np.isclose(dx, dy, rtol=1e-6):
        raise ValueError(f"{path}: cells must be square in x–y, got {dx} × {dy}")
    count = nx * ny * 3
    if mode != "text":
        size = int(mode.split()[1])
        dtype, check = CHECK[size]
        stored = (len(raw) - pos) // size - 1  # values after the check value
        if stored < 0 or np.frombuffer(raw, dtype, 1, pos)[0] != check:
            raise ValueError(f"{path}: bad binary check value (Binary {size})")
        data = np.frombuffer(raw, dtype, min(count, stored), pos + size)
    else:
        try:
            data = np.array(raw[pos:].decode().split("# End")[0].split(), np.float64)[:count]
        except ValueError:  # binary bytes, or words that are not numbers
            raise ValueError(f"{path}: the data under '# Begin: Data Text' are not numbers "
                             "(binary data needs 'Binary 4' or 'Binary 8')") from None
    if data.size != count:
        raise ValueError(f"{path}: {data.size} values, the header promises {count}")
    v = data.astype(np.float64).reshape(ny, nx, 3)
    norm = np.linalg.norm(v, axis=-1)
    if not (norm > 0).all() or (np.abs(v[..., 2]) > 1e-6 * norm).any():
        raise ValueError(f"{path}: every vector must be non-zero and in the x–y plane")
    return np.arctan2(v[..., 0], v[..., 1]), dx
