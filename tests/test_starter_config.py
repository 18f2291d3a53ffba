"""examples/config.yml, the starter config: every built-in provider in it, and valid for
`check` once its entries are uncommented and its variables and files exist."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from sms_balance_exporter.cli import main
from sms_balance_exporter.providers import PROVIDERS

STARTER = Path(__file__).resolve().parent.parent / "examples" / "config.yml"
ENTRY_LINE = re.compile(r"^  # ", re.M)  # an account's line, commented out


def test_every_provider_is_in_the_starter_config() -> None:
    listed = re.findall(r"^  #\s+provider: (\S+)$", STARTER.read_text(), re.M)
    assert sorted(listed) == sorted(PROVIDERS)


def test_starter_config_passes_check_when_uncommented(tmp_path: Path) -> None:
    text = ENTRY_LINE.sub("  ", STARTER.read_text())
    config = tmp_path / "config.yml"
    config.write_text(text)
    variables = set(re.findall(r"\$\{(\w+)\}", text))
    env = {name: f"value-of-{name.lower()}" for name in variables}
    # Where a provider checks the shape of a value: one of that shape.
    env["INFOBIP_BASE_URL"] = "https://xyz.api.infobip.com"
    env["PLIVO_AUTH_ID"] = "MA" + "A1" * 9
    env["TWILIO_ACCOUNT_SID"] = "AC" + "0f" * 16
    env["CREDENTIALS_DIRECTORY"] = str(tmp_path)
    for name in re.findall(r"_file: \$\{CREDENTIALS_DIRECTORY\}/(\S+)", text):
        (tmp_path / name).write_text("secret\n")
    result = CliRunner().invoke(main, ["check", "--config.file", str(config)], env=env)
    assert result.exit_code == 0, result.output
    assert f"valid, {len(PROVIDERS)} account(s)" in result.output
