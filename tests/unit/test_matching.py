from domain.matching import matches


def test_folds_case_accents_punctuation_and_spaces():
    assert matches("Bureau de Poste — LILLE-Vauban", "bureau de poste lille vauban")
    assert matches("Hôtel de Ville", "hotel de ville")


def test_every_token_of_the_shorter_must_be_in_the_longer():
    assert matches("Lille Vauban", "Bureau de poste Lille Vauban")
    assert not matches("Lille Vauban", "Centre de tri Lille Lesquin")


def test_initials_match_full_names_either_way():
    assert matches("T Gouritin", "Thomas Gouritin")
    assert matches("Thomas Gouritin", "T. Gouritin")
    assert not matches("ROLAND", "Thomas Gouritin")


def test_an_initial_matches_only_tokens_with_that_letter():
    assert not matches("T Gouritin", "Anne Gouritin")
    assert not matches("Anne Gouritin", "T. Gouritin")
    assert not matches("A B", "Thomas Gouritin")
    assert matches("A Gouritin", "Anne Gouritin")


def test_empty_values_never_match():
    assert not matches("", "anything")
    assert not matches("...", "anything")
