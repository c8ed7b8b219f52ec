/*
 * crypto: what the project needs from mbedTLS, behind one small interface —
 * random bytes, a deliberately slow key derivation from a PIN, authenticated
 * encryption of values at rest (AES-256-GCM), keyed hashes for duplicate
 * detection without plaintext, and wiping secrets from memory.
 *
 * Sealed values have one self-describing layout, so a value encrypted today
 * can be read after the parameters change:
 *     byte 0      format version (1)
 *     bytes 1-12  random nonce
 *     then        ciphertext (same length as the plaintext)
 *     last 16     GCM tag
 * The associated data (aad) binds a value to where it belongs (e.g.
 * "person/<id>/name"), so a ciphertext moved to another row or field fails
 * to open.
 */
#ifndef FA_CRYPTO_H
#define FA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define CRYPTO_KEY_LEN 32
#define CRYPTO_SALT_LEN 16
#define CRYPTO_NONCE_LEN 12
#define CRYPTO_TAG_LEN 16
#define CRYPTO_SEAL_OVERHEAD (1 + CRYPTO_NONCE_LEN + CRYPTO_TAG_LEN)
#define CRYPTO_HASH_LEN 32
#define CRYPTO_MAX_PLAINTEXT (16 * 1024 * 1024)

/* Fills out[0..n) with cryptographically strong random bytes (mbedTLS
 * CTR-DRBG seeded from the system entropy source; thread-safe). Returns 0
 * or ERR_CRYPTO. */
int crypto_random(void *out, size_t n, err *e);

/* PBKDF2-HMAC-SHA256 of the PIN/password with salt and iterations into
 * key[CRYPTO_KEY_LEN]. Iterations must be >= 1000. */
int crypto_derive_key(const char *pin, size_t pin_len, const uint8_t *salt,
		      size_t salt_len, uint32_t iterations,
		      uint8_t key[CRYPTO_KEY_LEN], err *e);

/* The number of PBKDF2 iterations that take about target_ms on this
 * machine (measured now; at least 1000, at most 50,000,000). */
uint32_t crypto_calibrate_iterations(unsigned target_ms);

/* Encrypts plain[0..len) under key with aad into out (appended:
 * len + CRYPTO_SEAL_OVERHEAD bytes). Returns 0, ERR_LIMIT (len over
 * CRYPTO_MAX_PLAINTEXT), ERR_NOMEM or ERR_CRYPTO. */
int crypto_seal(const uint8_t key[CRYPTO_KEY_LEN], const void *aad, size_t aad_len,
		const void *plain, size_t len, buf *out, err *e);

/* Decrypts and authenticates sealed[0..len) into out (appended). A wrong
 * key, a changed byte, a different aad or a truncated value all give
 * ERR_CRYPTO with the message "cannot decrypt (wrong key or damaged data)";
 * nothing is appended then. */
int crypto_open(const uint8_t key[CRYPTO_KEY_LEN], const void *aad, size_t aad_len,
		const void *sealed, size_t len, buf *out, err *e);

/* HMAC-SHA256 of data under key: a keyed hash for finding duplicates (the
 * same national id gives the same hash on the same device key, and nothing
 * about the id can be learned without the key). */
int crypto_keyed_hash(const uint8_t key[CRYPTO_KEY_LEN], const void *data, size_t len,
		      uint8_t out[CRYPTO_HASH_LEN], err *e);

/* SHA-256 (for content addressing of records and the audit chain). */
int crypto_sha256(const void *data, size_t len, uint8_t out[32]);

/* SHA-256 of data as 64 lower-case hex characters and a NUL: how the sync
 * protocol names a record revision (of its canonical body) on both sides. */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);

/* Lower-case hex of data into out (2*len + 1 bytes). */
void crypto_hex(const uint8_t *data, size_t len, char *out);
/* The bytes of lower-case hex text s (dashes skipped: a UUID gives its
 * 16) into out, at most n: their count, or -1 when s is not such text or
 * is longer. */
int crypto_unhex(const char *s, uint8_t *out, size_t n);

/* Overwrites n bytes at p with zeros in a way the compiler cannot remove. */
void crypto_wipe(void *p, size_t n);

/* Compares two byte strings in time that depends only on n. 0 if equal. */
int crypto_equal(const void *a, const void *b, size_t n);

#endif
