"""Files the browser keeps back are explained by name, whatever the client sends."""

from nomask_app.services.billing.quotas import UploadLimit

FREE = UploadLimit(10_000_000, "on the Free plan")


def test_each_file_kept_back_is_named_with_the_limit():
    assert FREE.refusals(["./holiday.png", "big.mov"]) == (
        "“holiday.png” is too large: files can be at most 10 MB on the Free plan. "
        "“big.mov” is too large: files can be at most 10 MB on the Free plan."
    )


def test_what_a_client_may_send_instead_is_skipped():
    assert FREE.refusals([None, 3, {"a": 1}, "a" * 999]).count("is too large") == 1
    assert len(FREE.refusals(["a" * 999])) < 400
    assert FREE.refusals("not a list") == ""
    assert FREE.refusals(["x"] * 10_000).count("is too large") == 20
