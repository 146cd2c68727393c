"""Reading text: one reader for every module of protod (the perceivers, the user's replies, the metrics, the pack
checks). `words` (tokens, stems, sentences) < `amounts` (and `clock`, the spans of the day) < `clauses` (`analyse`:
what a sentence is) < `speech` (what a statement does) and `ellipsis` < `asks` (what a question asks); `sanitize`
strips text injected into a turn."""

from protod.text.words import (  # noqa: F401
    ACRONYMS, ADDRESSED, AUXILIARIES, CLAUSE_BREAK, COMMON_VERBS, CONJUNCTIONS, DETERMINERS, FILLERS,
    FUNCTION_WORDS, GUARANTEE_WORDS, HEDGE_WORDS, NEGATORS, PREPOSITIONS, PRONOUNS, QUANTIFIERS, SCOPE_NEGATION, SUBJECT_PRONOUNS,
    TIME_WORDS, UNIT_DAYS, UNIT_WORDS, VERB_STEMS, WH_WORDS, WISH_VERBS, caller_wishes, contains_phrase,
    content_stems, denies_whole, halves, joined, normalise, money_words, phrase_stems, plain_lower, split_afterthoughts,
    split_sentences, stem, tokenize,
)
from protod.text.amounts import (  # noqa: F401
    RATE, Quantity, accounted, complements, contradicts, contrasted_amounts, converted, count_without_noun,
    counted_per_period, currency_signs, derived, first_quantity, is_number, per_pint, price_pair_sums, quantities,
    same_kind, same_unit, with_pair_sums,
)
from protod.text.clock import clock_spans, in_span  # noqa: F401
from protod.text.clauses import (  # noqa: F401
    CHARGE_WORDS, Clause, INTERJECTIONS, OPTIONAL_WORDS, Sentence, TIME_WORD_STEMS, analyse, claim_clauses, clauses_of,
    has_verb, charge_for, condition_span, denies_a_limit, main_clause_denies, negation_covers, opens_condition, plain_bounds, segments,
    supposed_amounts,
)
from protod.text.speech import (  # noqa: F401
    CONFIRMING_WORDS, LEAD_IN, absolute_scope, acknowledges, asserts_a_worry, calms, courtesy_only, hedges_claim,
    introduces_company, names_offer, offers_to_act, says_yes, speaks_for_offer, states_purpose, tells_users_past,
    polite_only, threatens_loss, ties_benefit_to_now, unclefted, urges_decision, only_calms, reports_user,
)
from protod.text.ellipsis import resolve_ellipsis  # noqa: F401
from protod.text.asks import (  # noqa: F401
    asked_part, asks_consent, asks_for_time, asks_how_it_goes, asks_how_things_stand, asks_indirectly,
    asks_open_worry, asks_which, checks_about_user, join_examples, leaves_choice_open, open_worry_words,
    split_indirect_question, spoken_sentences, without_users_past, asks_if_it_suits, EXAMPLE_LEADS,
)
