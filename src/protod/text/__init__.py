"""Reading words: tokens, stems, amounts, clauses and what a sentence does (one reader for every module)."""
