"""Lists the page keeps get only their changes (`ListPatch`, issue 18, target 4)."""

import random

from nomask_app.states.common.changes import list_patch


def applied(old: list[dict], parts: list) -> list[dict]:
    """What the page makes of `parts` (components/chat/sidebar_rows.js does the same)."""
    return [
        row
        for part in parts
        for row in (old[part[0] : part[1]] if isinstance(part, list) else [part])
    ]


def rows(*names: str) -> list[dict]:
    return [{"id": name, "title": name.upper()} for name in names]


def test_a_move_to_the_top_is_runs_of_the_old_list():
    old = rows("a", "b", "c", "d", "e")
    new = rows("d", "a", "b", "c", "e")
    parts = list_patch(old, new)
    assert parts == [[3, 4], [0, 3], [4, 5]]
    assert applied(old, parts) == new


def test_a_renamed_entry_is_sent_and_nothing_else():
    old = rows("a", "b", "c")
    new = [old[0], {"id": "b", "title": "New name"}, old[2]]
    assert list_patch(old, new) == [[0, 1], {"id": "b", "title": "New name"}, [2, 3]]


def test_added_and_removed_entries():
    old = rows("a", "b", "c")
    assert list_patch(old, rows("new", "a", "b", "c")) == [{"id": "new", "title": "NEW"}, [0, 3]]
    assert list_patch(old, rows("a", "c")) == [[0, 1], [2, 3]]
    assert list_patch(old, []) == []
    assert list_patch([], old) == old


def test_any_change_gives_the_new_list():
    chance = random.Random(18)
    for _ in range(300):
        old = rows(*chance.sample("abcdefghijklmnop", chance.randint(0, 12)))
        new = [dict(row) for row in old if chance.random() < 0.8]
        chance.shuffle(new)
        for row in new:
            if chance.random() < 0.2:
                row["title"] = "renamed"
        new += rows(*(f"n{i}" for i in range(chance.randint(0, 3))))
        assert applied(old, list_patch(old, new)) == new
