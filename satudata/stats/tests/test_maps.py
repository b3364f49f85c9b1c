"""The tile map of the 22 kab/kota."""

import pytest


@pytest.mark.parametrize(
    "name, lines",
    [
        ("Kupang", ["Kupang"]),
        ("Manggarai Barat", ["Manggarai", "Barat"]),
        ("Sumba Barat Daya", ["Sumba Barat", "Daya"]),
        ("Timor Tengah Selatan", ["Timor", "Tengah", "Selatan"]),
        ("Kota Kupang", ["Kota Kupang"]),
    ],
)
def test_tile_labels_keep_every_word_whole(name, lines):
    from satudata.stats.maps import tile_lines

    assert tile_lines(name) == lines
