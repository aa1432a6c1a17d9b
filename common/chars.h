/* chars.h: character-level decoding shared by every parser: UTF-8 sequences and hex digits */
#ifndef HOMEOPS_CHARS_H
#define HOMEOPS_CHARS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decodes the well-formed UTF-8 sequence at s (n bytes left, n > 0): returns its length 1-4
 * and stores its code point in *cp (cp may be NULL); returns 0 for anything not well-formed
 * (a stray continuation byte, overlong forms, surrogates, values past U+10FFFF, a truncated
 * sequence), *cp untouched. The one UTF-8 decoder of the project.
 */
size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp);
/* Length (1-4) of the valid UTF-8 sequence at s, which has n bytes left; 0 when it is not valid UTF-8. */
size_t utf8_sequence_len(const unsigned char *s, size_t n);
/* True when s[0..n) is entirely well-formed UTF-8 (Go's utf8.Valid). */
bool utf8_valid(const void *s, size_t n);
/* Largest length <= max that does not split a UTF-8 sequence of s[0..len). */
size_t utf8_floor(const char *s, size_t len, size_t max);

/* Value of a hexadecimal digit (0-9, a-f, A-F), or -1. */
int hex_digit(int c);

#endif
