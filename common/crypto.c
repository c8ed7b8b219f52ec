/*
 * crypto: the project's cryptography, done by mbedTLS and Nettle (see
 * crypto.h) — a process-wide CTR-DRBG for random bytes, PBKDF2-HMAC-SHA256
 * for keys from PINs and HMAC-SHA256 (mbedTLS); AES-256-GCM for sealed
 * values and SHA-256 (Nettle, which uses the CPU's AES, carry-less
 * multiply and SHA instructions). This file only checks arguments, lays
 * out the sealed format, maps library errors to ERR_* codes and wipes what
 * it copied. Messages name the operation and the library's error code,
 * never keys, PINs or plaintext.
 */
#include "crypto.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <nettle/gcm.h>
#include <nettle/sha2.h>

#define SEAL_VERSION 1
#define MIN_ITERATIONS 1000u
#define MAX_ITERATIONS 50000000u
/* Iterations timed per calibration run, and the least total time measured
 * before the rate is trusted. */
#define CALIBRATE_RUN 2000u
#define CALIBRATE_MIN_MS 20.0
/* Returned by calibration only if PBKDF2 cannot run at all (no memory, no
 * monotonic clock): OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
#define CALIBRATE_FALLBACK 600000u

#define OPEN_FAILED "cannot decrypt (wrong key or damaged data)"

/* Stands in for a NULL pointer with length 0, so mbedTLS never sees NULL. */
static const unsigned char nothing[1];

/* The one DRBG of the process, seeded on first use. rng_pid remembers the
 * process that seeded it: a child after fork() starts with a copy of the
 * parent's state and must reseed before drawing, or both would produce the
 * same "random" nonces. */
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static int rng_ready;
static pid_t rng_pid;
static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;
static const char rng_personalisation[] = "fieldassess/crypto_random/v1";

/* The positive hex form of a (negative) mbedTLS error code for messages. */
static unsigned mbed_code(int ret)
{
	return ret < 0 ? (unsigned)-ret : (unsigned)ret;
}

/* Seeds the DRBG on first use, or reseeds it in a forked child. Called with
 * rng_lock held. Returns 0 or an mbedTLS error. */
static int rng_prepare(void)
{
	pid_t pid = getpid();
	if (rng_ready) {
		if (pid == rng_pid)
			return 0;
		int ret = mbedtls_ctr_drbg_reseed(&rng_drbg, (const unsigned char *)&pid,
						  sizeof pid);
		if (ret == 0)
			rng_pid = pid;
		return ret;
	}
	mbedtls_entropy_init(&rng_entropy);
	mbedtls_ctr_drbg_init(&rng_drbg);
	int ret = mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy,
					(const unsigned char *)rng_personalisation,
					sizeof rng_personalisation - 1);
	if (ret) {
		mbedtls_ctr_drbg_free(&rng_drbg);
		mbedtls_entropy_free(&rng_entropy);
		return ret;
	}
	rng_ready = 1;
	rng_pid = pid;
	return 0;
}

int crypto_random(void *out, size_t n, err *e)
{
	if (n == 0)
		return 0;
	if (!out)
		return err_set(e, ERR_INVALID, "random bytes: no output buffer");
	int rc = 0;
	unsigned char *p = out;
	size_t left = n;
	pthread_mutex_lock(&rng_lock);
	int ret = rng_prepare();
	if (ret) {
		rc = err_set(e, ERR_CRYPTO,
			     "random bytes: cannot seed the generator from the system entropy "
			     "source (mbedTLS error -0x%04x)",
			     mbed_code(ret));
		goto done;
	}
	/* CTR-DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST per call. */
	while (left > 0) {
		size_t chunk = left < MBEDTLS_CTR_DRBG_MAX_REQUEST ? left
								   : MBEDTLS_CTR_DRBG_MAX_REQUEST;
		ret = mbedtls_ctr_drbg_random(&rng_drbg, p, chunk);
		if (ret) {
			crypto_wipe(out, n);
			rc = err_set(e, ERR_CRYPTO,
				     "random bytes: the generator failed (mbedTLS error -0x%04x)",
				     mbed_code(ret));
			goto done;
		}
		p += chunk;
		left -= chunk;
	}
done:
	pthread_mutex_unlock(&rng_lock);
	return rc;
}

