"""The code schemes of the Maven CRM importer (pure functions, no database)."""

from __future__ import annotations

from salescycle.demo.maven import codes


def test_salesperson_codes_are_initials_numbered_alphabetically_when_shared() -> None:
    result = codes.initials_codes(["Moses Frase", "Anna Snelling", "Marty Freudenburg", "Mei-Mei Johns"])

    assert result == {"Anna Snelling": "AS", "Marty Freudenburg": "MF1", "Moses Frase": "MF2", "Mei-Mei Johns": "MMJ"}


def test_salesperson_code_used_by_someone_else_moves_to_the_next_number() -> None:
    result = codes.initials_codes(["Jim Olsen", "Anna Snelling"], taken={"JO": "Jim Olive", "AS": "Anna Snelling"})

    assert result == {"Jim Olsen": "JO1", "Anna Snelling": "AS"}


def test_manager_teams_get_a_prefix() -> None:
    assert codes.initials_codes(["Dustin Brinkmann"], prefix="MGR-") == {"Dustin Brinkmann": "MGR-DB"}
    assert codes.office_team_code("Central") == "OFFICE-CENTRAL"


def test_item_codes_come_from_the_product_name() -> None:
    assert codes.item_code("GTX Pro") == "GTX-PRO"
    assert codes.item_code("GTX Plus Basic") == "GTX-PLUS-BASIC"
    assert codes.item_code("GTK 500") == "GTK-500"
    assert len(codes.item_code("A very long product name indeed")) == 20


def test_contact_numbers_continue_after_the_highest_maven_number() -> None:
    result = codes.contact_numbers(["Acme", "Betatech"], ["MAVEN-0007", "MAVEN-UNKNOWN", "CT000099"])

    assert result == {"Acme": "MAVEN-0008", "Betatech": "MAVEN-0009"}


def test_countries_map_to_iso_codes_including_the_data_misspelling() -> None:
    assert codes.country_code("United States") == "US"
    assert codes.country_code("Philipines") == "PH"
    assert codes.country_code("") == ""
    assert codes.country_code("Atlantis") is None
