"""Recurring themes: the words that come back across many short texts (proposals, statements, comments).

Pure: texts in, ranked terms out. Korean texts are cut into nouns by kiwipiepy's morphological analyser (it
ships its own model); English texts are read by scikit-learn's TfidfVectorizer with its English stop words,
as single words and two-word phrases. Each language is weighted on its own texts by TF-IDF: a term scores by
the sum of its weights over the texts, so a word that several texts lean on ranks above one that a single
long text repeats. A theme must recur: it has to appear in at least `min_documents` texts."""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import NamedTuple

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer

from app.methods.language import detect_language

# Nouns that any civic text is full of and that say nothing about its theme.
KOREAN_STOP_NOUNS = frozenset({
    "우리", "저희", "여기", "거기", "이것", "그것", "정도", "경우", "때문", "생각", "부분", "관련", "사용", "이용",
    "필요", "문제", "방법", "사람", "의견", "제안", "내용", "하나", "모두", "가지", "이상", "이하", "대한", "위해",
    "통해", "지금", "현재", "앞", "뒤", "때", "곳", "것", "수", "등", "중", "더", "안",
})
# Words that every proposal and comment uses.
ENGLISH_EXTRA_STOP_WORDS = frozenset({
    "think", "like", "need", "needs", "want", "just", "really", "make", "use", "good", "better", "proposal",
    "propose", "people", "agree", "disagree", "way", "lot", "yes", "idea", "ideas", "would", "could", "also",
})
# Korean noun tags: common and proper nouns (kiwipiepy's Sejong tag set).
KOREAN_NOUN_TAGS = frozenset({"NNG", "NNP"})


class Theme(NamedTuple):
    term: str
    weight: float  # relative: the strongest theme of its language scores 1.0
    count: int  # occurrences over all texts
    documents: tuple[int, ...]  # indices of the texts it occurs in, most characteristic first


_kiwi = None
_kiwi_lock = threading.Lock()


def _analyser():
    """One Kiwi for the process: building it loads its model (about a second), so it is built on first use
    and kept. Analysis holds the lock too, as Kiwi is not documented to be safe across threads."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def korean_nouns(text: str) -> list[str]:
    """The nouns of a Korean text, in order, as they are written (two syllables or more, stop nouns out)."""
    kiwi = _analyser()
    with _kiwi_lock:
        tokens = kiwi.tokenize(text or "")
    return [t.form for t in tokens
            if t.tag in KOREAN_NOUN_TAGS and len(t.form) >= 2 and t.form not in KOREAN_STOP_NOUNS]


def _ranked(texts: Sequence[str], analyzer: Callable[[str], list[str]] | str, *, top: int, min_documents: int,
            merge_phrases: bool, **vectorizer_options) -> list[Theme]:
    texts = [t or "" for t in texts]
    if not texts:
        return []
    counter = CountVectorizer(analyzer=analyzer, **vectorizer_options)
    try:
        counts = counter.fit_transform(texts)
    except ValueError:  # no term at all (empty texts, or only stop words)
        return []
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsc()
    counts = counts.tocsc()
    terms = counter.get_feature_names_out()
    candidates = []
    for column, term in enumerate(terms):
        rows = counts.indices[counts.indptr[column]:counts.indptr[column + 1]]
        if len(rows) < min_documents:
            continue
        weights = tfidf[:, column].toarray().ravel()
        order = sorted(rows.tolist(), key=lambda row: (-weights[row], row))
        candidates.append((float(weights.sum()), int(counts[:, column].sum()), str(term), tuple(order)))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    chosen = _merge_phrases(candidates, top) if merge_phrases else candidates[:top]
    if not chosen:
        return []
    strongest = max(c[0] for c in chosen)
    return [Theme(term, round(weight / strongest, 4), count, documents)
            for weight, count, term, documents in chosen]


def _merge_phrases(candidates: list[tuple], top: int) -> list[tuple]:
    """A two-word phrase found in exactly the same texts as one of its words says the same, more precisely:
    it takes that word's place ("bike lane" rather than "bike" and "lane" when they always go together). Of
    several phrases found in exactly the same texts (the pieces of one sentence quoted again and again), the
    strongest stands for them all, and for all their words found in those texts only."""
    words_of: dict[frozenset, set[str]] = {}
    for _weight, _count, term, documents in candidates:
        if " " in term:
            words_of.setdefault(frozenset(documents), set()).update(term.split(" "))

    def covers(phrase: tuple, word: tuple) -> bool:
        same = frozenset(phrase[3]) == frozenset(word[3])
        return " " in phrase[2] and same and word[2] in words_of.get(frozenset(phrase[3]), ())

    chosen: list[tuple] = []
    for candidate in candidates:
        if " " not in candidate[2]:
            if not any(covers(c, candidate) for c in chosen) and len(chosen) < top:
                chosen.append(candidate)
            continue
        documents = set(candidate[3])
        if any(" " in c[2] and set(c[3]) == documents for c in chosen):
            continue  # another piece of the same sentence, repeated in the same texts
        replaced = [i for i, c in enumerate(chosen) if covers(candidate, c)]
        if replaced:
            chosen[replaced[0]] = candidate
            for i in reversed(replaced[1:]):
                del chosen[i]
        elif len(chosen) < top:
            chosen.append(candidate)
    chosen.sort(key=lambda c: (-c[0], -c[1], c[2]))
    return chosen


def korean_themes(texts: Sequence[str], *, top: int = 10, min_documents: int = 2) -> list[Theme]:
    """Recurring nouns of Korean texts, strongest first."""
    return _ranked(texts, korean_nouns, top=top, min_documents=min_documents, merge_phrases=False)


def english_themes(texts: Sequence[str], *, top: int = 10, min_documents: int = 2) -> list[Theme]:
    """Recurring words and two-word phrases of English texts, strongest first."""
    stop_words = sorted(ENGLISH_STOP_WORDS | ENGLISH_EXTRA_STOP_WORDS)
    return _ranked(texts, "word", top=top, min_documents=min_documents, merge_phrases=True,
                   stop_words=stop_words, lowercase=True, ngram_range=(1, 2),
                   token_pattern=r"(?u)\b[^\W\d_]{3,}\b")


def themes_by_language(texts: Sequence[str], *, top: int = 10, min_documents: int = 2) -> dict[str, list[Theme]]:
    """{"ko": [...], "en": [...]}: each text read in the language it is written in; a theme's `documents` are
    indices into `texts`."""
    by_language: dict[str, list[int]] = {"ko": [], "en": []}
    for index, text in enumerate(texts):
        if text and text.strip():
            by_language[detect_language(text)].append(index)
    found = {}
    for language, extract in (("ko", korean_themes), ("en", english_themes)):
        indices = by_language[language]
        ranked = extract([texts[i] for i in indices], top=top, min_documents=min_documents)
        found[language] = [theme._replace(documents=tuple(indices[d] for d in theme.documents)) for theme in ranked]
    return found
