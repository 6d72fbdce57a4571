"""The import's progress (issue #20 item 6): a total from the start, then a count that only grows to it."""

from __future__ import annotations

import io

from rich.console import Console

from app.identity.service import OPERATOR
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.terminal import progress_bar
from tests.factories import make_places


async def test_the_import_reports_its_total_before_writing_and_counts_up_to_it(session, app, repo_root):
    places = await make_places(session, app.state.cipher)
    calls: list[tuple[int, int]] = []
    await import_register(
        session,
        places.estate.id,
        (repo_root / "samples" / "register-sample.csv").read_bytes(),
        register_format=RegisterFormat.CSV,
        source_name="register-sample.csv",
        imported_by=OPERATOR,
        cipher=app.state.cipher,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[0][0] == 0
    assert calls[0][1] > 0  # the total is known from the first report: no "0/?"
    assert all(total == calls[0][1] for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (calls[0][1], calls[0][1])


def test_the_bar_says_what_it_does_before_the_total_is_known():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with progress_bar("checking and writing units", console) as progress:
        progress.add_task("import", total=None)
        progress.refresh()
    assert "reading the file" in out.getvalue()
    assert "0/?" not in out.getvalue()
