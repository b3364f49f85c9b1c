"""CSV with a quote opened and never closed: the rest of the file would become one cell."""

import pytest

from satudata.ingest.problems import Severity

from .test_read import codes, only, read, rows


def test_it_reports_the_row_where_an_unclosed_quote_swallows_the_rest_of_the_file(tmp_path):
    data = 'kode,nama,nilai\n53.01,Kupang,1\n53.02,"Belu,2\n53.03,Alor,3\n53.04,Lembata,4\n'
    [sheet] = read(tmp_path, data)
    problem = only(sheet, "row.unclosed_quote")
    assert problem.severity == Severity.ERROR
    assert (problem.row, problem.column, problem.column_index) == (3, "nama", 1)
    assert "baris 3" in problem.message and "2 baris sesudahnya" in problem.message
    assert "tidak pernah ditutup" in problem.message
    assert "baris 3" in problem.hint and '""' in problem.hint
    assert rows(sheet)[-1][1].startswith("Belu,2\n53.03")  # nothing was silently dropped


@pytest.mark.parametrize(
    "data",
    [
        b'kode,nama,nilai\r\n53.01,Kupang,1\r\n53.02,Belu,"2\r\n53.03,Alor,3\r\n',  # last column, CRLF
        'kode;nama;nilai\n53.01;Kupang;1\n53.02;"Bélu;2\n53.03;Alor;3'.encode(
            "cp1252"
        ),  # transcoded
    ],
)
def test_it_finds_an_unclosed_quote_in_any_column_dialect_and_encoding(tmp_path, data):
    [sheet] = read(tmp_path, data)
    problem = only(sheet, "row.unclosed_quote")
    assert problem.row == 3 and problem.severity == Severity.ERROR


def test_an_unclosed_quote_on_the_last_line_is_a_warning(tmp_path):
    [sheet] = read(tmp_path, 'kode,nama,nilai\n53.01,Kupang,1\n53.02,Belu,"2\n')
    problem = only(sheet, "row.unclosed_quote")
    assert problem.severity == Severity.WARNING and problem.row == 3


@pytest.mark.parametrize(
    "data",
    [
        'kode,nama,nilai\n53.01,"Kupang\nKota",1\n53.02,Belu,"2 ""x"""\n',
        'kode,nama,nilai\n53.01,Be"lu,1\n53.02,Alor,2\n',
        'kode,nama,nilai\n53.01,Kupang,"1"',
    ],
)
def test_closed_and_stray_quotes_are_not_reported(tmp_path, data):
    [sheet] = read(tmp_path, data)
    assert "row.unclosed_quote" not in codes(sheet)
