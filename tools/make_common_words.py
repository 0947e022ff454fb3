"""Write searchnews/data/common_english.txt: the most frequent English words, one per line.

The entity rules use it to tell "Booker Prize" (ordinary words) from "Salman Rushdie" (a name).
Source: the word frequency lists of the wordfreq package (https://github.com/rspeer/wordfreq),
whose data is licensed CC BY-SA 4.0; the derived list keeps that licence. Run with wordfreq
installed: `python tools/make_common_words.py`.
"""

from __future__ import annotations

from pathlib import Path

from wordfreq import top_n_list

COUNT = 12000
TARGET = Path(__file__).resolve().parent.parent / "searchnews" / "data" / "common_english.txt"


def main() -> None:
    words = sorted({word for word in top_n_list("en", COUNT) if word.isalpha()})
    header = (
        "# The most frequent English words, from the wordfreq lists (CC BY-SA 4.0).\n"
        "# Made by tools/make_common_words.py.\n"
    )
    TARGET.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {TARGET}")


if __name__ == "__main__":
    main()
