"""rvs in the shell: tab completion (commands, and model names and data types from the
gateway), the console script's entry point, help that never shows a token, and exit
codes that the README documents."""
import re
from pathlib import Path

import pytest

from stack import embedded
from stack.cli import completion, main
from stack.cli.exit_codes import MEANINGS, ExitCode, for_status
from tests.cli_fake import FakeGateway, rvs

# A guard against a hang, not a timing. With 20 s, the first test failed in three
# full-suite runs on a 2-core machine running other suites, and never alone: its first
# call imports the whole CLI.
pytestmark = pytest.mark.timeout(90)
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
MODELS = [{"name": "iris-forest", "data_type": "iris"}, {"name": "iris-logreg", "data_type": "iris"},
          {"name": "cat-net", "data_type": "pets"}]


def complete(line: str) -> list[str]:
    """What bash's Tab offers after `line`, through the script --show-completion prints."""
    words = line.split(" ")
    result = rvs(FakeGateway(), _RVS_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1))
    assert result.exit_code == 0, result.output
    return result.stdout.split()


def test_the_completion_script_is_shown_for_the_rvs_command():
    result = rvs(FakeGateway(), "--show-completion", "bash")
    assert result.exit_code == 0 and "_RVS_COMPLETE=complete_bash" in result.stdout
    assert "complete -o default -F _rvs_completion rvs" in result.stdout


def test_commands_and_choices_complete():
    assert complete("rvs mod") == ["models"]
    assert set(complete("rvs models ")) >= {"publish", "list", "show", "role"}
    assert complete("rvs models role iris-forest 2 ba") == ["backstop"]


def test_model_names_and_data_types_complete_from_the_gateway(monkeypatch):
    monkeypatch.setattr(completion, "_models", lambda: MODELS)
    assert complete("rvs stats model iris-") == ["iris-forest", "iris-logreg"]
    assert complete("rvs predict p") == ["pets"]
    assert complete("rvs policies get ") == ["iris", "pets"]


def test_completion_offers_nothing_when_the_gateway_is_not_there(monkeypatch):
    monkeypatch.setenv("RVS_URL", f"http://127.0.0.1:{embedded.free_port()}")  # nothing listens there
    assert completion.complete_model_names("") == []


def test_help_never_shows_a_token():
    result = rvs(FakeGateway(), "--help", ADMIN_TOKEN="admin-s3cret", AUDIT_TOKEN="audit-s3cret")
    assert result.exit_code == 0 and "ADMIN_TOKEN" in result.stdout
    assert "s3cret" not in result.output


def test_the_console_script_entry_point_runs_the_app(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0 and "Exit codes" in capsys.readouterr().out


def test_http_statuses_map_to_what_failed():
    assert [for_status(s) for s in (401, 403, 404, 409, 413, 422, 429, 500, 503)] == [
        ExitCode.UNAUTHORIZED, ExitCode.UNAUTHORIZED, ExitCode.NOT_FOUND, ExitCode.REFUSED, ExitCode.REFUSED,
        ExitCode.REFUSED, ExitCode.UNAVAILABLE, ExitCode.UNAVAILABLE, ExitCode.UNAVAILABLE]


def test_the_readme_documents_every_exit_code():
    documented = {int(code) for code in re.findall(r"^\| `(\d)` \|", README, flags=re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode} == {int(code) for code in MEANINGS}
