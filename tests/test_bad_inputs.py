"""Bad input fails before any work, with one line naming the option, the bad value and what is
valid: the checks module (`pwlkit.checks`) and every entry point that uses it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pwlkit.checks import (
    MAX_SEED,
    NON_NEGATIVE,
    POSITIVE,
    SEED,
    BadParameter,
    Folder,
    Interval,
    ListOf,
    Options,
    Pattern,
    Text,
    as_constraint,
    check,
    check_names,
    check_params,
    cli_option,
    did_you_mean,
)
from pwlkit.cli import UserError, main
from pwlkit.train.api import fit_predict_many  # the real one (`no_work` replaces it)

# ------------------------------------------------------------------------------ constraints


def rejects(constraint, value, *parts: str, name: str = "x") -> str:
    """The message `check` gives for ``value``; it must be one line holding ``parts``."""
    with pytest.raises(BadParameter) as info:
        check(name, value, constraint)
    msg = str(info.value)
    assert "\n" not in msg
    for part in parts:
        assert part in msg, (part, msg)
    return msg


def test_integer_interval_accepts_and_returns_python_ints():
    assert check("n", 3, POSITIVE) == 3
    value = check("n", np.int64(3), POSITIVE)
    assert value == 3 and type(value) is int
    assert check("n", 0, NON_NEGATIVE) == 0
    assert check("s", MAX_SEED, SEED) == MAX_SEED
    assert check("n", 10, Interval(int, None, 10)) == 10


@pytest.mark.parametrize("value", [0, -1, 2.0, 2.5, "3", True, None, [1]])
def test_integer_interval_rejects(value):
    msg = rejects(POSITIVE, value, "x must be an integer >= 1, got ")
    assert msg.endswith(repr(value))


def test_interval_messages_give_the_range():
    assert rejects(SEED, -1, "[0, 4294967295]", "got -1")
    assert rejects(SEED, 2**70, "[0, 4294967295]")
    assert rejects(Interval(int, 2, 10), 11, "an integer in [2, 10], got 11")
    assert rejects(Interval(int, None, 10), 11, "an integer <= 10")
    assert rejects(Interval(int, None, 10, closed="left"), 10, "an integer < 10")
    assert rejects(Interval(int, None, None), "a", "must be an integer, got 'a'")


def test_float_interval_is_finite_and_returns_floats():
    unit = Interval(float, 0, 1)
    assert check("r", 1, unit) == 1.0 and type(check("r", 1, unit)) is float
    assert check("r", 0.0, unit) == 0.0
    assert check("lr", 1e300, Interval(float, 0, None, closed="neither")) == 1e300
    rejects(unit, 5, "x must be a number in [0, 1], got 5")
    rejects(unit, math.nan, "got nan")
    rejects(Interval(float, 0, None), math.inf, "a finite number >= 0, got inf")
    rejects(Interval(float, 0, None, closed="neither"), 0, "a finite number > 0, got 0")
    rejects(Interval(float, None, None), "abc", "a finite number, got 'abc'")
    rejects(Interval(float, 0, 100, closed="right", noun="percent"), 0, "a percent in (0, 100]")
    rejects(Interval(float, 0, 1, closed="left"), 1, "[0, 1)")
    rejects(Interval(float, 0, 1, closed="neither"), 1, "(0, 1)")
    rejects(unit, True, "got True")


def test_interval_declaration_errors():
    with pytest.raises(TypeError):
        Interval(str, 0, 1)
    with pytest.raises(ValueError, match="closed must be one of"):
        Interval(int, 0, 1, closed="open")


def test_options_suggest_the_closest_name():
    backbone = Options(("gcn", "mlp", "transformer"), what="backbone")
    assert check("backbone", "gcn", backbone) == "gcn"
    msg = rejects(backbone, "gnc", name="--backbone")
    assert msg == (
        "--backbone: unknown backbone 'gnc' (did you mean 'gcn'?). "
        "Valid backbones: gcn, mlp, transformer"
    )
    # the name is not repeated when it is the thing itself
    assert rejects(backbone, "zzz", name="backbone").startswith("unknown backbone 'zzz'. Valid")
    plain = Options(("a", "b"))
    rejects(plain, "c", "x must be one of a, b, got 'c'")
    rejects(plain, 1, "got 1")
    rejects(Options(("child",), what="child", plural="children"), "x", "Valid children: child")


def test_options_choices_may_come_later():
    calls = []

    def names():
        calls.append(1)
        return ["late"]

    late = Options(names, what="name")
    assert not calls
    assert check("n", "late", late) == "late"
    rejects(late, "lat", "did you mean 'late'?")
    assert len(calls) == 1


def test_list_of_items():
    sizes = ListOf(Interval(int, 2, None))
    assert check("k", [10, 20], sizes) == (10, 20)
    assert check("k", 10, sizes) == (10,)  # a lone value is a list of one
    rejects(sizes, [], "k must list at least one value, got []", name="k")
    rejects(sizes, [10, 10], "k: 10 is listed twice", name="k")
    rejects(sizes, [10, 1], "k must be an integer >= 2, got 1", name="k")
    assert check("k", [1, 1], ListOf(POSITIVE, unique=False)) == (1, 1)
    assert "none twice" in sizes.describe()
    assert sizes.accepts([3]) and not sizes.accepts([3, 3]) and not sizes.accepts([])


def test_text_pattern_and_types():
    assert check("n", "  mse ", Text()) == "mse"
    rejects(Text(), "  ", "a name (non-empty text), got '  '")
    rejects(Text(), 3, "got 3")
    name = Pattern(r"[a-z]+", "lower-case letters")
    assert check("n", "abc", name) == "abc"
    rejects(name, "a/b", "n must be lower-case letters, got 'a/b'", name="n")
    assert check("d", "x", str) == "x"
    rejects(str, 3, "must be text, got 3")
    rejects(dict, [1], "must be a mapping, got [1]")


def test_none_and_unions():
    maybe = [POSITIVE, None]
    assert check("t", None, maybe) is None
    assert check("t", 2, maybe) == 2
    rejects(maybe, 0, "t must be an integer >= 1 or None, got 0", name="t")
    assert isinstance(as_constraint([POSITIVE]), Interval)
    with pytest.raises(TypeError, match="not a constraint"):
        as_constraint("an integer")


def test_folders(tmp_path):
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    new, existing = Folder(), Folder(exists=True)
    assert check("d", tmp_path, existing) == tmp_path
    assert check("d", str(tmp_path / "new" / "deeper"), new) == str(tmp_path / "new" / "deeper")
    rejects(existing, str(tmp_path / "missing"), "an existing folder", "(no such folder)")
    rejects(existing, str(afile), "(it is a file)")
    rejects(new, str(afile), "a folder (existing or new)", "(it is a file)")
    rejects(new, str(afile / "sub"), f"({str(afile)!r} is a file)")
    rejects(new, "", "(not a path)")
    rejects(new, 3, "(not a path)")


def test_check_params_names_each_value_as_typed():
    decl = {"train_size": Interval(int, 2, None), "seed": SEED, "threads": [POSITIVE, None]}
    assert check_params({"train_size": 5, "seed": np.int64(1)}, decl) == {
        "train_size": 5,
        "seed": 1,
    }
    with pytest.raises(BadParameter, match=r"^--train-size must be an integer >= 2, got 1$"):
        check_params({"train_size": 1}, decl, names=cli_option)
    with pytest.raises(BadParameter, match=r"^-n must be"):
        check_params({"train_size": 1}, decl, names={"train_size": "-n"})
    with pytest.raises(BadParameter, match=r"^seed must be"):
        check_params({"seed": -1}, decl, names={"train_size": "-n"})
    # skip_none: None is "not given", and the message does not offer None
    assert check_params({"threads": None}, decl, skip_none=True) == {"threads": None}
    with pytest.raises(BadParameter, match=r"integer >= 1, got 0$"):
        check_params({"threads": 0}, decl, skip_none=True)

    class FileError(BadParameter):
        pass

    with pytest.raises(FileError):
        check_params({"seed": "a"}, decl, error=FileError)
    with pytest.raises(TypeError, match="no constraint declared for 'seeds'"):
        check_params({"seeds": 1}, decl)


def test_check_names_and_did_you_mean():
    assert did_you_mean("hiden", ["hidden", "layers"]) == " (did you mean 'hidden'?)"
    assert did_you_mean("qqq", ["hidden"]) == ""
    check_names(["hidden"], ["hidden", "layers"])
    with pytest.raises(BadParameter) as info:
        check_names(["hiden"], ["layers", "hidden"], what="setting", where="--set")
    assert str(info.value) == (
        "--set: unknown setting 'hiden' (did you mean 'hidden'?). Valid settings: hidden, layers"
    )
    assert cli_option("runs_per_job") == "--runs-per-job"
    assert issubclass(BadParameter, ValueError) and issubclass(UserError, BadParameter)


# ------------------------------------------------------------------------------ training and run options


@pytest.fixture
def no_work(monkeypatch):
    """Any training or run that starts fails the test (every case must stop before)."""

    def started(*args, **kwargs):
        raise AssertionError("work started")

    import pwlkit.search.grid
    import pwlkit.search.summary
    import pwlkit.study.driver
    import pwlkit.train
    import pwlkit.train.api

    monkeypatch.setattr(pwlkit.train, "fit_predict", started)
    monkeypatch.setattr(pwlkit.train.api, "fit_predict_many", started)
    monkeypatch.setattr(pwlkit.study.driver, "run_jobs", started)
    monkeypatch.setattr(pwlkit.search.summary, "run_cells", started)
    monkeypatch.setattr(pwlkit.search.grid, "run_cells", started)


def cli_error(capsys, *argv: str, parts: tuple[str, ...] = ()) -> str:
    """Run the CLI; it must exit 2 with one line on stderr holding ``parts``."""
    code = main(list(argv))
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert "\n" not in err and "Traceback" not in err, err
    for part in parts:
        assert part in err, (part, err)
    return err


FIT = ("fit", "--benchmark", "nbgraph-cora", "--loss", "hr", "--train-size", "20", "--epochs", "1")


@pytest.mark.parametrize(
    ("extra", "parts"),
    [
        (["--set", "lr_min_ratio=5"], ["--set lr_min_ratio", "got 5", "[0, 1]"]),
        (["--seed", "-1"], ["--seed", "got -1", "[0, 4294967295]"]),
        (
            ["--seed", "99999999999999999999"],
            ["--seed", "got 99999999999999999999", "[0, 4294967295]"],
        ),
        (["--set", "hidden=abc"], ["--set hidden", "got 'abc'", "integer >= 1"]),
        (["--set", "hidden=2.5"], ["--set hidden", "got 2.5", "integer >= 1"]),
        (["--set", "epochs=3"], ["--set epochs", "use --epochs 3"]),
        (["--set", "seed=3"], ["--set seed", "use --seed 3"]),
        (["--set", "batch_size=abc"], ["--set batch_size", "got 'abc'", "integer >= 1"]),
        (["--set", "lr=abc"], ["--set lr", "got 'abc'", "finite number > 0"]),
        (["--set", "lr=inf"], ["--set lr", "got 'inf'", "finite number > 0"]),
        (["--set", "lr=Infinity"], ["--set lr", "got inf", "finite number > 0"]),
        (["--set", "weight_decay=-1"], ["--set weight_decay", "got -1", ">= 0"]),
        (["--set", "threads=0"], ["--set threads", "got 0"]),
        (["--set", "lr=1", "--set", "lr=2"], ["--set lr is given twice", "1 and 2"]),
        (["--set", "lr"], ["--set expects KEY=VALUE", "'lr'"]),
        (["--set", "hiden=64"], ["--set", "'hiden'", "did you mean 'hidden'?", "batch_size"]),
        (["--backbone", "gcm"], ["--backbone", "'gcm'", "did you mean 'gcn'?", "transformer"]),
        (
            ["--backbone", "transformer", "--set", "heads=3"],
            ["--set heads must divide --set dim", "heads=3"],
        ),
        (["--epochs", "0"], ["--epochs must be an integer >= 1, got 0"]),
        (["--train-size", "1"], ["--train-size must be an integer >= 2, got 1"]),
        (["--train-size", "99999"], ["--train-size", "[2, 26206]", "got 99999"]),
        (["--signal", "tst"], ["--signal", "'tst'", "did you mean 'test'?"]),
        (["--loss", "hinge"], ["--loss", "'hinge'", "mse"]),
    ],
)
def test_fit_options(no_work, capsys, extra, parts):
    cli_error(capsys, *FIT, *extra, parts=tuple(parts))


def test_fit_data_dir_must_exist(no_work, capsys, tmp_path):
    missing = str(tmp_path / "nope")
    cli_error(capsys, *FIT, "--data-dir", missing, parts=("--data-dir", repr(missing), "exist"))


def test_fit_on_a_copied_test_column_warns(monkeypatch, capsys):
    import pwlkit.train

    monkeypatch.setattr(
        pwlkit.train, "fit_predict", lambda bench, idx, **kw: np.linspace(0, 1, bench.num_archs)
    )
    args = ["fit", "--benchmark", "analognas-baseline", "--train-size", "10", "--epochs", "1"]
    assert main([*args, "--signal", "test", "--json"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("pwlkit fit: warning:")
    assert "'analognas-baseline'" in err[0] and "copy of val" in err[0]


def test_fit_predict_entry_checks():
    from pwlkit.benchmarks import load_benchmark
    from pwlkit.train.config import resolve

    bench = load_benchmark("nbgraph-cora")
    idx = np.arange(10)
    cases = [
        ({"lr": math.inf}, r"^lr must be a finite number > 0, got inf$"),
        ({"lr_min_ratio": 5}, r"^lr_min_ratio must be a number in \[0, 1\], got 5$"),
        ({"hidden": "abc"}, r"^hidden must be an integer >= 1, got 'abc'$"),
        ({"batch_size": 2.5}, r"^batch_size must be an integer >= 1, got 2.5$"),
        ({"threads": 0}, r"^threads must be an integer >= 1 or None, got 0$"),
        ({"hiden": 3}, r"^unknown setting 'hiden' for backbone 'gcn' \(did you mean 'hidden'"),
        ({"signal": "tset"}, r"^unknown signal 'tset' \(did you mean 'test'\?\)"),
        ({"seeds": [-1]}, r"^seeds must be an integer in \[0, 4294967295\], got -1$"),
        ({"backbone": "mpl"}, r"^unknown backbone 'mpl' \(did you mean 'mlp'\?\)"),
        ({"epochs": 0}, r"^epochs must be an integer >= 1, got 0$"),
    ]
    for kwargs, match in cases:
        seeds = kwargs.pop("seeds", [0])
        kwargs.setdefault("epochs", 1)
        with pytest.raises(BadParameter, match=match):
            fit_predict_many(bench, [idx], ["mse"], seeds, **kwargs)
    train, arch = resolve("transformer", 3, {"dim": 32, "lr": 1})
    assert train["epochs"] == 3 and train["lr"] == 1.0 and arch == {"dim": 32}
    with pytest.raises(BadParameter, match=r"^heads must divide dim, got heads=3, dim=64$"):
        resolve("transformer", None, {"heads": 3})


STUDY = (
    "name: t\nbenchmarks: [nbgraph-cora]\nlosses: [mse]\ntrain_sizes: [10]\nseeds: 1\nepochs: 1\n"
)


@pytest.fixture
def study_file(tmp_path):
    def write(extra: str = "", name: str = "study.yaml"):
        path = tmp_path / name
        path.write_text(STUDY + f"output_dir: {tmp_path / 'out'}\n" + extra)
        return path

    return write


@pytest.mark.parametrize(
    ("extra", "parts"),
    [
        (["--threads", "0", "--executor", "inline"], ["--threads", "integer >= 1", "got 0"]),
        (["--threads", "0", "--executor", "local"], ["--threads", "integer >= 1", "got 0"]),
        (["--threads", "-1"], ["--threads", "got -1"]),
        (["--retries", "-1"], ["--retries must be an integer >= 0, got -1"]),
        (["--workers", "0"], ["--workers must be an integer >= 1, got 0"]),
        (["--executor", "foo"], ["--executor", "'foo'", "inline, local, dask"]),
    ],
)
def test_study_run_options(no_work, capsys, study_file, extra, parts):
    cli_error(capsys, "study", "run", str(study_file()), "--no-progress", *extra, parts=parts)


def test_study_run_data_dir_must_exist(no_work, capsys, study_file, tmp_path):
    missing = str(tmp_path / "nope")
    cli_error(
        capsys, "study", "run", str(study_file()), "--data-dir", missing, parts=("--data-dir",)
    )


def test_benchmarks_data_dir_must_exist(capsys, tmp_path):
    missing = str(tmp_path / "nope")
    cli_error(
        capsys,
        "benchmarks",
        "--data-dir",
        missing,
        parts=("--data-dir must be an existing folder", repr(missing), "no such folder"),
    )
    afile = tmp_path / "f"
    afile.write_text("")
    cli_error(capsys, "info", "nbgraph-cora", "--data-dir", str(afile), parts=("it is a file",))


# ------------------------------------------------------------------------------ searches


SEARCH = ("search", "--benchmark", "nbgraph-cora", "--runs", "2", "--budget", "20", "--no-store")


@pytest.mark.parametrize(
    ("extra", "parts"),
    [
        (["--first-seed", "-1"], ["--first-seed", "[0, 4294967295]", "got -1"]),
        (
            ["--first-seed", "99999999999999999999"],
            ["--first-seed", "got 99999999999999999999"],
        ),
        (["--first-seed", str(2**32 - 1)], ["--first-seed", "[0, 4294967294]"]),
        (["--runs", "0"], ["--runs must be an integer >= 1, got 0"]),
        (["--budget", "0"], ["--budget must be an integer >= 1, got 0"]),
        (["--runs-per-job", "0"], ["--runs-per-job must be an integer >= 1, got 0"]),
        (["--workers", "0"], ["--workers must be an integer >= 1, got 0"]),
        (["--executor", "gpu"], ["--executor", "'gpu'", "inline, local, dask"]),
        (["--strategy", "rnadom"], ["--strategy", "'rnadom'", "did you mean 'random'?"]),
        (["--strategy", "hr(foo=1)"], ["--strategy", "'hr(foo=1)'", "margin"]),
        (
            ["--strategy", "mse", "--backbone", "gcm"],
            ["--backbone", "'gcm'", "did you mean 'gcn'?"],
        ),
        (["--strategy", "mse", "--epochs", "0"], ["--epochs must be an integer >= 1, got 0"]),
        (["--strategy", "mse", "--n-init", "0"], ["--n-init must be an integer >= 1, got 0"]),
        (["--strategy", "mse", "--top-k", "-2"], ["--top-k must be an integer >= 1, got -2"]),
        (["--strategy", "mse", "--prune", "alive"], ["prune", "'alive'", "none, dead"]),
    ],
)
def test_search_options(no_work, capsys, extra, parts):
    args = list(SEARCH)
    if "--strategy" not in extra:
        args += ["--strategy", "random"]
    cli_error(capsys, *args, *extra, parts=tuple(parts))


def test_search_output_dir_must_be_a_folder(no_work, capsys, tmp_path):
    afile = tmp_path / "f"
    afile.write_text("")
    base = [a for a in SEARCH if a != "--no-store"] + ["--strategy", "random"]
    cli_error(capsys, *base, "--output-dir", str(afile), parts=("--output-dir", "it is a file"))
    cli_error(
        capsys,
        *base,
        "--output-dir",
        str(afile / "sub"),
        parts=("--output-dir", repr(str(afile / "sub")), "is a file"),
    )


def test_search_api_entry_checks(no_work):
    from pwlkit.search import run_search
    from pwlkit.search.api import make_config
    from pwlkit.search.summary import summarize_search

    with pytest.raises(BadParameter, match=r"^unknown backbone 'gcm' \(did you mean 'gcn'\?\)"):
        make_config(backbone="gcm")
    with pytest.raises(BadParameter, match=r"^hparams: unknown setting 'hiden'"):
        make_config(hparams={"hiden": 3})
    with pytest.raises(BadParameter, match=r"^lr must be a finite number > 0, got inf"):
        make_config(hparams={"lr": math.inf})
    with pytest.raises(BadParameter, match=r"^first_seed must be an integer in \[0, "):
        summarize_search("nbgraph-cora", "random", 20, 2, first_seed=-1, output_dir=None)
    with pytest.raises(BadParameter, match=r"^unknown executor 'gpu'"):
        summarize_search("nbgraph-cora", "random", 20, 2, executor="gpu", output_dir=None)
    with pytest.raises(BadParameter, match=r"^seeds must be an integer in \[0, "):
        from pwlkit.benchmarks import load_benchmark

        run_search(load_benchmark("nbgraph-cora"), "random", 20, seed=-1)


# ------------------------------------------------------------------------------ study and search-study files


@pytest.mark.parametrize(
    ("extra", "parts"),
    [
        ("losses: [hr]\n", ["key 'losses' appears twice", "line 8", "first on line 3"]),
        ("name: u\n", ["key 'name' appears twice", "first on line 1"]),
        ("hyperparameters: {lr: 0.1, lr: 0.2}\n", ["key 'lr' appears twice"]),
        ("backbones: []\n", ["key 'backbones' must list at least one value, got []"]),
        ("backbones: [gcm]\n", ["key 'backbones'", "'gcm'", "did you mean 'gcn'?"]),
        (
            "hyperparameters: {hidden: abc}\n",
            ["key 'hyperparameters'", "hidden must be an integer >= 1, got 'abc'"],
        ),
        ("hyperparameters: {lr: .inf}\n", ["key 'hyperparameters'", "lr", "got inf"]),
        ("hyperparameters: {hiden: 3}\n", ["'hiden'", "did you mean 'hidden'?"]),
        ("cells_per_job: 0\n", ["key 'cells_per_job' must be an integer >= 1, got 0"]),
    ],
)
def test_bad_study_files(no_work, capsys, study_file, extra, parts):
    path = study_file(extra)
    err = cli_error(capsys, "study", "status", str(path), parts=tuple(parts))
    assert str(path) in err
    cli_error(capsys, "study", "run", str(path), parts=tuple(parts))


def test_study_engine_settings_fail_at_load(study_file):
    from pwlkit.study import StudyError, load_study

    with pytest.raises(StudyError, match=r"key 'hyperparameters': hidden must be an integer"):
        load_study(study_file("hyperparameters: {hidden: abc}\n"))
    with pytest.raises(StudyError, match=r"key 'seeds' must be an integer in \[0, 4294967295\]"):
        load_study({**load_study(study_file()).to_dict(), "seeds": [-1]})


def test_study_run_on_a_folder_lists_its_study_files(no_work, capsys, study_file, tmp_path):
    study_file(name="a.yaml")
    study_file(name="b.yaml")
    cli_error(
        capsys,
        "study",
        "run",
        str(tmp_path),
        parts=(repr(str(tmp_path)), "is a folder", "a.yaml, b.yaml"),
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    cli_error(capsys, "study", "status", str(empty), parts=("is a folder", "no .yaml file"))


SEARCH_STUDY = "name: s\nbenchmarks: [nbgraph-cora]\nstrategies: [mse]\nbudgets: [20]\nseeds: 2\n"


@pytest.mark.parametrize(
    ("extra", "parts"),
    [
        ("strategies: [random]\n", ["key 'strategies' appears twice", "first on line 3"]),
        ("name: u\n", ["key 'name' appears twice"]),
        ("backbone: gcm\n", ["key 'backbone'", "'gcm'", "did you mean 'gcn'?"]),
        ("hyperparameters: {lr: .inf}\n", ["key 'hyperparameters'", "lr", "got inf"]),
        ("hyperparameters: {hidden: abc}\n", ["key 'hyperparameters'", "hidden", "'abc'"]),
        ("epochs: 0\n", ["key 'epochs' must be an integer >= 1, got 0"]),
        ("signals: []\n", ["key 'signals' must list at least one value"]),
        ("runs_per_job: 0\n", ["key 'runs_per_job' must be an integer >= 1, got 0"]),
        ("seeds: [-1]\n", ["key 'seeds' appears twice", "first on line 5"]),
    ],
)
def test_bad_search_study_files(no_work, capsys, tmp_path, extra, parts):
    path = tmp_path / "s.yaml"
    path.write_text(SEARCH_STUDY + f"output_dir: {tmp_path / 'out'}\n" + extra)
    err = cli_error(capsys, "search", "--study", str(path), parts=tuple(parts))
    assert str(path) in err


def test_search_study_strategy_names(no_work, capsys, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SEARCH_STUDY.replace("[mse]", "[rnadom]"))
    cli_error(
        capsys,
        "search",
        "--study",
        str(path),
        parts=("key 'strategies'", "'rnadom'", "did you mean 'random'?"),
    )
    cli_error(capsys, "search", "--study", str(tmp_path), parts=("is a folder", "s.yaml"))
    from pwlkit.search.grid import load_search_study

    raw = {"name": "s", "benchmarks": ["nbgraph-cora"], "strategies": ["mse"], "budgets": [20]}
    with pytest.raises(BadParameter, match=r"key 'seeds' must be an integer in \[0, 4294967295\]"):
        load_search_study({**raw, "seeds": [-1]})
    with pytest.raises(BadParameter, match=r"key 'seeds' must be an integer >= 1, got 0"):
        load_search_study({**raw, "seeds": 0})


def test_a_reader_that_leaves_early_ends_the_command_quietly(monkeypatch, capsys):
    """`pwlkit benchmarks | head -1`: the closed pipe is not an error with a traceback."""
    import sys

    from pwlkit.cli import main

    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["benchmarks"]) == 141
    assert "Traceback" not in capsys.readouterr().err