/* Sets up md for HMAC-SHA256. Returns 0 or an mbedTLS error. */
static int hmac_sha256_setup(mbedtls_md_context_t *md)
{
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (!info)
		return MBEDTLS_ERR_MD_FEATURE_UNAVAILABLE;
	return mbedtls_md_setup(md, info, 1);
}

int crypto_derive_key(const char *pin, size_t pin_len, const uint8_t *salt,
		      size_t salt_len, uint32_t iterations,
		      uint8_t key[CRYPTO_KEY_LEN], err *e)
{
	if (iterations < MIN_ITERATIONS)
		return err_set(e, ERR_INVALID,
			       "key derivation: %lu iterations are too few (at least %u)",
			       (unsigned long)iterations, MIN_ITERATIONS);
	if (!key || (!pin && pin_len) || (!salt && salt_len))
		return err_set(e, ERR_INVALID, "key derivation: missing PIN, salt or key buffer");
	int rc = 0;
	mbedtls_md_context_t md;
	mbedtls_md_init(&md);
	int ret = hmac_sha256_setup(&md);
	if (ret) {
		rc = err_set(e, ret == MBEDTLS_ERR_MD_ALLOC_FAILED ? ERR_NOMEM : ERR_CRYPTO,
			     "key derivation: cannot set up HMAC-SHA256 (mbedTLS error -0x%04x)",
			     mbed_code(ret));
		goto done;
	}
	ret = mbedtls_pkcs5_pbkdf2_hmac(&md, pin ? (const unsigned char *)pin : nothing, pin_len,
					salt ? salt : nothing, salt_len, iterations,
					CRYPTO_KEY_LEN, key);
	if (ret) {
		crypto_wipe(key, CRYPTO_KEY_LEN);
		rc = err_set(e, ERR_CRYPTO, "key derivation: PBKDF2 failed (mbedTLS error -0x%04x)",
			     mbed_code(ret));
		goto done;
	}
done:
	mbedtls_md_free(&md); /* zeroizes the HMAC pads derived from the PIN */
	return rc;
}

static double elapsed_ms(const struct timespec *from, const struct timespec *to)
{
	return (double)(to->tv_sec - from->tv_sec) * 1000.0 +
	       (double)(to->tv_nsec - from->tv_nsec) / 1e6;
}

uint32_t crypto_calibrate_iterations(unsigned target_ms)
{
	static const char pin[] = "calibration";
	static const unsigned char salt[CRYPTO_SALT_LEN] = {0};
	uint8_t key[CRYPTO_KEY_LEN];
	uint32_t result = CALIBRATE_FALLBACK;
	mbedtls_md_context_t md;
	mbedtls_md_init(&md);
	if (hmac_sha256_setup(&md))
		goto done;
	struct timespec t0, t1;
	if (clock_gettime(CLOCK_MONOTONIC, &t0))
		goto done;
	double done_iterations = 0.0, ms = 0.0;
	do {
		if (mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)pin, sizeof pin - 1, salt,
					      sizeof salt, CALIBRATE_RUN, CRYPTO_KEY_LEN, key))
			goto done;
		done_iterations += CALIBRATE_RUN;
		if (clock_gettime(CLOCK_MONOTONIC, &t1))
			goto done;
		ms = elapsed_ms(&t0, &t1);
	} while (ms < CALIBRATE_MIN_MS);
	double want = done_iterations / ms * (double)target_ms;
	if (want < (double)MIN_ITERATIONS)
		result = MIN_ITERATIONS;
	else if (want > (double)MAX_ITERATIONS)
		result = MAX_ITERATIONS;
	else
		result = (uint32_t)want;
