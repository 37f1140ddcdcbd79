"""Which of Madang's languages a text is written in."""
from __future__ import annotations


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def detect_language(text: str) -> str:
    """"ko" when Hangul makes up at least a fifth of the letters, else "en". Korean writing mixes in Latin
    letters (place names, English terms), so a minority of Hangul already marks a Korean text."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    hangul = sum(1 for c in letters if _is_hangul(c))
    return "ko" if hangul / len(letters) >= 0.2 else "en"
