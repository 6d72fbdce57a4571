"""A whole vote rehearsed against a real ``evote serve --dev-clock`` over HTTP (issue #19 acceptance): the test
runs ``scripts/rehearse.py``, the script the README tells people to run, and checks the README lists exactly the
script's steps."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _steps(text: str) -> list[str]:
    """The numbered steps of a list (``1.`` … ``11.``), whitespace and Markdown code marks folded away."""
    found = re.findall(r"^ ?(\d+)\. (.*?)(?=^ ?\d+\. |\n\n|\Z)", text, flags=re.MULTILINE | re.DOTALL)
    return [" ".join(body.replace("`", "").split()) for _, body in found]


def test_the_readme_lists_exactly_the_rehearsals_steps(repo_root):
    script = (repo_root / "scripts" / "rehearse.py").read_text(encoding="utf-8")
    docstring = script.split('"""')[1]
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Rehearsing against a running server.**") : readme.index("## API conventions")]
    assert ".venv/bin/python scripts/rehearse.py" in section
    listed = _steps(section[section.index("```sh") :].split("```", 2)[2])
    assert len(listed) == 11
    assert listed == _steps(docstring[docstring.index(" 1. ") :])


def test_a_whole_vote_is_rehearsed_against_evote_serve_dev_clock(tmp_path, repo_root):
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVOTE_")}
    done = subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "rehearse.py"), "--workdir", str(tmp_path), "--voters", "12"],
        env=env, cwd=repo_root, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Traceback" not in done.stderr
    printed = [line[1:3].strip() for line in done.stdout.splitlines() if line.startswith("[")]
    assert [step for step in printed if step] == [str(step) for step in range(1, 12)]
    assert "12 owners signed in, verified and voted" in done.stdout
    assert "the server closed and decided the vote" in done.stdout
    assert "PASS  every check passed" in done.stdout
    (run,) = tmp_path.iterdir()
    assert (run / "bundle.zip").stat().st_size > 10_000
    assert '"logger": "evote.sms"' in (run / "serve.log").read_text(encoding="utf-8")
