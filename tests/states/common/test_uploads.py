"""Upload progress reports come from the client: only a number in range is taken."""

import pytest

from nomask_app.states.common.uploads import upload_percent


@pytest.mark.parametrize(
    ("status", "percent"),
    [
        ({"progress": 0.5}, 50),
        ({"progress": "0.25"}, 25),
        ({"progress": 7}, 100),
        ({"progress": -1}, 0),
    ],
)
def test_progress_is_a_percentage_in_range(status, percent):
    assert upload_percent(status) == percent


@pytest.mark.parametrize(
    "status",
    [{}, None, "x", {"progress": "lots"}, {"progress": None}, [], {"progress": float("inf")}],
)
def test_a_malformed_report_is_ignored(status):
    assert upload_percent(status) is None
