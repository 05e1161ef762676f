"""Any text a user types as a safe FTS5 query: words only, never syntax.

Quotes, `*`, `NEAR(`, `OR`, `AND`, `NOT`, `^`, `:`, parentheses and column names mean something to FTS5;
here each word becomes a quoted string (a word cannot contain a quote), and the words are joined with OR,
so BM25 ranks the moments that match more and rarer words first. Emoji and punctuation are not words and
drop out; words of any script stay.
"""

from __future__ import annotations

import re

MAX_WORDS = 32  # a pasted paragraph is still a query, not a denial of service

_WORD = re.compile(r"\w+")
# Words too common to say anything about a moment; left out when the query has any other word.
STOP_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "did", "do", "does", "for", "from", "had",
        "has", "have", "he", "her", "him", "his", "how", "i", "in", "is", "it", "its", "me", "my", "of",
        "on", "or", "our", "she", "so", "that", "the", "their", "them", "then", "there", "these", "they",
        "this", "those", "to", "was", "we", "were", "what", "when", "where", "which", "who", "whom", "why",
        "will", "with", "you", "your",
    }
)  # fmt: skip


def query_words(text: str) -> list[str]:
    """The query's words, lower case, each once, in order; stop words only when there is nothing else."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    meaningful = [w for w in words if w not in STOP_WORDS]
    return (meaningful or words)[:MAX_WORDS]


def fts_match(text: str) -> str | None:
    """An FTS5 MATCH expression for the text, or None when it has no word at all."""
    words = query_words(text)
    if not words:
        return None
    return " OR ".join(f'"{word}"' for word in words)
