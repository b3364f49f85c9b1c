import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from satudata.lib import filestore
from satudata.stats import query
from satudata.stats.query import AggregateQuery, QueryError, QueryTimeout, RowQuery, Table


def table(version):
    return Table(version)


def rows(version, **kw):
    t = table(version)
    filters = tuple(query.make_filter(t, *f) for f in kw.pop("filters", ()))
    sort = query.parse_sort(t, kw.pop("sort", ""))
    return query.rows(t, RowQuery(filters=filters, sort=sort, **kw))


def test_a_page_has_fields_rows_ids_and_total(version):
    answer = rows(version)
    assert [f["name"] for f in answer["fields"]] == [
        "_id",
        "kode_wilayah",
        "tahun",
        "kategori",
        "nilai",
    ]
    assert answer["total"] == 6
    assert answer["records"][0] == {
        "_id": 1,
        "kode_wilayah": "53.01",
        "tahun": 2020,
        "kategori": "Laki-laki",
        "nilai": 10.0,
    }
    assert [r["_id"] for r in answer["records"]] == [1, 2, 3, 4, 5, 6]
    assert answer["truncated"] is False and answer["has_more"] is False


@pytest.mark.parametrize(
    "flt, ids",
    [
        (("kode_wilayah", "eq", "53.10"), [3, 4]),
        (("kode_wilayah", "ne", "53.10"), [1, 2, 5, 6]),
        (("kode_wilayah", "in", ["53.01", "53.71"]), [1, 2, 5, 6]),
        (("tahun", "gte", "2021"), [2, 4, 6]),
        (("tahun", "lt", 2021), [1, 3, 5]),
        (("nilai", "gt", "7"), [1, 2, 5]),
        (("nilai", "lte", 7), [3, 4]),
        (("kategori", "contains", "rempu"), [2, 5]),
        (("kategori", "contains", "DROP TABLE"), [4]),
        (("kategori", "eq", "O'Brien\"; DROP TABLE x; --"), [4]),
        (("nilai", "eq", None), [6]),
    ],
)
def test_each_filter(version, flt, ids):
    answer = rows(version, filters=[flt])
    assert [r["_id"] for r in answer["records"]] == ids
    assert answer["total"] == len(ids)


def test_free_text_q_searches_text_columns(version):
    assert [r["_id"] for r in rows(version, q="laki")["records"]] == [1, 3, 6]


def test_sort_and_column_selection(version):
    answer = rows(version, sort="-nilai", columns=("nilai",))
    assert [f["name"] for f in answer["fields"]] == ["_id", "nilai"]
    # NULLS LAST in both directions, ties by _id
    assert [r["nilai"] for r in answer["records"]] == [100.0, 20.0, 10.0, 7.0, 5.5, None]
    assert set(answer["records"][0]) == {"_id", "nilai"}
    answer = rows(version, sort="tahun, kode_wilayah desc")
    assert [r["_id"] for r in answer["records"]] == [5, 3, 1, 6, 4, 2]


def test_offset_pagination(version):
    answer = rows(version, limit=2, offset=2)
    assert [r["_id"] for r in answer["records"]] == [3, 4]
    assert answer["has_more"] is True


@pytest.mark.parametrize("sort", ["", "-nilai", "kategori,-tahun", "tahun"])
def test_keyset_pagination_walks_every_row_once_in_order(version, sort):
    everything = [r["_id"] for r in rows(version, sort=sort, limit=100)["records"]]
    seen, cursor = [], ""
    for _ in range(10):
        answer = rows(version, sort=sort, limit=2, after=cursor)
        seen += [r["_id"] for r in answer["records"]]
        cursor = answer["next_cursor"]
        if not cursor:
            break
    assert seen == everything and len(seen) == 6


def test_a_cursor_of_another_sort_is_refused(version):
    cursor = rows(version, sort="tahun", limit=2)["next_cursor"]
    with pytest.raises(QueryError) as refused:
        rows(version, sort="nilai", limit=2, after=cursor)
    assert refused.value.code == "invalid_cursor"
    with pytest.raises(QueryError):
        rows(version, limit=2, after="bm90IGpzb24")


def test_group_by_aggregates(version):
    t = table(version)
    metrics = tuple(
        query.parse_metric(t, m)
        for m in ["count", "sum:nilai", "avg:nilai", "min:nilai", "max:nilai", "count:nilai"]
    )
    answer = query.aggregate(t, AggregateQuery(group_by=("kode_wilayah",), metrics=metrics))
    assert [f["name"] for f in answer["fields"]] == [
        "kode_wilayah",
        "count",
        "sum_nilai",
        "avg_nilai",
        "min_nilai",
        "max_nilai",
        "count_nilai",
    ]
    by_code = {r["kode_wilayah"]: r for r in answer["records"]}
    assert by_code["53.01"] == {
        "kode_wilayah": "53.01",
        "count": 2,
        "sum_nilai": 30.0,
        "avg_nilai": 15.0,
        "min_nilai": 10.0,
        "max_nilai": 20.0,
        "count_nilai": 2,
    }
    assert by_code["53.71"]["count"] == 2 and by_code["53.71"]["count_nilai"] == 1
    assert answer["truncated"] is False
    with pytest.raises(QueryError):
        query.parse_metric(t, "sum:kategori")
    with pytest.raises(QueryError):
        query.parse_metric(t, "median:nilai")