done:
	crypto_wipe(key, sizeof key);
	mbedtls_md_free(&md);
	return result;
}

int crypto_seal(const uint8_t key[CRYPTO_KEY_LEN], const void *aad, size_t aad_len,
		const void *plain, size_t len, buf *out, err *e)
{
	/* The length is checked before plain is touched. */
	if (len > CRYPTO_MAX_PLAINTEXT)
		return err_set(e, ERR_LIMIT, "seal: %zu bytes are over the limit of %d bytes", len,
			       CRYPTO_MAX_PLAINTEXT);
	if (!key || !out || (!aad && aad_len) || (!plain && len))
		return err_set(e, ERR_INVALID, "seal: missing key, data or output buffer");
	int rc = 0;
	size_t total = len + CRYPTO_SEAL_OVERHEAD;
	/* Nettle's GCM, not mbedTLS's: the same AES-256-GCM, eight times the
	 * speed (mbedTLS 2.28 multiplies in GF(2^128) a block at a time) on
	 * every record a sync sends and every answer saved. */
	struct gcm_aes256_ctx gcm;
	/* The whole sealed value is built aside and appended at once, so out
	 * gains nothing on failure and plain may even point into out. */
	unsigned char *sealed = malloc(total);
	if (!sealed)
		return err_set(e, ERR_NOMEM, "seal: out of memory for %zu bytes", total);
	unsigned char *nonce = sealed + 1;
	unsigned char *cipher = nonce + CRYPTO_NONCE_LEN;
	unsigned char *tag = cipher + len;
	sealed[0] = SEAL_VERSION;
	rc = crypto_random(nonce, CRYPTO_NONCE_LEN, e);
	if (rc) {
		err_prefix(e, rc, "seal");
		free(sealed);
		return rc;
	}
	gcm_aes256_set_key(&gcm, key);
	gcm_aes256_set_iv(&gcm, CRYPTO_NONCE_LEN, nonce);
	gcm_aes256_update(&gcm, aad_len, aad ? aad : nothing);
	gcm_aes256_encrypt(&gcm, len, cipher, plain ? plain : nothing);
	gcm_aes256_digest(&gcm, CRYPTO_TAG_LEN, tag);
	crypto_wipe(&gcm, sizeof gcm); /* the expanded key */
	if (buf_append(out, sealed, total))
		rc = err_set(e, ERR_NOMEM, "seal: out of memory for the sealed value");
	free(sealed);
	return rc;
}

int crypto_open(const uint8_t key[CRYPTO_KEY_LEN], const void *aad, size_t aad_len,
		const void *sealed, size_t len, buf *out, err *e)
{
	if (!key || !out || (!aad && aad_len) || (!sealed && len))
		return err_set(e, ERR_INVALID, "open: missing key, data or output buffer");
	/* Too short to hold version, nonce and tag: damaged like any other. */
	if (len < CRYPTO_SEAL_OVERHEAD)
		return err_set(e, ERR_CRYPTO, OPEN_FAILED);
	size_t plain_len = len - CRYPTO_SEAL_OVERHEAD;
	if (plain_len > CRYPTO_MAX_PLAINTEXT)
		return err_set(e, ERR_LIMIT, "open: %zu bytes are over the limit of %d bytes", len,
			       CRYPTO_MAX_PLAINTEXT + CRYPTO_SEAL_OVERHEAD);
	const unsigned char *s = sealed;
	/* Only format 1 exists; the version byte is not covered by the tag, so
	 * it must match exactly. */
	if (s[0] != SEAL_VERSION)
		return err_set(e, ERR_CRYPTO, OPEN_FAILED);
	const unsigned char *nonce = s + 1;
	const unsigned char *cipher = nonce + CRYPTO_NONCE_LEN;
	const unsigned char *tag = cipher + plain_len;
	int rc = 0;
	/* Decrypted aside and appended only once the tag checked out; wiped
	 * afterwards either way. */
	unsigned char *plain = malloc(plain_len ? plain_len : 1);
	if (!plain)
		return err_set(e, ERR_NOMEM, "open: out of memory for %zu bytes", plain_len);
	struct gcm_aes256_ctx gcm;
	uint8_t want[CRYPTO_TAG_LEN];
	gcm_aes256_set_key(&gcm, key);
	gcm_aes256_set_iv(&gcm, CRYPTO_NONCE_LEN, nonce);
	gcm_aes256_update(&gcm, aad_len, aad ? aad : nothing);
	gcm_aes256_decrypt(&gcm, plain_len, plain, plain_len ? cipher : nothing);
	gcm_aes256_digest(&gcm, CRYPTO_TAG_LEN, want);
	crypto_wipe(&gcm, sizeof gcm);
	if (crypto_equal(want, tag, CRYPTO_TAG_LEN)) /* 0: equal */
		rc = err_set(e, ERR_CRYPTO, OPEN_FAILED);
	else if (buf_append(out, plain, plain_len))
		rc = err_set(e, ERR_NOMEM, "open: out of memory for the decrypted value");
	crypto_wipe(plain, plain_len ? plain_len : 1);
	free(plain);
	return rc;
}

