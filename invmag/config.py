"""Run configs (docs/conventions.md): TOML files validated on load into frozen dataclasses.

`load_config("quick")` / `load_config("paper")` read the configs embedded in invmag/configs/,
`load_config("path/to/x.toml")` a file. Every key is required but those added after runs were
made (ADDED: absent, they take the value that reproduces the code that wrote the file) and the
OPTIONAL sections [boundary], [temperature], [thermal] and [shell] (absent: no boundary phase,
300 K, the zero-temperature hc only, no grain-surface shell); an unknown key, a wrong type or
an out-of-range value raises ValueError naming the key, e.g. "config: grid.nx must be an integer
≥ 4, got 'abc'". Lengths are in nm, angles in rad.
"""

from dataclasses import asdict, dataclass
import json
import math
from pathlib import Path
import tomllib

from .config_fields import (Field, boolean, choice, density_range, device, field_step,
                            integer, interval, number, pattern, sizes)
from .physics.solver_settings import DTYPES, SolverSettings
from .physics.material import Material
from .physics.temperature import NDFEB, T_ROOM
from .physics.thermal import LN_RATE, Thermal

EMBEDDED = Path(__file__).resolve().parent / "configs"
ALGORITHMS = ("ga", "de", "pso", "nsga2")  # pymoo algorithms of the latent search (design.latent_search)


@dataclass(frozen=True)
class Grid:
    """nx × ny cells of cell_size × cell_size nm in the plane, thickness nm along z; periodic:
    in-plane periodic boundaries (a closed circuit, the sample the interior of a bulk magnet;
    docs/engine.md), else open."""

    nx: int
    ny: int
    cell_size: float
    thickness: float
    periodic: bool = False

    @property
    def area_nm2(self) -> float:
        return self.nx * self.ny * self.cell_size ** 2


@dataclass(frozen=True)
class Structures:
    """Voronoi sampling: grain_density (lo, hi) grains per µm², |θ| ≤ max_misorientation rad."""

    grain_density: tuple[float, float]
    max_misorientation: float


@dataclass(frozen=True)
class Boundary:
    """The grain-boundary phase (data.boundary): thickness (lo, hi) nm, multiples of the cell;
    Js (lo, hi) T; K1 J/m³; its A follows from its Js: A_b = A·(Js_b/Js)² (exchange ∝ Ms²)."""

    thickness: tuple[float, float]
    Js: tuple[float, float]
    K1: float = 0.0


@dataclass(frozen=True)
class Shell:
    """The grain-surface shell (data.shell): thickness (lo, hi) nm, multiples of the cell (0: no
    shell); K1 (lo, hi), a factor of material.K1; Js, a factor of material.Js; Tc K, the Curie
    temperature of its Kuz'min law; its A follows from its Js as the boundary's does."""

    thickness: tuple[float, float]
    K1: tuple[float, float]
    Js: float = 1.0
    Tc: float = NDFEB.Tc


@dataclass(frozen=True)
class Temperature:
    """Operating temperatures: each sample's T uniform in range (lo, hi) K (data.boundary)."""

    range: tuple[float, float]


@dataclass(frozen=True)
class Data:
    """Sample counts: unlabelled structures (VAE), labelled curves, of which the last `test`."""

    unlabelled: int
    labelled: int
    test: int


@dataclass(frozen=True)
class VAESettings:
    latent: int
    dense: int
    channels: int
    epochs: int
    batch_size: int
    learning_rate: float
    kl_weight: float


@dataclass(frozen=True)
class RegressorSettings:
    shared: tuple[int, ...]
    head: tuple[int, ...]
    max_epochs: int
    batch_size: int
    learning_rate: float
    folds: int
    mirrors: bool     # fit the codes of all four mirror images of each labelled structure
                      # (models.surrogate.mirror)


@dataclass(frozen=True)
class LatentSearch:
    """The [design] section: the latent search's pymoo algorithm, population and generations,
    and the latent box ±latent_bound (design.latent_search)."""

    population: int
    generations: int
    latent_bound: float
    algorithm: str