def test_aggregate_with_filter_and_sort_by_metric(version):
    t = table(version)
    answer = query.aggregate(
        t,
        AggregateQuery(
            group_by=(t.field("kode_wilayah"),),
            metrics=(query.parse_metric(t, "sum:nilai"),),
            filters=(query.make_filter(t, "tahun", "eq", 2020),),
            sort=(("sum_nilai", True),),
        ),
    )
    assert [r["kode_wilayah"] for r in answer["records"]] == ["53.71", "53.01", "53.10"]


def test_facet_counts(version):
    answer = rows(version, facets=("kategori", "kode_wilayah"), filters=[("tahun", "eq", 2020)])
    assert answer["facets"]["kategori"]["items"] == [
        {"value": "Laki-laki", "count": 2},
        {"value": "Perempuan", "count": 1},
    ]
    assert answer["facets"]["kode_wilayah"]["truncated"] is False


def test_facet_size_cut_is_flagged(version, settings):
    settings.QUERY_FACET_SIZE = 2
    facet = rows(version, facets=("kode_wilayah",))["facets"]["kode_wilayah"]
    assert len(facet["items"]) == 2 and facet["truncated"] is True


def test_page_cap_sets_truncated(version, settings):
    settings.QUERY_MAX_PAGE_SIZE = 4
    limit, cut = query.page_size(50)
    assert (limit, cut) == (4, True)
    answer = rows(version, limit=limit, truncated=cut)
    assert len(answer["records"]) == 4 and answer["truncated"] is True


def test_group_cap_sets_truncated(version, settings):
    settings.QUERY_MAX_GROUPS = 2
    t = table(version)
    answer = query.aggregate(t, AggregateQuery(group_by=(t.field("kode_wilayah"),)))
    assert len(answer["records"]) == 2 and answer["truncated"] is True


def test_time_limit_interrupts_a_long_statement(version):
    rows(version)  # the engine is up
    with pytest.raises(QueryTimeout):
        query.execute(
            "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3", [], time_limit_ms=50
        )
    # the cursor still works afterwards
    assert rows(version, limit=1)["records"][0]["_id"] == 1


@pytest.mark.parametrize(
    "column",
    ['nilai"; DROP TABLE x; --', "nilai' OR '1'='1", "c0", "_rn", "v_x", "*", "", "1"],
)
def test_hostile_column_names_are_unknown(version, column):
    with pytest.raises(QueryError) as refused:
        rows(version, filters=[(column, "eq", "1")])
    assert refused.value.code == "unknown_column"
    with pytest.raises(QueryError):
        rows(version, sort=column or "x y z")
    with pytest.raises(QueryError):
        rows(version, columns=(column,))


@pytest.mark.parametrize("value", ["1 OR 1=1", "'; DROP TABLE x; --", "abc"])
def test_hostile_values_are_bound(version, value):
    assert rows(version, filters=[("kode_wilayah", "eq", value)])["total"] == 0
    with pytest.raises(QueryError) as refused:
        rows(version, filters=[("tahun", "eq", value)])
    assert refused.value.code == "invalid_value"


def test_stored_columns_with_hostile_names_work_by_position(db, settings, tmp_path):
    """A schema name is never SQL text: a Parquet with quotes and SQL in its names still works."""
    names = ['a"; DROP TABLE t; --', "b'); SELECT 1; --", "c0"]
    data = pa.table({names[0]: ["x", "y"], names[1]: [1, 2], names[2]: [3.5, None]})
    path = tmp_path / "t.parquet"
    pq.write_table(data, path)
    key = filestore.put(path.read_bytes()).key

    class FakeVersion:
        parquet_key = key
        sha256 = key
        schema = {
            "fields": [
                {"name": names[0], "type": "string"},
                {"name": names[1], "type": "integer"},
                {"name": names[2], "type": "number"},
            ]
        }

    t = Table(FakeVersion())
    answer = query.rows(
        t, RowQuery(filters=(query.make_filter(t, names[1], "gte", 2),), facets=(names[0],))
    )
    assert answer["records"] == [{"_id": 2, names[0]: "y", names[1]: 2, names[2]: None}]
    assert answer["facets"][names[0]]["items"] == [{"value": "y", "count": 1}]


def test_answers_are_cached_per_version_and_query(version, settings):
    first = rows(version, filters=[("tahun", "eq", 2020)])
    query.execute("SELECT 1", [])
    calls = []
    original = query.execute
    try:
        query.execute = lambda *a, **k: calls.append(a) or original(*a, **k)
        again = rows(version, filters=[("tahun", "eq", 2020)])
        assert calls == [] and again["records"] == first["records"]
        rows(version, filters=[("tahun", "eq", 2021)])
        assert calls
    finally:
        query.execute = original


def test_distinct(version):
    answer = rows(version, columns=("tahun",), distinct=True)
    assert answer["records"] == [{"tahun": 2020}, {"tahun": 2021}]
    assert answer["total"] == 2


def test_series_fields(version):
    cube = query.series_fields(table(version))
    assert cube.region.name == "kode_wilayah" and cube.period.name == "tahun"
    assert [m.name for m in cube.measures] == ["nilai"]
