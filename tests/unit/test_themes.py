"""Recurring themes on hand-made texts: Korean nouns through kiwipiepy, English words and phrases through
scikit-learn's TF-IDF with its stop words; ranked by weight, each with its count and the texts it is in."""
from __future__ import annotations

import pytest

from app.methods.themes import Theme, english_themes, korean_nouns, korean_themes, themes_by_language

KOREAN = [
    "자전거 도로를 만들어 주세요. 자전거 전용도로가 필요합니다.",  # 자전거 ×2
    "공원에 나무를 더 심어요. 공원 산책로도 좋아요.",  # 공원 ×2, 나무
    "자전거 보관소를 역 앞에 설치해 주세요.",  # 자전거
    "버스 정류장 근처 공원이 좋아요.",  # 공원
    "어린이 공원과 나무 그늘이 있으면 좋겠어요.",  # 공원, 나무
]
ENGLISH = [
    "Build a protected bike lane on Worldcup-ro.",
    "More street trees, and a bike lane near the school.",
    "The bus stops need shelters; the bus is always late.",
    "Plant street trees in Mapo.",
    "A safer bike lane for the children.",
]


def test_korean_nouns_come_out_as_written_without_particles_or_stop_nouns():
    assert korean_nouns("자전거 도로를 만들어 주세요.") == ["자전거", "도로"]
    # Particles (를, 에), verbs and one-syllable nouns are not themes; nor is a stop noun like 생각.
    assert korean_nouns("저는 공원에 나무를 심는 것이 좋다고 생각해요.") == ["공원", "나무"]
    assert korean_nouns("") == []


def test_korean_themes_are_ranked_by_weight_with_counts_and_texts():
    themes = korean_themes(KOREAN)
    assert [t.term for t in themes] == ["공원", "자전거", "나무"]
    top = themes[0]
    assert isinstance(top, Theme) and top.weight == 1.0
    assert (top.count, sorted(top.documents)) == (4, [1, 3, 4])
    assert (themes[1].count, sorted(themes[1].documents)) == (3, [0, 2])
    assert 0 < themes[2].weight < themes[1].weight < 1.0
    # A word in one text only does not recur: 버스 and 어린이 are not themes.
    assert not {"버스", "어린이", "보관소"} & {t.term for t in themes}


def test_english_themes_use_the_stop_words_and_prefer_a_phrase_that_always_goes_together():
    themes = english_themes(ENGLISH)
    terms = [t.term for t in themes]
    # "bike" and "lane" always come together: the phrase stands for both. "bus" recurs in one text only.
    assert terms == ["bike lane", "street trees"]
    assert (themes[0].count, sorted(themes[0].documents)) == (3, [0, 1, 4])
    assert themes[0].weight == 1.0 and 0 < themes[1].weight < 1.0
    assert not {"the", "and", "a"} & set(terms)


def test_a_word_used_apart_from_its_phrase_stays_a_theme_of_its_own():
    texts = ["bike lane now", "bike lane please", "bike parking", "bike racks"]
    terms = [t.term for t in english_themes(texts)]
    assert terms[0] == "bike" and "bike lane" in terms


def test_min_documents_and_top():
    assert english_themes(ENGLISH, min_documents=1, top=3)[0].term == "bike lane"
    assert len(english_themes(ENGLISH, min_documents=1, top=3)) == 3
    assert [t.term for t in korean_themes(KOREAN, top=1)] == ["공원"]


@pytest.mark.parametrize("texts", [[], [""], ["the and of"], ["   ", "!!!"]])
def test_nothing_to_find(texts):
    assert english_themes(texts) == []
    assert korean_themes(texts) == []


def test_mixed_texts_are_read_in_their_own_language_with_indices_into_the_input():
    mixed = [ENGLISH[0], KOREAN[0], ENGLISH[1], KOREAN[2], "", ENGLISH[4]]
    found = themes_by_language(mixed)
    assert [t.term for t in found["ko"]] == ["자전거"]
    assert sorted(found["ko"][0].documents) == [1, 3]
    assert found["en"][0].term == "bike lane" and sorted(found["en"][0].documents) == [0, 2, 5]


def test_the_same_input_gives_the_same_output():
    assert korean_themes(KOREAN) == korean_themes(list(KOREAN))
    assert english_themes(ENGLISH) == english_themes(list(ENGLISH))


def test_a_sentence_quoted_again_and_again_gives_one_phrase_not_all_its_pieces():
    texts = ["Build a protected bike lane on Worldcup-ro.", "Yes: build a protected bike lane on Worldcup-ro!",
             "Shade trees on Worldcup-ro", "Shade trees near the school"]
    phrases = [t.term for t in english_themes(texts) if " " in t.term]
    # "build protected", "protected bike", "bike lane" and "lane worldcup" are all in the same two texts.
    assert len([p for p in phrases if p in ("build protected", "protected bike", "bike lane", "lane worldcup")]) == 1
    assert "shade trees" in phrases


def test_a_single_text_has_no_recurring_theme():
    assert korean_themes(["자전거 도로와 자전거 보관소"]) == []
    assert english_themes(["bike lanes and more bike lanes"]) == []
