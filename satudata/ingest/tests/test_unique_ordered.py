"""Unique and key columns that run in order skip the grouping, and still find every repeat.

validate._strictly_ordered proves a column free of repeats when its values only go up (or only
down); anything else is grouped as before. The repeats below sit where a careless proof would
miss them: equal neighbours, a step back, and across the boundary of two streamed batches.
"""

import pytest

from satudata.ingest import validate as validation
from satudata.ingest.validate import validate

from .sheets_helper import make_sheet


def check(tmp_path, kind, values, **constraints):
    sheet = make_sheet(tmp_path, ["id"], [[v] for v in values])
    field = {"name": "id", "type": kind, "constraints": {"unique": True, **constraints}}
    result = validate(sheet, {"fields": [field]}, None, tmp_path / "work")
    return sorted(p.row for p in result.problems if p.code == "unique"), result


@pytest.mark.parametrize(
    ("kind", "values", "rows"),
    [
        ("integer", ["1", "2", "3", "4"], []),
        ("integer", ["9", "7", "5", "-2"], []),
        ("integer", ["1", "2", "2", "3"], [4]),
        ("integer", ["1", "2", "3", "1"], [5]),
        ("integer", ["3", "2", "1", "3"], [5]),
        ("integer", ["1", "", "2", "", "3"], []),  # empty cells are no values
        ("integer", ["1", "", "1"], [4]),
        ("number", ["0.5", "1.5", "1.50", "2"], [4]),
        ("number", ["-0", "0"], [3]),  # -0 and 0 are the same number
        ("date", ["2024-01-01", "2024-01-02", "2024-01-02"], [4]),
        ("string", ["a", "b", "c"], []),
        ("string", ["a", "b", "b"], [4]),
        ("string", ["b", "a", "B"], []),
    ],
)
def test_it_finds_every_repeat_in_short_columns(tmp_path, kind, values, rows):
    assert check(tmp_path, kind, values)[0] == rows


def test_it_finds_a_repeat_across_batches(tmp_path, monkeypatch):
    # batches of 2048 rows: the repeat is the last row of one and the first of the next
    monkeypatch.setattr(validation, "ROW_GROUP_CELLS", 1)
    values = [str(i) for i in range(1, 2049)] + ["2048"] + [str(i) for i in range(2049, 3000)]
    rows, _result = check(tmp_path, "integer", values)
    assert rows == [2050]


def test_it_proves_an_ordered_id_without_grouping(tmp_path, monkeypatch):
    grouped = []
    original = validation._Run._duplicates

    def spy(self, columns, code):
        result = original(self, columns, code)
        grouped.append(result)
        return result

    monkeypatch.setattr(validation._Run, "_duplicates", spy)
    ordered = validation._Run._strictly_ordered
    proofs = []
    monkeypatch.setattr(
        validation._Run,
        "_strictly_ordered",
        lambda self, column: proofs.append(ordered(self, column)) or proofs[-1],
    )
    rows, result = check(tmp_path, "integer", [str(i) for i in range(1, 500)])
    assert rows == [] and proofs == [True] and grouped == [0]
    # a proven key also proves the rows distinct: no identical-row search either
    assert not any(p.code == "row.duplicate" for p in result.problems)
