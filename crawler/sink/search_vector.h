#pragma once

// The Vietnamese full-text vector of an article, computed by tincrawl instead of PostgreSQL.
//
// PostgreSQL's text parser is most of the cost of loading an article (to_tsvector over ~4 KB
// is several times the rest of the insert), so the sink sends the `search` column ready-made.
// It is defined as the server-side expression {schema}.search_vector(title || ' ' || body)
// (crawler/sink/pg_schema.cpp), which a migration uses for older rows and tests compare with:
//
//   to_tsvector('simple', regexp_replace(regexp_replace(fold(left(text, 1000000)),
//                '[\u0300-\u036F]', '', 'g'), <separators>, ' ', 'g'))
//
// fold() is unaccent. Separators are the ASCII characters other than letters and digits, and
// the Unicode punctuation, space and symbol blocks listed in kSeparatorRanges; every other
// character is part of a word. So a lexeme is a maximal run of word characters, folded as
// unaccent folds it ("Chuyển đổi" -> 'chuyen' 'doi'), numbered from 1 in order; positions stop at
// 16383 and a lexeme keeps at most 255 of them, words of 2048 bytes or more are skipped, as
// PostgreSQL does. search_query() splits a query at the same separators, so what is indexed and
// what is asked are cut the same way ("covid-19" and "19/4/2021" search as their parts).

#include <string>
#include <string_view>

namespace tincrawl {

// The tsvector of `title` + ' ' + `body` in PostgreSQL's text input form ('a':1,4 'b':2 ...),
// lexemes in byte order. Empty when there is no word.
std::string SearchVectorLiteral(std::string_view title, std::string_view body);

// The separators as a PostgreSQL regular expression (for pg_schema.cpp); the query form keeps
// whitespace, '"' and '-' for websearch_to_tsquery's syntax.
std::string SearchSeparatorClass();
std::string SearchQuerySeparatorClass();

}  // namespace tincrawl
