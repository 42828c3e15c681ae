"""The file as a whole: header, encoding, CSV structure, row numbers, the error cap."""

import io

import pytest

from portal.models import Territory
from workflows.imports import errors as e
from workflows.imports import import_csv

from .helpers import HEADERS, csv_bytes, only_error

TERRITORIES = HEADERS["territories"]


def test_bom_is_tolerated(db, rows_of):
    data = csv_bytes(TERRITORIES, "WORLD,World,", bom=True)
    result = import_csv("territories", io.BytesIO(data))
    assert result.ok and result.inserted == 1
    assert rows_of(Territory) == 1


def test_columns_may_come_in_any_order_and_cells_are_trimmed(run, db):
    result = run("territories", "parent_code, name ,code", ",  World  , WORLD ")
    assert result.ok
    assert db.session.query(Territory).one().name == "World"


def test_blank_lines_and_empty_rows_are_skipped(run):
    result = run("territories", TERRITORIES, "", "WORLD,World,", ",,", "", "EMEA,Europe,WORLD")
    assert result.ok and result.rows_total == 2 and result.inserted == 2


def test_header_only_imports_nothing_and_succeeds(run):
    result = run("territories", TERRITORIES)
    assert result.ok and result.rows_total == 0


@pytest.mark.parametrize(
    ("header", "message", "params"),
    [
        (
            "code,name",
            e.MISSING_COLUMNS,
            {"columns": "parent_code", "expected": "code, name, parent_code"},
        ),
        (
            "code,name,parent_code,colour",
            e.UNKNOWN_COLUMNS,
            {"columns": "colour", "expected": "code, name, parent_code"},
        ),
        ("code,name,parent_code,code", e.DUPLICATE_COLUMN, {"name": "code"}),
    ],
)
def test_wrong_header_is_rejected_naming_the_columns(run, rows_of, header, message, params):
    error = only_error(run("territories", header, "WORLD,World,"))
    assert (error.row, error.message, error.params) == (1, message, params)
    assert rows_of(Territory) == 0


def test_extra_column_in_sales_is_named(run, world):
    header = HEADERS["sales"] + ",discount"
    error = only_error(run("sales", header, "S1,ACME,SW-1,2026-07-01,1,10,EUR,5"))
    assert error.message == e.UNKNOWN_COLUMNS and error.params["columns"] == "discount"
    assert "deal_ref" in error.params["expected"]


def test_empty_file_is_rejected(db):
    error = only_error(import_csv("territories", io.BytesIO(b"")))
    assert (error.row, error.message) == (None, e.EMPTY_FILE)


def test_file_that_is_not_utf8_is_rejected_with_its_line(db, rows_of):
    data = csv_bytes(TERRITORIES, "WORLD,World,") + "EMEA,Européen,WORLD\n".encode("latin-1")
    error = only_error(import_csv("territories", io.BytesIO(data)))
    assert (error.message, error.params) == (e.NOT_UTF8, {"line": 3})
    assert rows_of(Territory) == 0


def test_broken_quoting_is_reported_and_nothing_imported(run, rows_of):
    result = run("territories", TERRITORIES, "WORLD,World,", 'EMEA,"Eur"ope,WORLD')
    error = only_error(result)
    assert (error.row, error.message) == (3, e.MALFORMED)
    assert rows_of(Territory) == 0


def test_row_with_wrong_number_of_values(run, rows_of):
    error = only_error(run("territories", TERRITORIES, "WORLD,World,", "EMEA,Europe"))
    assert (error.row, error.column, error.message) == (3, None, e.FIELD_COUNT)
    assert error.params == {"found": 2, "expected": 3}
    assert rows_of(Territory) == 0


def test_row_numbers_are_file_lines_including_quoted_line_breaks(run):
    catalog = "code,name,description,points_cost,active"
    result = run("catalog", catalog, 'MUG,Mug,"Two', 'lines",5,true', "", "CAP,,Cap,5,true")
    error = only_error(result)
    assert (error.row, error.column, error.message) == (5, "name", e.REQUIRED)


def test_a_line_break_in_a_name_is_refused_on_the_line_it_starts(run, rows_of):
    result = run("territories", TERRITORIES, 'WORLD,"World', 'wide",', "", "EMEA,,WORLD")
    assert [(error.row, error.column, error.message) for error in result.errors] == [
        (2, "name", e.BAD_CHARACTER),
        (5, "name", e.REQUIRED),
    ]
    assert result.errors[0].params == {"char": "U+000A", "position": 6}
    assert rows_of(Territory) == 0


def test_missing_file_is_reported_not_raised(db, tmp_path):
    error = only_error(import_csv("territories", tmp_path / "nope.csv"))
    assert error.message == e.UNREADABLE


def test_unknown_kind_is_a_programming_error(db):
    with pytest.raises(ValueError, match="unknown import kind"):
        import_csv("widgets", io.BytesIO(b"a\n"))


def test_error_list_is_capped_and_says_how_many_more(app, run, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ERRORS", 3)
    lines = [f"T{i},," for i in range(10)]  # each row lacks its name
    result = run("territories", TERRITORIES, *lines)
    assert result.error_count == 10
    assert [err.row for err in result.errors[:3]] == [2, 3, 4]
    assert result.errors[-1].message == e.MORE_ERRORS
    assert result.errors[-1].params == {"count": 7}
    assert len(result.errors) == 4


def test_errors_render_in_english_with_their_place(run):
    result = run("territories", TERRITORIES, "WORLD,World,NOWHERE")
    assert [str(err) for err in result.errors] == [
        "row 2, column parent_code: No row of this file and no existing record has the code "
        "NOWHERE."
    ]