@dataclass(frozen=True)
class Config:
    """A whole run config. solver is the physics SolverSettings; solver_device its device."""

    name: str
    seed: int
    material: Material
    grid: Grid
    structures: Structures
    solver: SolverSettings
    solver_device: str
    data: Data
    vae: VAESettings
    regressor: RegressorSettings
    design: LatentSearch
    boundary: Boundary | None = None        # absent: no boundary phase
    temperature: Temperature | None = None  # absent: every sample at 300 K
    thermal: Thermal | None = None          # absent: zero-temperature hc only (physics.thermal)
    shell: Shell | None = None              # absent: no grain-surface shell

    def to_dict(self) -> dict:
        """Plain nested dict in the TOML layout (lists, not tuples)."""
        out = {"name": self.name, "seed": self.seed}
        for section in SCHEMA:
            if section and getattr(self, section) is not None:
                values = asdict(getattr(self, section))
                if section == "solver":
                    values["device"] = self.solver_device
                out[section] = {k: list(v) if isinstance(v, tuple) else v
                                for k, v in values.items()
                                if (section, k) not in QUIET or v != ADDED[section, k]}
        return out

    def to_toml(self) -> str:
        """TOML text that load_config reads back to an equal Config."""
        d = self.to_dict()
        lines = [f"{k} = {_toml_value(d[k])}" for k in SCHEMA[""]]
        for section in (s for s in list(SCHEMA)[1:] if s in d):
            lines += ["", f"[{section}]"] + [f"{k} = {_toml_value(v)}" for k, v in d[section].items()]
        return "\n".join(lines) + "\n"


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


SCHEMA: dict[str, dict[str, Field]] = {
    "": {"name": pattern(r"[A-Za-z0-9_.-]+", "a name of letters, digits, '_', '.', '-'"),
         "seed": integer(0)},
    "material": {"A": number(), "Js": number(), "K1": number()},
    "grid": {"nx": integer(4), "ny": integer(4), "cell_size": number(), "thickness": number(),
             "periodic": boolean()},
    "structures": {"grain_density": density_range(),
                   "max_misorientation": number(0, math.pi, strict=False)},
    "boundary": {"thickness": interval(0, unit=" of nm"), "Js": interval(0, unit=" of T"),
                 "K1": number(strict=False)},
    "temperature": {"range": interval(NDFEB.T_sr, NDFEB.Tc, open_hi=True, unit=" of K")},
    "thermal": {"volume_factor": number(), "ln_rate": number()},
    "shell": {"thickness": interval(0, unit=" of nm"), "K1": interval(0, unit=" (× material.K1)"),
              "Js": number(0, 1), "Tc": number(NDFEB.T_sr)},
    "solver": {"tolerance": number(), "tau_max": number(), "tau_min": number(),
               "max_iterations": integer(1), "field_step": field_step(), "fast": boolean(),
               "coarse": integer(1), "jump_angle": number(),
               "predict_angle": number(strict=False), "lbfgs_torque": number(strict=False),
               "lbfgs_memory": integer(1), "lbfgs_rotation": number(), "batch_size": integer(1),
               "dtype": choice(*DTYPES), "device": device()},
    "data": {"unlabelled": integer(1), "labelled": integer(1), "test": integer(0)},
    "vae": {"latent": integer(1), "dense": integer(1), "channels": integer(1),
            "epochs": integer(1), "batch_size": integer(1), "learning_rate": number(),
            "kl_weight": number(strict=False)},
    "regressor": {"shared": sizes(), "head": sizes(), "max_epochs": integer(1),
                  "batch_size": integer(1), "learning_rate": number(), "folds": integer(2),
                  "mirrors": boolean()},
    "design": {"population": integer(2), "generations": integer(1), "latent_bound": number(),
               "algorithm": choice(*ALGORITHMS)},
}

# keys added after runs were made, with the value an older config.toml meant by leaving them out
# (and thermal.ln_rate, whose default is a 1 s measurement)
ADDED = {("grid", "periodic"): False,
         ("solver", "lbfgs_torque"): 0.0, ("solver", "lbfgs_memory"): 5,
         ("solver", "lbfgs_rotation"): 0.1, ("boundary", "K1"): 0.0,
         ("thermal", "ln_rate"): LN_RATE, ("shell", "Js"): 1.0, ("shell", "Tc"): NDFEB.Tc}
# sections that may be left out (Config field None)
OPTIONAL = ("boundary", "temperature", "thermal", "shell")
QUIET = {("grid", "periodic")}  # ADDED keys written out only where they differ from their value

SECTIONS = {"material": Material, "grid": Grid, "structures": Structures, "data": Data,
            "vae": VAESettings, "regressor": RegressorSettings, "design": LatentSearch,
            "boundary": Boundary, "temperature": Temperature, "thermal": Thermal, "shell": Shell}


def _multiples(values, step: float) -> bool:
    return all(abs(v / step - round(v / step)) < 1e-9 for v in values)


def _half_grain(s) -> float:
    """nm: half the mean grain diameter 2e3/√(π·density) at the densest setting, less half the
    thickest boundary: the deepest a shell may reach into a mean grain (data.shell)."""
    b = s.get("boundary")
    return 1e3 / math.sqrt(math.pi * s["structures"]["grain_density"][1]) - (
        b["thickness"][1] / 2 if b else 0.0) + 1e-9

