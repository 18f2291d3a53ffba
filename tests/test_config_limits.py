"""Config input that cannot blow up: alias bombs, devices, FIFOs and huge numbers fail fast
with a clear message, through `check` and through `load_config` as a reload uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from sms_balance_exporter.config import ConfigError, load_config
from sms_balance_exporter.yamlfile import MAX_ALIAS_NODES, MAX_CONFIG_BYTES

Write = Callable[..., Path]
ACCOUNT = "  - {name: tr, provider: iletimerkezi, key: k, hash: h}\n"
# A child process running `check` that reports how long loading took and its peak RSS: the
# bounds hold however slowly the interpreter starts on a loaded machine. The peak is VmHWM,
# which starts afresh with the new program; getrusage's ru_maxrss would carry the forking
# pytest process's own peak across exec.
CHECK_CHILD = """
import json, sys, time
from sms_balance_exporter.cli import main
start = time.monotonic()
try:
    main(["check", "--config.file", sys.argv[1]])
except SystemExit as exit:
    code = exit.code
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"code": code, "seconds": time.monotonic() - start, "rss_mb": peak_kb / 1024}),
      file=open(sys.argv[2], "w"))
"""


def alias_bomb(levels: int = 9) -> str:
    """The classic "billion laughs": 9 levels of 9 aliases, 9**9 strings once expanded."""
    lines = ['    - &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    for level in range(1, levels):
        refs = ",".join([f"*l{level - 1}"] * 9)
        lines.append(f"    - &l{level} [{refs}]\n")
    return "".join(lines)


def bomb_in_account() -> str:
    return "accounts:\n  - name: tr\n    provider: iletimerkezi\n    key: k\n    hash:\n" + (
        alias_bomb().replace("    - ", "      - ")
    )


def bomb_in_defaults() -> str:
    return "defaults:\n  timeout:\n" + alias_bomb() + "accounts:\n" + ACCOUNT


def huge_integer() -> str:
    return "accounts:\n  - {name: tr, provider: iletimerkezi, key: " + "7" * 5000 + ", hash: h}\n"


def run_check(config: Path, tmp_path: Path) -> tuple[dict[str, float], str]:
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-c", CHECK_CHILD, str(config), str(report)],
        capture_output=True,
        text=True,
        timeout=120,  # a deadline against a hang, not the bound under test
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(report.read_text()), result.stderr


def fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "alias bomb in an account": (
        lambda tmp: write(tmp, bomb_in_account()),
        f"aliases (*name) expand the document by more than {MAX_ALIAS_NODES} values",
    ),
    "alias bomb in defaults": (
        lambda tmp: write(tmp, bomb_in_defaults()),
        f"aliases (*name) expand the document by more than {MAX_ALIAS_NODES} values",
    ),
    "key_file: /dev/zero": (
        lambda tmp: write(
            tmp, "accounts:\n  - {name: tr, provider: iletimerkezi, key_file: /dev/zero, hash: h}\n"
        ),
        "field 'key_file': cannot read the file /dev/zero: not a regular file "
        "(it is a character device)",
    ),
    "FIFO as a secret file": (
        lambda tmp: write(
            tmp,
            "accounts:\n  - {name: tr, provider: iletimerkezi, key: k, hash_file: "
            f"{fifo(tmp, 'hash')}}}\n",
        ),
        "field 'hash_file': cannot read the file ",
    ),
    "FIFO as the config": (
        lambda tmp: fifo(tmp, "config.yml"),
        "cannot read config file: not a regular file (it is a named pipe)",
    ),
    "5000-digit integer": (
        lambda tmp: write(tmp, huge_integer()),
        "YAML error: line 2, column 45: a whole number too long to read (more than 4300 "
        "digits); quote it if it is text",
    ),
}


def write(tmp: Path, text: str) -> Path:
    path = tmp / "config.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", CASES)
def test_check_fails_fast_and_small(case: str, tmp_path: Path) -> None:
    make, expected = CASES[case]
    config = make(tmp_path)
    report, stderr = run_check(config, tmp_path)
    assert report["code"] == 1
    assert expected in stderr
    assert "Traceback" not in stderr
    assert report["seconds"] < 2.0, report
    assert report["rss_mb"] < 100, report


@pytest.mark.parametrize("case", CASES)
def test_load_config_fails_with_config_error_as_a_reload_would(case: str, tmp_path: Path) -> None:
    make, expected = CASES[case]
    config = make(tmp_path)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_config(config, {})
        except BaseException as error:  # the test inspects whatever it was
            outcome.append(error)
        else:
            outcome.append(None)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=30)  # a FIFO read would block here for good
    assert not worker.is_alive(), "load_config blocked"
    (error,) = outcome
    assert isinstance(error, ConfigError)
    assert any(expected in problem for problem in error.problems), error.problems


def test_anchors_and_aliases_still_work(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "accounts:\n"
        "  - &first {name: a, provider: iletimerkezi, key: k, hash: h, "
        "low_balance: &low {amount: 5}}\n"
        "  - {<<: *first, name: b, low_balance: *low}\n"
        + "".join(f"  - {{<<: *first, name: n{i}, low_balance: *low}}\n" for i in range(2000)),
    )
    accounts = load_config(config, {}).accounts
    assert len(accounts) == 2002
    assert accounts[1].low_balance.amount == 5


def test_shared_nodes_are_expanded_once(tmp_path: Path) -> None:
    # Below the alias bound, but a tree walk would visit 9**5 strings for each account.
    anchors = alias_bomb(levels=5).replace("    - ", "      - ")
    config = write(
        tmp_path,
        "accounts:\n  - name: tr\n    provider: generic\n    base_url: https://x.example\n"
        "    unused:\n" + anchors,
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    assert any("field 'unused': unknown field" in p for p in caught.value.problems)


def test_a_config_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path, "accounts:\n" + ACCOUNT + "#" * MAX_CONFIG_BYTES)
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    assert caught.value.problems == [
        f"{config}: cannot read config file: larger than the limit of 4 MiB"
    ]


def test_a_secret_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "hash").write_text("h" * (64 * 1024 + 1))
    config = write(
        tmp_path,
        "accounts:\n  - {name: tr, provider: iletimerkezi, key: k, "
        f"hash_file: {tmp_path}/hash}}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    assert caught.value.problems == [
        f"{config}: accounts[0] (name 'tr'), field 'hash_file': cannot read the file "
        f"{tmp_path}/hash: larger than the limit of 64 KiB"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accounts: " + "[" * 200 + "]" * 200 + "\n", "nested deeper than 100 levels"),
        ("accounts:\n  - {name: tr, provider: x, since: 2001-02-30}\n", "not a valid date"),
        ("accounts:\n  - {name: tr\x00}\n", "character #x0000 is not allowed in YAML"),
    ],
)
def test_other_unreadable_input_is_a_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), {})
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_an_unexpected_failure_is_a_config_error_without_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> object:
        raise KeyError("SECRET-IN-THE-ERROR")

    monkeypatch.setattr("sms_balance_exporter.config.load_yaml", broken)
    config = write(tmp_path, "accounts:\n" + ACCOUNT)
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    assert caught.value.problems == [f"{config}: cannot load the config: unexpected KeyError"]


def test_the_snippet_of_a_bad_credential_hides_its_value(tmp_path: Path) -> None:
    config = write(tmp_path, huge_integer())
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    (problem,) = caught.value.problems
    assert "777" not in problem
    assert "key: <hidden>" in problem


def test_a_merge_key_bomb_fails_fast(tmp_path: Path) -> None:
    # `<<:` copies the merged pairs into each mapping: nested merges grow as 9**levels too.
    lines = ["x0: &x0 {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1}\n"]
    lines += [f"x{i}: &x{i} {{<<: [{', '.join([f'*x{i - 1}'] * 9)}]}}\n" for i in range(1, 12)]
    config = write(tmp_path, "defaults:\n" + "".join("  " + line for line in lines))
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    assert any("aliases (*name) expand the document" in p for p in caught.value.problems)