int crypto_keyed_hash(const uint8_t key[CRYPTO_KEY_LEN], const void *data, size_t len,
		      uint8_t out[CRYPTO_HASH_LEN], err *e)
{
	if (!key || !out || (!data && len))
		return err_set(e, ERR_INVALID, "keyed hash: missing key, data or output");
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	int ret = info ? mbedtls_md_hmac(info, key, CRYPTO_KEY_LEN, data ? data : nothing, len,
					 out)
		       : MBEDTLS_ERR_MD_FEATURE_UNAVAILABLE;
	if (ret) {
		crypto_wipe(out, CRYPTO_HASH_LEN);
		return err_set(e, ret == MBEDTLS_ERR_MD_ALLOC_FAILED ? ERR_NOMEM : ERR_CRYPTO,
			       "keyed hash: HMAC-SHA256 failed (mbedTLS error -0x%04x)",
			       mbed_code(ret));
	}
	return 0;
}

/* Nettle's SHA-256, not mbedTLS's: nettle picks the CPU's SHA
 * instructions at run time (x86 SHA-NI, ARMv8 SHA2), five times the speed
 * of mbedTLS 2.28's portable code on the body of every record synced. */
int crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
	if (!out || (!data && len))
		return ERR_INVALID;
	const unsigned char *p = data ? data : nothing;
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, len, p);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
	return 0;
}

void crypto_hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* hex digit value + 0x10; 0x20: a dash (skipped); 0: anything else */
static const uint8_t unhex_table[256] = {
	['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14,
	['5'] = 0x15, ['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19,
	['a'] = 0x1a, ['b'] = 0x1b, ['c'] = 0x1c, ['d'] = 0x1d, ['e'] = 0x1e,
	['f'] = 0x1f, ['-'] = 0x20,
};

int crypto_unhex(const char *s, uint8_t *out, size_t n)
{
	/* the table holds digit + 0x10, so that 0 means "not hex" */
	size_t k = 0;
	int half = -1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int v = unhex_table[*p];
		if (v == 0x20)
			continue;
		if (!v)
			return -1;
		v -= 0x10;
		if (half < 0) {
			half = v;
			continue;
		}
		if (k == n)
			return -1;
		out[k++] = (uint8_t)(half << 4 | v);
		half = -1;
	}
	return half < 0 ? (int)k : -1;
}

void crypto_wipe(void *p, size_t n)
{
	if (p && n)
		mbedtls_platform_zeroize(p, n);
}

int crypto_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 0;
	return mbedtls_ct_memcmp(a, b, n) != 0;
}

void crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t h[32];
	crypto_sha256(data, len, h);
	crypto_hex(h, 32, out);
}
