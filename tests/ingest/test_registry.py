from ingest.registry import load_registry
from ingest.registry.build import build


def test_registry_has_27_districts_in_2021_including_dong_son():
    registry = load_registry()
    districts = {d.area_code: d.name for d in registry.districts}
    assert len(districts) == 27
    assert districts["405"] == "Huyện Đông Sơn"
    dong_son_communes = [a for a in registry.areas.values() if a.parent_code == "405"]
    assert len(dong_son_communes) == 14
    assert all(a.level == "commune" for a in dong_son_communes)


def test_registry_units_one_account_per_unit():
    units = load_registry().units
    provincial = sorted(u.unit_code for u in units.values() if not u.district_code)
    assert provincial == ["BCHQS", "CA", "CDC", "SCT", "SLDTBXH", "STTTT", "SYT"]
    by_type = {}
    for u in units.values():
        by_type.setdefault(u.unit_type, set()).add(u.district_code)
    assert len(by_type["UBND"]) == 27 and len(by_type["TTYT"]) == 27
    assert units["TTYT-DONGSON"].district_code == "405"


def test_registry_csv_is_what_the_builder_makes(tmp_path):
    """The committed registry is generated data: rebuilding changes nothing."""
    from ingest.registry import HERE

    build(tmp_path)
    for name in ("areas.csv", "units.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (HERE / name).read_text(encoding="utf-8")


def test_registry_resolves_names_without_diacritics():
    registry = load_registry()
    assert registry.district_by_name("huyen dong son").area_code == "405"
    assert registry.district_by_name("Đông Sơn").area_code == "405"
    assert registry.district_by_name("Nowhere") is None
