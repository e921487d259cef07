"""Benchmark intlint against bandit and ruff: `python bench/run.py` (see README, "Performance").

Measures, side by side in one run, with the median of several runs taken in rounds (one run of
every measurement per round, so that a shared machine slowing down for a while slows all alike;
a ratio is the median of the rounds' ratios, each between runs taken one after the other):
- the CPython standard library (this interpreter's Lib/, without test folders and
  site-packages), copied to a scratch folder so every tool sees the same files: intlint
  cold (`--no-cache`) and warm (cache filled, nothing changed) against `bandit -r` and
  `ruff check` (cold `--no-cache`, warm with its cache filled);
- a generated integration-heavy corpus (every module a variant of a fixture under
  fixtures/python, so every file needs parsing): intlint `--jobs 1` and `--jobs 2`, and
  a bare libcst parse of the same files in one process (what all the rules add to it);
- published Salesforce integration packages (`PACKAGES`, fetched once with pip): the modules
  intlint's pre-filter sends to the rules, intlint `--jobs 1` against a bare libcst parse of
  them (what the rules add on code written for use, not to show anti-patterns);
- one file, as pre-commit runs it, process start included: the first run (`--no-cache`), a run after
  the file was edited (the cache holds the rules' metadata and the file's previous result), and a
  run with nothing changed;
- the peak resident memory of the largest process of each run.

intlint runs from a snapshot of this checkout's `lint/` package (so edits made meanwhile do
not disturb the numbers) with this interpreter, which needs intlint's dependencies. bandit
and ruff come from a virtualenv of their own (`--tools-venv`), created with pip when missing.
Nothing here is run by the test suite.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIPPED = ("test", "tests", "idle_test", "site-packages", "__pycache__", "lib-dynload", "config-*", "*.so")
# Runs one command, and prints its wall time and the peak RSS (KB) of its largest process.
MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    started = time.perf_counter()
    done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    print(json.dumps([elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode, done.stderr.decode()[-2000:]]))
    """
)
# Appends a line to a file, so that its cached result no longer applies (a pre-commit run after an edit).
EDIT = "import sys, time\nwith open(sys.argv[1], 'a') as file:\n    file.write(f'# edited {time.time()}\\n')\n"
PARSE_ONLY = "import sys, libcst\nfor path in sys.argv[1:]:\n    libcst.parse_module(open(path, 'rb').read())\n"
# Salesforce integration code as published: clients, a CLI, a Singer tap, an ORM backend, a data generator.
PACKAGES = (
    "cumulusci==4.10.1",
    "simple-salesforce==1.12.10",
    "salesforce-bulk==2.2.0",
    "aiosfstream==0.5.0",
    "django-salesforce==6.0",
    "tap-salesforce==2.8.1",
    "snowfakery==4.2.1",
)
# Deletes the modules under a folder that intlint would not parse: those its pre-filter sends to no rule,
# and those either parser rejects (a bare parse must not stop at them).
KEEP_PARSED = textwrap.dedent(
    """
    import sys, warnings
    from pathlib import Path
    import libcst
    from lint.prefilter import Prefilter
    from lint.rules import load_registry
    prefilter = Prefilter([rule for rule in load_registry().rules.values() if "py" in rule.checked_kinds()])
    warnings.simplefilter("ignore")
    def parses(data, path):
        try:
            compile(data, str(path), "exec")
            libcst.parse_module(data)
        except Exception:
            return False
        return True
    for path in Path(sys.argv[1]).rglob("*.py"):
        data = path.read_bytes()
        if not (prefilter.rules_for("py", data) and parses(data, path)):
            path.unlink()
    """
)


