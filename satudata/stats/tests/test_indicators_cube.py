"""Building indicator cubes from messy tables, and composite indicators."""

import pytest

from satudata.catalog.constants import Access
from satudata.stats import indicators
from satudata.stats.cube import CubeError, evaluate, parse_formula
from satudata.stats.models import Aggregation, Indicator

from .conftest import published_version


def table(rows, header="kode_wilayah,tahun,jenis_kelamin,nilai"):
    return (header + "\n" + "\n".join(",".join(str(c) for c in r) for r in rows) + "\n").encode()


GOOD = [
    (code, year, sex, value)
    for code, base in (("53.01", 10), ("53.10", 20), ("53.71", 30))
    for year in (2021, 2022, 2023)
    for sex, value in (("L", base + year - 2021), ("P", base + 1))
]


def make_indicator(dataset, version, slug="ind", breakdowns=("jenis_kelamin",), **kw):
    kw.setdefault("aggregation", Aggregation.SUM)
    return Indicator.objects.create(
        slug=slug,
        name=f"Indikator {slug}",
        organization=dataset.organization,
        access=dataset.access,
        is_published=True,
        resource=version.resource,
        region_column=kw.pop("region_column", "kode_wilayah"),
        period_column="tahun",
        value_column="nilai",
        breakdown_columns=list(breakdowns),
        **kw,
    )


@pytest.fixture(autouse=True)
def _fresh_cubes():
    indicators.clear_cache()
    yield
    indicators.clear_cache()


def cube_of(catalog, cast, rows, header=None, **kw):
    data = table(rows, header) if header else table(rows)
    version = published_version(catalog["open"], cast["walidata"], data)
    return indicators.cube_for(make_indicator(catalog["open"], version, **kw))


def problems_of(catalog, cast, rows, **kw):
    with pytest.raises(CubeError) as caught:
        cube_of(catalog, cast, rows, **kw)
    return " ".join(caught.value.problems)


def test_it_builds_a_cube_with_totals(catalog, cast):
    cube = cube_of(catalog, cast, GOOD)
    assert cube.regions == ["53.01", "53.10", "53.71"]
    assert cube.periods == ["2021", "2022", "2023"]
    assert cube.headline[("53.10", "2022")] == 20 + 1 + 21
    # province = sum of the kab/kota totals
    assert cube.headline[("53", "2023")] == (12 + 11) + (22 + 21) + (32 + 31)
    assert cube.latest() == ("2023", 129.0, "2022", 126.0)
    assert [r for r, _v in cube.ranked("2023")] == ["53.71", "53.10", "53.01"]


def test_it_reports_a_missing_period(catalog, cast):
    rows = [r for r in GOOD if r[1] != 2022]
    assert "Periode terputus: tidak ada data untuk 2022" in problems_of(catalog, cast, rows)


def test_it_reports_a_region_without_a_period(catalog, cast):
    rows = [r for r in GOOD if not (r[0] == "53.10" and r[1] == 2023)]
    text = problems_of(catalog, cast, rows)
    assert "Sel tanpa baris (2)" in text
    assert "53.10 / 2023 / L" in text


def test_it_reports_a_duplicated_region_row(catalog, cast):
    rows = [*GOOD, ("53.71", 2022, "P", 99)]
    text = problems_of(catalog, cast, rows)
    assert "Lebih dari satu nilai untuk sel yang sama (1 sel)" in text
    assert "53.71 / 2022 / P" in text


BPS = {"53.01": "5303", "53.10": "5313", "53.71": "5371"}


def test_it_reports_an_unknown_region_code(catalog, cast):
    # Ingestion already refuses codes unknown in every system; a mapping may still name the
    # wrong system (BPS codes expected, Kemendagri codes given).
    text = problems_of(catalog, cast, GOOD, region_codes="bps")
    assert "Kode wilayah tidak dikenal: 53.01, 53.10, 53.71" in text


def test_it_reports_a_missing_breakdown_as_a_duplicate(catalog, cast):
    # Without the jenis_kelamin column in the mapping, L and P fall into one cell.
    assert "Lebih dari satu nilai" in problems_of(catalog, cast, GOOD, breakdowns=())


def test_it_reads_bps_codes(catalog, cast):
    rows = [(BPS[c], *rest) for c, *rest in GOOD]
    cube = cube_of(catalog, cast, rows, region_codes="bps")
    assert cube.regions == ["53.01", "53.10", "53.71"]


def test_it_takes_the_province_row_from_the_data(catalog, cast):
    rows = [r for r in GOOD if r[2] == "L"]
    rows += [("53", y, "L", 7.5) for y in (2021, 2022, 2023)]
    cube = cube_of(catalog, cast, rows, aggregation=Aggregation.NONE, breakdowns=())
    assert cube.headline[("53", "2022")] == 7.5


def test_a_composite_equals_hand_computed_values(catalog, cast):
    a = published_version(catalog["open"], cast["walidata"], table(GOOD))
    ind_a = make_indicator(catalog["open"], a, slug="penduduk-miskin")
    pop = [(c, y, s, v * 10) for c, y, s, v in GOOD]
    b = published_version(catalog["open"], cast["walidata"], table(pop))
    ind_b = make_indicator(catalog["open"], b, slug="penduduk")
    ratio = Indicator.objects.create(
        slug="rasio",
        name="Rasio",
        organization=catalog["open"].organization,
        access=Access.OPEN,
        is_published=True,
        formula="penduduk_miskin / penduduk * 100 + (2 - 1)",
    )
    ratio.components.set([ind_a, ind_b])
    cube = indicators.cube_for(ratio)
    for key in [("53.01", "2021"), ("53.71", "2023"), ("53", "2022")]:
        expected = (
            indicators.cube_for(ind_a).headline[key]
            / indicators.cube_for(ind_b).headline[key]
            * 100
            + 1
        )
        assert cube.headline[key] == pytest.approx(expected)
    assert cube.headline[("53.01", "2021")] == pytest.approx(10 / 100 * 100 + 1)


@pytest.mark.parametrize(
    "formula",
    [
        "__import__('os')",
        "a ** 2",
        "a.b",
        "a[0]",
        "f(a)",
        "a if b else c",
        "'x'",
        "lambda: 1",
        "a < b",
        "",
    ],
)
def test_formulas_outside_the_grammar_are_refused(formula):
    with pytest.raises(CubeError):
        parse_formula(formula)


def test_formula_evaluation():
    tree, names = parse_formula("(a + b) / -c * 2")
    assert names == ["a", "b", "c"]
    assert evaluate(tree, {"a": 1, "b": 3, "c": 4}) == -2
    assert evaluate(tree, {"a": 1, "b": 3, "c": 0}) is None
    assert evaluate(tree, {"a": 1, "c": 1}) is None