CROSS_CHECKS = [  # (key, predicate on the validated sections, what it expects)
    ("solver.tau_min", lambda s: s["solver"]["tau_min"] <= s["solver"]["tau_max"],
     "≤ solver.tau_max"),
    ("data.test", lambda s: s["data"]["test"] < s["data"]["labelled"], "< data.labelled"),
    ("boundary.thickness", lambda s: "boundary" not in s or _multiples(
        s["boundary"]["thickness"], s["grid"]["cell_size"]), "multiples of grid.cell_size"),
    ("boundary.Js", lambda s: "boundary" not in s or
     s["boundary"]["Js"][1] <= s["material"]["Js"], "≤ material.Js"),
    ("shell.thickness", lambda s: "shell" not in s or _multiples(
        s["shell"]["thickness"], s["grid"]["cell_size"]), "multiples of grid.cell_size"),
    ("shell.thickness", lambda s: "shell" not in s or s["shell"]["thickness"][1] <= _half_grain(s),
     "≤ the half-width of the densest grains less half the thickest boundary, 1e3/√(π·"
     "structures.grain_density[1]) − boundary.thickness[1]/2 nm"),
    ("shell.Tc", lambda s: "shell" not in s or s["shell"]["Tc"] > max(
        s.get("temperature", {}).get("range", [0, T_ROOM])[1], T_ROOM),
     "above every temperature drawn (temperature.range, 300 K)"),
]


def _error(key: str, message: str) -> ValueError:
    return ValueError(f"config: {key} {message}")


def _validate(raw: dict) -> dict:
    """Validated, normalized values per section ("" for the top level)."""
    for k, v in raw.items():
        if k in SCHEMA[""]:
            continue
        if not k or k not in SCHEMA:
            raise _error(f"[{k}]" if isinstance(v, dict) else k,
                         "is an unknown section" if isinstance(v, dict) else "is an unknown key")
        if not isinstance(v, dict):
            raise _error(k, f"must be a table [{k}], got {v!r}")
    out = {}
    for section, schema in SCHEMA.items():
        table = raw if not section else raw.get(section)
        if table is None and section in OPTIONAL:
            continue
        if table is None:
            raise _error(f"[{section}]", "is missing")
        prefix = f"{section}." if section else ""
        extra = [k for k in table if k not in schema] if section else []
        if extra:
            raise _error(prefix + extra[0], "is an unknown key")
        values = {}
        for key, field in schema.items():
            if key not in table and (section, key) not in ADDED:
                raise _error(prefix + key, "is missing")
            value = field.check(table.get(key, ADDED.get((section, key))))
            if value is None:
                raise _error(prefix + key, f"must be {field.expects}, got {table[key]!r}")
            values[key] = value
        out[section] = values
    for key, ok, expects in CROSS_CHECKS:
        if not ok(out):
            section, name = key.split(".")
            got = out[section][name]
            got = list(got) if isinstance(got, tuple) else got
            raise _error(key, f"must be {expects}, got {got!r}")
    return out


def config_from_dict(raw: dict) -> Config:
    """Validate a nested dict (the TOML layout) into a Config."""
    v = _validate(raw)
    solver = dict(v["solver"])
    device_name = solver.pop("device")
    return Config(name=v[""]["name"], seed=v[""]["seed"], solver=SolverSettings(**solver),
                  solver_device=device_name,
                  **{s: cls(**v[s]) for s, cls in SECTIONS.items() if s in v})


def with_data(cfg: Config, **counts) -> Config:
    """cfg with values of its data section replaced (e.g. labelled=800), validated."""
    d = cfg.to_dict()
    d["data"].update(counts)
    return config_from_dict(d)


def parse_config(text: str, source: str = "config") -> Config:
    """Validate TOML text into a Config."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"config: {source} is not valid TOML ({e})") from None
    return config_from_dict(raw)


def embedded_names() -> list[str]:
    return sorted(p.stem for p in EMBEDDED.glob("*.toml"))


def load_config(name_or_path) -> Config:
    """An embedded config by name ("quick", "paper") or a TOML file by path."""
    text = str(name_or_path)
    path = Path(text)
    if not path.suffix and not path.exists() and "/" not in text:
        if text not in embedded_names():
            raise ValueError(f"config: no embedded config {text!r} (embedded: "
                             f"{', '.join(embedded_names())}) and no file of that name")
        path = EMBEDDED / f"{text}.toml"
    if not path.is_file():
        raise ValueError(f"config: no such file {text}")
    return parse_config(path.read_text(encoding="utf-8"), str(path))