@dataclass
class Timing:
    runs: tuple[float, ...]  # the wall time of each round
    peak_mb: float  # peak RSS of the largest process, median over the runs

    @property
    def seconds(self) -> float:
        """The median wall time."""
        return statistics.median(self.runs)

    def ratio(self, other: "Timing") -> float:
        """The median of the rounds' ratios: measurements taken one after the other in a round ran on
        a machine of the same speed, which the medians of two series need not have."""
        return statistics.median(ours / theirs for ours, theirs in zip(self.runs, other.runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement; the median is reported [5]")
    parser.add_argument("--modules", type=int, default=400, help="modules in the generated integration corpus [400]")
    parser.add_argument("--tools-venv", type=Path, default=Path.home() / ".cache" / "intlint-bench" / "venv", help="virtualenv holding bandit and ruff")
    parser.add_argument("--downloads", type=Path, default=Path.home() / ".cache" / "intlint-bench" / "packages", help="where PACKAGES are kept once fetched")
    parser.add_argument("--package", type=Path, default=REPO / "lint", help="the intlint package to measure [this checkout's lint/]")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    options = parser.parse_args()

    tools = ensure_tools(options.tools_venv)
    scratch = Path(tempfile.mkdtemp(prefix="intlint-bench-"))
    try:
        report(measure(scratch, tools, options), options)
    finally:
        if options.keep:
            print(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


# -- set-up ----------------------------------------------------------------------------------


def ensure_tools(venv: Path) -> Path:
    """The bin folder of a virtualenv with bandit and ruff, created with pip when missing."""
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    if not ((bin_dir / "bandit").exists() and (bin_dir / "ruff").exists()):
        print(f"installing bandit and ruff into {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "bandit", "ruff"], check=True)
    return bin_dir


def snapshot_intlint(scratch: Path, package: Path) -> Path:
    """A copy of the package under test, so that edits to the checkout during the run change nothing, with its
    bytecode compiled as `pip install` leaves it (else, under PYTHONDONTWRITEBYTECODE, every run would compile it)."""
    target = scratch / "intlint"
    shutil.copytree(package, target / "lint", ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(str(target / "lint"), quiet=1)
    return target


def copy_stdlib(scratch: Path) -> Path:
    target = scratch / "stdlib"
    shutil.copytree(sysconfig.get_paths()["stdlib"], target, ignore=shutil.ignore_patterns(*SKIPPED), symlinks=True)
    return target


def generate_integration_corpus(scratch: Path, modules: int) -> Path:
    """`modules` integration modules: variants of every fixture module that Python parses, each file different."""
    templates = []
    for path in sorted((REPO / "fixtures" / "python").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            compile(text, str(path), "exec")
        except SyntaxError:
            continue  # the Python 2 fixture: a parse error, not integration code to analyse
        templates.append((path.stem, text))
    # Modules other fixtures import from (`from crm_session import sf`) also go into each package under their own
    # name, so that the variants importing them find them there, as in the fixtures.
    imported = [(stem, text) for stem, text in templates if any(f"from {stem} import" in other for _, other in templates)]
    target = scratch / "integration"
    for number in range(modules):
        stem, text = templates[number % len(templates)]
        package = target / f"service_{number // 50:02d}"
        if not package.is_dir():
            package.mkdir(parents=True)
            for name, module in imported:
                (package / f"{name}.py").write_text(module, encoding="utf-8")
        variant = f"# Generated variant {number} of fixtures/python/{stem}.py.\n{text}\n\nVARIANT = {number}\n"
        (package / f"{stem}_{number}.py").write_text(variant, encoding="utf-8")
    return target


def collect_packages(scratch: Path, tools: Path, downloads: Path, intlint_home: Path) -> Path:
    """The modules of PACKAGES that intlint parses, each archive's in a folder of its own."""
    fetched = {path.name.lower().replace("_", "-") for path in downloads.glob("*")}
    missing = [spec for spec in PACKAGES if not any(name.startswith(spec.replace("==", "-")) for name in fetched)]
    if missing:
        print(f"fetching {len(missing)} integration packages into {downloads} ...", file=sys.stderr)
        subprocess.run([str(tools / "python"), "-m", "pip", "download", "-q", "--no-deps", "--dest", str(downloads), *missing], check=True)
    target = scratch / "packages"
    for archive in sorted(downloads.iterdir()):
        folder = target / archive.name
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as wheel:
                wheel.extractall(folder, [name for name in wheel.namelist() if name.endswith(".py")])
        else:
            with tarfile.open(archive) as sdist:
                modules = [member for member in sdist.getmembers() if member.isfile() and member.name.endswith(".py")]
                sdist.extractall(folder, modules, filter="data")
    env = {**os.environ, "PYTHONPATH": str(intlint_home)}
    subprocess.run([sys.executable, "-c", KEEP_PARSED, str(target)], env=env, check=True)
    return target


# -- measuring -------------------------------------------------------------------------------


def measure(scratch: Path, tools: Path, options: argparse.Namespace) -> dict[str, Timing | str]:
    intlint_home = snapshot_intlint(scratch, options.package)
    stdlib = copy_stdlib(scratch)
    corpus = generate_integration_corpus(scratch, options.modules)
    packages = collect_packages(scratch, tools, options.downloads, intlint_home)
    one_file = corpus / "service_00" / sorted(p.name for p in (corpus / "service_00").glob("order_push_job_*.py"))[0]
    env = {**os.environ, "PYTHONPATH": str(intlint_home), "NO_COLOR": "1"}
    env.pop("INTLINT_CACHE_DIR", None)
    intlint = [sys.executable, "-m", "lint", "check", "--exit-zero"]
    bandit = [str(tools / "bandit"), "-r", "-q", "-f", "json", "-o", os.devnull]
    ruff = [str(tools / "ruff"), "check", "--exit-zero", "-q"]
    caches = scratch / "caches"
    planned: dict[str, Planned] = {}

    def plan(name: str, command: list[str], cwd: Path, warm: bool = False, before_each: list[str] | None = None) -> None:
        planned[name] = Planned(command, cwd, command if warm else None, before_each)

    def cached(command: list[str], name: str) -> list[str]:
        return [*command, "--cache-dir", str(caches / name)]

    print(f"stdlib: {count(stdlib)}; integration corpus: {count(corpus)}; packages: {count(packages)}", file=sys.stderr)
    plan("stdlib intlint cold", [*intlint, "--no-cache", "."], stdlib)
    plan("stdlib intlint warm", [*cached(intlint, "intlint-stdlib"), "."], stdlib, warm=True)
    plan("stdlib bandit", [*bandit, "."], stdlib)
    plan("stdlib ruff cold", [*ruff, "--no-cache", "."], stdlib)
    plan("stdlib ruff warm", [*cached(ruff, "ruff-stdlib"), "."], stdlib, warm=True)
    files = sorted(str(path) for path in corpus.rglob("*.py"))
    plan("integration libcst parse", [sys.executable, "-c", PARSE_ONLY, *files], corpus)  # next to what it is compared with
    plan("integration intlint jobs 1", [*intlint, "--no-cache", "--jobs", "1", "."], corpus)
    plan("integration intlint jobs 2", [*intlint, "--no-cache", "--jobs", "2", "."], corpus)
    plan("integration intlint warm", [*cached(intlint, "intlint-corpus"), "."], corpus, warm=True)
    plan("integration bandit", [*bandit, "."], corpus)
    plan("integration ruff cold", [*ruff, "--no-cache", "."], corpus)
    plan("packages intlint jobs 1", [*intlint, "--no-cache", "--jobs", "1", "."], packages)
    package_files = sorted(str(path) for path in packages.rglob("*.py"))
    plan("packages libcst parse", [sys.executable, "-c", PARSE_ONLY, *package_files], packages)
    plan("one file intlint cold", [*intlint, "--no-cache", one_file.name], one_file.parent)
    edited = scratch / "edited" / one_file.name  # a copy: the others must stay unchanged
    edited.parent.mkdir()
    shutil.copyfile(one_file, edited)
    edit = [sys.executable, "-c", EDIT, edited.name]
    plan("one file intlint edited", [*cached(intlint, "edited"), edited.name], edited.parent, warm=True, before_each=edit)
    plan("one file intlint warm", [*cached(intlint, "one"), one_file.name], one_file.parent, warm=True)
    plan("one file ruff cold", [*ruff, "--no-cache", one_file.name], one_file.parent)
    results: dict[str, Timing | str] = dict(run_interleaved(planned, env, options.runs))
    results["stdlib files"] = count(stdlib)
    results["integration files"] = count(corpus)
    results["package files"] = count(packages)
    return results


@dataclass
class Planned:
    command: list[str]
    cwd: Path
    fill: list[str] | None = None  # run once before the rounds: fills the cache
    before_each: list[str] | None = None  # run, untimed, before each timed run


def run_interleaved(planned: dict[str, Planned], env: dict[str, str], runs: int) -> dict[str, Timing]:
    """Every measurement `runs` times, in rounds of one run each: a machine that slows down for a
    while (a shared host) then slows every measurement alike, and the ratios hold."""
    for measurement in planned.values():
        if measurement.fill is not None:
            _measure_once(measurement.fill, measurement.cwd, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in planned}
    for _ in range(runs):
        for name, measurement in planned.items():
            if measurement.before_each is not None:
                subprocess.run(measurement.before_each, cwd=measurement.cwd, env=env, check=True)
            samples[name].append(_measure_once(measurement.command, measurement.cwd, env))
    return {
        name: Timing(tuple(s[0] for s in taken), statistics.median(s[1] for s in taken) / 1024)
        for name, taken in samples.items()
    }


def _measure_once(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(cwd), *command], env=env, capture_output=True, text=True, check=True)
    elapsed, peak_kb, returncode, stderr = json.loads(done.stdout)
    if returncode not in (0, 1):  # bandit exits 1 when it finds something
        raise SystemExit(f"{' '.join(command[:3])} failed ({returncode}):\n{stderr}")
    return elapsed, peak_kb


def count(folder: Path) -> str:
    files = list(folder.rglob("*.py"))
    size = sum(path.stat().st_size for path in files)
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    return f"{len(files)} Python files, {lines:,} lines, {size / 1e6:.1f} MB"


# -- the table -------------------------------------------------------------------------------


def report(results: dict[str, Timing | str], options: argparse.Namespace) -> None:
    t = {name: value for name, value in results.items() if isinstance(value, Timing)}
    rows = [
        ("stdlib, cold: intlint --no-cache", "stdlib intlint cold", "bandit -r", "stdlib bandit", "<= 0.5"),
        ("stdlib, warm: intlint, nothing changed", "stdlib intlint warm", "ruff check, warm", "stdlib ruff warm", "<= 3"),
        ("stdlib, cold: intlint --no-cache", "stdlib intlint cold", "ruff check --no-cache", "stdlib ruff cold", ""),
        ("integration: intlint --jobs 2", "integration intlint jobs 2", "intlint --jobs 1", "integration intlint jobs 1", "<= 1/1.35 = 0.74"),
        ("integration: intlint --jobs 1 (all rules)", "integration intlint jobs 1", "bare libcst parse", "integration libcst parse", "<= 1.5"),
        ("packages: intlint --jobs 1 (all rules)", "packages intlint jobs 1", "bare libcst parse", "packages libcst parse", ""),
        ("integration: intlint --jobs 2", "integration intlint jobs 2", "bandit -r", "integration bandit", ""),
        ("integration: intlint, warm", "integration intlint warm", "ruff check --no-cache", "integration ruff cold", ""),
        ("one file: intlint --no-cache", "one file intlint cold", "ruff check --no-cache", "one file ruff cold", "< 0.6 s"),
        ("one file: intlint, edited (pre-commit)", "one file intlint edited", "ruff check --no-cache", "one file ruff cold", "< 0.6 s"),
        ("one file: intlint, warm cache", "one file intlint warm", "ruff check --no-cache", "one file ruff cold", "< 0.6 s"),
    ]
    print(f"\nMachine: {machine()}")
    print(f"Corpora: stdlib {results['stdlib files']}; integration {results['integration files']}; ", end="")
    print(f"packages {results['package files']} ({', '.join(PACKAGES)}); medians of {options.runs} runs\n")
    print("| measurement | intlint | compared with | their time | ratio | target |")
    print("|---|---:|---|---:|---:|---|")
    for label, ours, other_label, other, target in rows:
        ratio = t[ours].ratio(t[other])
        print(f"| {label} | {t[ours].seconds:.2f} s | {other_label} | {t[other].seconds:.2f} s | {ratio:.2f}x | {target} |")
    print("\n| peak memory (largest process) | MB |")
    print("|---|---:|")
    for name, timing in t.items():
        print(f"| {name} | {timing.peak_mb:.0f} |")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
