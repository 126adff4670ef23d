"""The rules table: one pronoun table every pronoun set is drawn from; the name lists. Quick tier."""

from rag.answering import rules


def test_every_pronoun_set_is_drawn_from_the_one_table():
    table = set(rules.PRONOUNS)
    for derived in (rules.FEMALE_PRONOUNS, rules.MALE_PRONOUNS, rules.PERSONAL, rules.PERSON_PRONOUNS):
        assert derived <= table
    assert rules.PERSONAL == {"han", "hun", "ho", "he", "she"}
    assert rules.NORWEGIAN_POSSESSIVE == {"hans", "hennes", "hennar"}
    assert not rules.FEMALE_PRONOUNS & rules.MALE_PRONOUNS
    assert {"de", "dei", "they"} <= rules.PRONOUN_START and not {"dem", "them", "henne"} & rules.PRONOUN_START
    assert rules.PERSONAL_RE.fullmatch("Hennes") and not rules.PERSONAL_RE.fullmatch("her")  # Norwegian «her» is «here»
    assert rules.ENGLISH_PERSONAL_RE.match("her phone")


def test_the_first_name_lists_load_from_their_data_files():
    assert len(rules.FEMALE_NAMES) > 100 and len(rules.MALE_NAMES) > 100
    assert {"eli", "mette", "marianne"} <= rules.FEMALE_NAMES and {"inge", "kjell"} <= rules.MALE_NAMES
    assert all(name == name.lower() and " " not in name for name in rules.FEMALE_NAMES | rules.MALE_NAMES)


def test_one_credit_pattern_tells_a_photographer_from_other_credits():
    photo, other = rules.CREDIT_RE.match("FOTO: Anja Lillerud"), rules.CREDIT_RE.match("Illustrasjon: NTB")
    assert photo and photo.group("photo") and other and not other.group("photo")
    assert rules.CREDIT_RE.match("Fotograf: Ola") and not rules.CREDIT_RE.match("Fotografen tok bildet.")
