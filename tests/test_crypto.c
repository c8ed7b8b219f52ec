/*
 * test_crypto: common/crypto.c against published vectors (PBKDF2-HMAC-SHA256
 * from RFC 7914 §11 and the RFC 6070-style sets for SHA-256, HMAC-SHA256
 * from RFC 4231, SHA-256 from FIPS 180-2, AES-256-GCM test case 16 of the
 * GCM specification read back through crypto_open), the sealed layout and
 * round trips, every way a sealed value can be damaged, the limits, the
 * random generator (also across threads and fork), calibration bounds and
 * the small helpers.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "../common/crypto.h"
#include "../common/uuid.h"

#define OPEN_FAILED "cannot decrypt (wrong key or damaged data)"

/* Lower-case hex string -> bytes; returns the byte count. */
static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = hex[2 * i + (size_t)k];
			v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		out[i] = (uint8_t)v;
	}
	return n;
}

static void hex_is(int line, const uint8_t *data, size_t len, const char *want)
{
	char got[2 * 64 + 1];
	if (len > 64) {
		fprintf(stderr, "  %s:%d: hex_is: too long\n", __FILE__, line);
		test_failures++;
		return;
	}
	crypto_hex(data, len, got);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "  %s:%d: got %s, expected %s\n", __FILE__, line, got, want);
		test_failures++;
	}
}

#define CHECK_HEX(data, len, want) hex_is(__LINE__, data, len, want)

/* A fixed test key: 0x00, 0x01, ... 0x1f. */
static void test_key(uint8_t key[CRYPTO_KEY_LEN])
{
	for (int i = 0; i < CRYPTO_KEY_LEN; i++)
		key[i] = (uint8_t)i;
}

/* crypto_open must fail with ERR_CRYPTO and the exact message, leaving
 * out's earlier content ("keep") as it was. */
static void open_fails(int line, const uint8_t key[CRYPTO_KEY_LEN], const char *aad,
		       const void *sealed, size_t len)
{
	buf out = BUF_INIT;
	buf_append(&out, "keep", 4);
	err e = {0, ""};
	int rc = crypto_open(key, aad, aad ? strlen(aad) : 0, sealed, len, &out, &e);
	if (rc != ERR_CRYPTO || strcmp(e.msg, OPEN_FAILED) != 0 || out.len != 4 ||
	    memcmp(out.data, "keep", 5) != 0) {
		fprintf(stderr,
			"  %s:%d: crypto_open(len %zu) == %d \"%s\", out.len %zu; expected "
			"%d \"" OPEN_FAILED "\", out unchanged\n",
			__FILE__, line, len, rc, e.msg, out.len, ERR_CRYPTO);
		test_failures++;
	}
	buf_free(&out);
}

#define OPEN_FAILS(key, aad, sealed, len) open_fails(__LINE__, key, aad, sealed, len)

/* Seals plain under the test key and aad, checks the length and version
 * byte, opens it again (appending after "pre") and compares. */
static void round_trip(int line, const void *plain, size_t len, const char *aad)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	buf sealed = BUF_INIT, back = BUF_INIT;
	err e = {0, ""};
	buf_append(&back, "pre", 3);
	int rc = crypto_seal(key, aad, strlen(aad), plain, len, &sealed, &e);
	if (rc != 0 || sealed.len != len + 29 || (unsigned char)sealed.data[0] != 1) {
		fprintf(stderr, "  %s:%d: crypto_seal(%zu bytes) == %d \"%s\", length %zu\n",
			__FILE__, line, len, rc, e.msg, sealed.len);
		test_failures++;
		goto done;
	}
	rc = crypto_open(key, aad, strlen(aad), sealed.data, sealed.len, &back, &e);
	if (rc != 0 || back.len != len + 3 || memcmp(back.data, "pre", 3) != 0 ||
	    (len && memcmp(back.data + 3, plain, len) != 0) || back.data[back.len] != '\0') {
		fprintf(stderr, "  %s:%d: crypto_open(%zu bytes) == %d \"%s\", length %zu\n",
			__FILE__, line, sealed.len, rc, e.msg, back.len);
		test_failures++;
	}
done:
	crypto_wipe(back.data, back.len);
	buf_free(&back);
	buf_free(&sealed);
}

#define ROUND_TRIP(plain, len, aad) round_trip(__LINE__, plain, len, aad)

static void crypto_pbkdf2_vectors(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	err e = {0, ""};
	/* RFC 7914 §11 (PBKDF2-HMAC-SHA256, P="password", S="salt", c=4096). */
	CHECK_INT(crypto_derive_key("password", 8, (const uint8_t *)"salt", 4, 4096, key, &e), 0);
	CHECK_HEX(key, 32, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
	/* The long password/salt set (dkLen 40; its first 32 bytes). */
	CHECK_INT(crypto_derive_key("passwordPASSWORDpassword", 24,
				    (const uint8_t *)"saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
				    key, &e),
		  0);
	CHECK_HEX(key, 32, "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1");
	/* NUL bytes inside PIN and salt (dkLen 16 vector 89b69d05…8687; the
	 * other 16 bytes from Python's hashlib.pbkdf2_hmac). */
	CHECK_INT(crypto_derive_key("pass\0word", 9, (const uint8_t *)"sa\0lt", 5, 4096, key, &e),
		  0);
	CHECK_HEX(key, 32, "89b69d0516f829893c696226650a86878c029ac13ee276509d5ae58b6466a724");
	crypto_wipe(key, sizeof key);
}

static void crypto_derive_cyrillic_pin(void)
{
	/* A UTF-8 Cyrillic password; expected value from Python's
	 * hashlib.pbkdf2_hmac("sha256", pin, bytes(range(16)), 1000, 32). */
	const char pin[] = "пароль-Ёж 1234";
	uint8_t salt[CRYPTO_SALT_LEN], key[CRYPTO_KEY_LEN], again[CRYPTO_KEY_LEN];
	for (int i = 0; i < CRYPTO_SALT_LEN; i++)
		salt[i] = (uint8_t)i;
	err e = {0, ""};
	CHECK_INT(sizeof pin - 1, 22);
	CHECK_INT(crypto_derive_key(pin, sizeof pin - 1, salt, sizeof salt, 1000, key, &e), 0);
	CHECK_HEX(key, 32, "a2308a72efb11b2b2ce9189a4172e4e2fcc0dd07dc386a6eea5cfe11eb59b5d6");
	/* Another salt gives another key. */
	salt[15] ^= 1;
	CHECK_INT(crypto_derive_key(pin, sizeof pin - 1, salt, sizeof salt, 1000, again, &e), 0);
	CHECK(memcmp(key, again, sizeof key) != 0);
	crypto_wipe(key, sizeof key);
	crypto_wipe(again, sizeof again);
}

static void crypto_derive_too_few_iterations(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	err e = {0, ""};
	CHECK_INT(crypto_derive_key("1234", 4, (const uint8_t *)"salt", 4, 999, key, &e),
		  ERR_INVALID);
	CHECK_STR(e.msg, "key derivation: 999 iterations are too few (at least 1000)");
	CHECK_INT(crypto_derive_key("1234", 4, (const uint8_t *)"salt", 4, 0, key, &e),
		  ERR_INVALID);
	CHECK_INT(crypto_derive_key("1234", 4, (const uint8_t *)"salt", 4, 1000, key, &e), 0);
	/* An empty PIN is allowed (the caller decides what PINs are acceptable). */
	CHECK_INT(crypto_derive_key("", 0, (const uint8_t *)"salt", 4, 1000, key, &e), 0);
	crypto_wipe(key, sizeof key);
}

static void crypto_hmac_rfc4231(void)
{
	/* HMAC zero-pads a short key to the block size, so the RFC's 4-byte
	 * key "Jefe" and 20-byte key 0x0b… are the same as these 32-byte keys
	 * with zeros after them. */
	uint8_t key[CRYPTO_KEY_LEN] = {'J', 'e', 'f', 'e'};
	uint8_t mac[CRYPTO_HASH_LEN];
	err e = {0, ""};
	const char data2[] = "what do ya want for nothing?";
	CHECK_INT(crypto_keyed_hash(key, data2, sizeof data2 - 1, mac, &e), 0);
	CHECK_HEX(mac, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0, sizeof key);
	memset(key, 0x0b, 20);
	CHECK_INT(crypto_keyed_hash(key, "Hi There", 8, mac, &e), 0);
	CHECK_HEX(mac, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void crypto_keyed_hash_per_key(void)
{
	uint8_t k1[CRYPTO_KEY_LEN], k2[CRYPTO_KEY_LEN];
	uint8_t a[CRYPTO_HASH_LEN], b[CRYPTO_HASH_LEN], c[CRYPTO_HASH_LEN], d[CRYPTO_HASH_LEN];
	err e = {0, ""};
	test_key(k1);
	test_key(k2);
	k2[31] ^= 0x80;
	const char id[] = "7501010010";
	CHECK_INT(crypto_keyed_hash(k1, id, 10, a, &e), 0);
	CHECK_INT(crypto_keyed_hash(k1, id, 10, b, &e), 0);
	CHECK_INT(crypto_keyed_hash(k2, id, 10, c, &e), 0);
	CHECK_INT(crypto_keyed_hash(k1, "7501010011", 10, d, &e), 0);
	CHECK(memcmp(a, b, sizeof a) == 0);
	CHECK(memcmp(a, c, sizeof a) != 0);
	CHECK(memcmp(a, d, sizeof a) != 0);
	/* Empty data is fine. */
	CHECK_INT(crypto_keyed_hash(k1, NULL, 0, d, &e), 0);
	CHECK_INT(crypto_keyed_hash(k1, "", 0, c, &e), 0);
	CHECK(memcmp(c, d, sizeof c) == 0);
}

static void crypto_sha256_vectors(void)
{
	uint8_t h[32];
	CHECK_INT(crypto_sha256("abc", 3, h), 0);
	CHECK_HEX(h, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_INT(crypto_sha256("", 0, h), 0);
	CHECK_HEX(h, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_INT(crypto_sha256(NULL, 0, h), 0);
	CHECK_HEX(h, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	CHECK_INT(crypto_sha256(two, sizeof two - 1, h), 0);
	CHECK_HEX(h, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* GCM specification test case 16 (AES-256, 60-byte plaintext, 20-byte
 * aad) laid out as a version-1 sealed value: proves the layout is plain
 * AES-256-GCM with the caller's aad, readable by any other implementation. */
static void crypto_open_gcm_vector(void)
{
	uint8_t key[CRYPTO_KEY_LEN], sealed[1 + 12 + 60 + 16], plain[60], aad[20];
	unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key);
	sealed[0] = 1;
	unhex("cafebabefacedbaddecaf888", sealed + 1);
	unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	      sealed + 13);
	unhex("76fc6ece0f4e1768cddf8853bb2d551b", sealed + 73);
	unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	      plain);
	unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad);
	buf out = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_open(key, aad, sizeof aad, sealed, sizeof sealed, &out, &e), 0);
	CHECK_INT(out.len, 60);
	CHECK(out.len == 60 && memcmp(out.data, plain, 60) == 0);
	/* The same value with the aad's last byte changed. */
	aad[19] ^= 1;
	buf_reset(&out);
	CHECK_INT(crypto_open(key, aad, sizeof aad, sealed, sizeof sealed, &out, &e), ERR_CRYPTO);
	CHECK_STR(e.msg, OPEN_FAILED);
	CHECK_INT(out.len, 0);
	buf_free(&out);
}

/* A value sealed by the first implementation (mbedTLS's GCM, before
 * 2026-11-24): the stores on devices hold thousands; Nettle's GCM opens
 * them and seals the same bytes for the same nonce. */
static void crypto_open_sealed_by_mbedtls(void)
{
	uint8_t key[CRYPTO_KEY_LEN], sealed[1 + 12 + 40 + 16];
	for (int i = 0; i < CRYPTO_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	unhex("0102495c59800a49c045acae66039cd54e4fe54b73f1798beddb428410113f36ef1f5943"
	      "d0de66554397adc78a163bbe576c8dedfcacb3077c43bdfb68e8e2089088039083",
	      sealed);
	const char *plain = "Иван Петров, ЕГН 8001011234";
	CHECK_INT(strlen(plain), 40);
	buf out = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_open(key, "person/name", 11, sealed, sizeof sealed, &out, &e), 0);
	CHECK(out.len == 40 && memcmp(out.data, plain, 40) == 0);
	/* under another aad, or with its tag's last bit flipped: refused */
	buf_reset(&out);
	CHECK_INT(crypto_open(key, "person/addr", 11, sealed, sizeof sealed, &out, &e), ERR_CRYPTO);
	sealed[sizeof sealed - 1] ^= 1;
	CHECK_INT(crypto_open(key, "person/name", 11, sealed, sizeof sealed, &out, &e), ERR_CRYPTO);
	CHECK_INT(out.len, 0);
	buf_free(&out);
}

static void crypto_seal_round_trips(void)
{
	ROUND_TRIP("", 0, "person/1/name");
	ROUND_TRIP(NULL, 0, "");
	ROUND_TRIP("x", 1, "person/1/name");
	ROUND_TRIP("\0", 1, "");
	const char cyr[] = "Иванка Петрова Стоянова, ул. „Шипка“ 12, София";
	ROUND_TRIP(cyr, sizeof cyr - 1, "person/42/address");
	/* 1 MiB of random bytes. */
	size_t big = 1024 * 1024;
	uint8_t *data = malloc(big);
	CHECK(data != NULL);
	if (!data)
		return;
	err e = {0, ""};
	CHECK_INT(crypto_random(data, big, &e), 0);
	ROUND_TRIP(data, big, "attachment/7");
	free(data);
}

static void crypto_seal_layout(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	buf out = BUF_INIT;
	err e = {0, ""};
	buf_append(&out, "head", 4);
	CHECK_INT(crypto_seal(key, "a", 1, "hello", 5, &out, &e), 0);
	/* Appended after what was there: 4 + 5 + 29. */
	CHECK_INT(out.len, 38);
	CHECK_INT(CRYPTO_SEAL_OVERHEAD, 29);
	CHECK(memcmp(out.data, "head", 4) == 0);
	CHECK_INT((unsigned char)out.data[4], 1);
	CHECK_INT(out.data[out.len], '\0');
	/* The sealed value opens from where it lies. */
	buf back = BUF_INIT;
	CHECK_INT(crypto_open(key, "a", 1, out.data + 4, 34, &back, &e), 0);
	CHECK_STR(back.data, "hello");
	/* Opening into the buffer that holds the sealed value (it may move). */
	CHECK_INT(crypto_open(key, "a", 1, out.data + 4, 34, &out, &e), 0);
	CHECK_INT(out.len, 43);
	CHECK(out.len == 43 && memcmp(out.data + 38, "hello", 5) == 0);
	/* Sealing part of the output buffer into itself. */
	CHECK_INT(crypto_seal(key, NULL, 0, out.data, 4, &out, &e), 0);
	CHECK_INT(out.len, 43 + 4 + 29);
	buf_reset(&back);
	CHECK_INT(crypto_open(key, NULL, 0, out.data + 43, 33, &back, &e), 0);
	CHECK_STR(back.data, "head");
	buf_free(&back);
	buf_free(&out);
}

static void crypto_seal_nonce_differs(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	buf a = BUF_INIT, b = BUF_INIT, pa = BUF_INIT, pb = BUF_INIT;
	err e = {0, ""};
	const char msg[] = "same plaintext";
	CHECK_INT(crypto_seal(key, "f", 1, msg, sizeof msg - 1, &a, &e), 0);
	CHECK_INT(crypto_seal(key, "f", 1, msg, sizeof msg - 1, &b, &e), 0);
	CHECK_INT(a.len, b.len);
	CHECK(memcmp(a.data + 1, b.data + 1, 12) != 0);             /* nonces */
	CHECK(memcmp(a.data + 13, b.data + 13, a.len - 13) != 0);   /* ct+tag */
	CHECK_INT(crypto_open(key, "f", 1, a.data, a.len, &pa, &e), 0);
	CHECK_INT(crypto_open(key, "f", 1, b.data, b.len, &pb, &e), 0);
	CHECK_STR(pa.data, msg);
	CHECK_STR(pb.data, msg);
	buf_free(&a);
	buf_free(&b);
	buf_free(&pa);
	buf_free(&pb);
}

/* Every single-bit change anywhere — version, nonce, ciphertext, tag. */
static void crypto_open_rejects_every_flipped_bit(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	buf s = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_seal(key, "person/1/id", 11, "7501010010 Ivanova", 18, &s, &e), 0);
	CHECK_INT(s.len, 47);
	int rejected = 0;
	for (size_t i = 0; i < s.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			int before = test_failures;
			s.data[i] = (char)(s.data[i] ^ (1 << bit));
			OPEN_FAILS(key, "person/1/id", s.data, s.len);
			s.data[i] = (char)(s.data[i] ^ (1 << bit));
			if (test_failures == before)
				rejected++;
		}
	}
	CHECK_INT(rejected, 47 * 8);
	/* Restored, it still opens. */
	buf p = BUF_INIT;
	CHECK_INT(crypto_open(key, "person/1/id", 11, s.data, s.len, &p, &e), 0);
	CHECK_STR(p.data, "7501010010 Ivanova");
	buf_free(&p);
	buf_free(&s);
}

static void crypto_open_rejects_wrong_key(void)
{
	uint8_t key[CRYPTO_KEY_LEN], other[CRYPTO_KEY_LEN];
	test_key(key);
	buf s = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_seal(key, "x", 1, "secret", 6, &s, &e), 0);
	memcpy(other, key, sizeof key);
	other[0] ^= 1;
	OPEN_FAILS(other, "x", s.data, s.len);
	memset(other, 0, sizeof other);
	OPEN_FAILS(other, "x", s.data, s.len);
	/* Same for an empty plaintext (only the tag protects it). */
	buf_reset(&s);
	CHECK_INT(crypto_seal(key, "x", 1, "", 0, &s, &e), 0);
	OPEN_FAILS(other, "x", s.data, s.len);
	buf_free(&s);
}

static void crypto_open_rejects_wrong_aad(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	buf s = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_seal(key, "person/1/name", 13, "Мария", 10, &s, &e), 0);
	OPEN_FAILS(key, "person/2/name", s.data, s.len);
	OPEN_FAILS(key, "person/1/nam", s.data, s.len);
	OPEN_FAILS(key, "person/1/name ", s.data, s.len);
	OPEN_FAILS(key, "", s.data, s.len);
	OPEN_FAILS(key, NULL, s.data, s.len);
	/* And the other way round: sealed without aad, opened with one. */
	buf_reset(&s);
	CHECK_INT(crypto_seal(key, NULL, 0, "Мария", 10, &s, &e), 0);
	OPEN_FAILS(key, "person/1/name", s.data, s.len);
	buf p = BUF_INIT;
	CHECK_INT(crypto_open(key, "", 0, s.data, s.len, &p, &e), 0);
	CHECK_STR(p.data, "Мария");
	buf_free(&p);
	buf_free(&s);
}

static void crypto_open_rejects_truncated_and_extended(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	buf s = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_seal(key, "t", 1, "0123456789", 10, &s, &e), 0);
	CHECK_INT(s.len, 39);
	/* Every shorter prefix: below 29 bytes too short for the format,
	 * from 29 on the tag no longer matches. */
	for (size_t n = 0; n < s.len; n++)
		OPEN_FAILS(key, "t", s.data, n);
	OPEN_FAILS(key, "t", NULL, 0);
	/* Dropping the front (version byte) instead. */
	OPEN_FAILS(key, "t", s.data + 1, s.len - 1);
	/* One byte too many. */
	buf_putc(&s, 0);
	OPEN_FAILS(key, "t", s.data, s.len);
	buf_free(&s);
}

static void crypto_open_rejects_unknown_version(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	buf s = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_seal(key, "v", 1, "data", 4, &s, &e), 0);
	static const unsigned char versions[] = {0, 2, 3, 0x81, 0xff};
	for (size_t i = 0; i < sizeof versions; i++) {
		s.data[0] = (char)versions[i];
		OPEN_FAILS(key, "v", s.data, s.len);
	}
	buf_free(&s);
}

/* crypto_seal checks the length before it reads a byte of the plaintext
 * (documented in crypto.c), so an oversize length with a small real buffer
 * exercises the limit without allocating 16 MiB; were the check ever moved
 * after the read, ASan would report the overread. crypto_open likewise
 * refuses a sealed value longer than the largest seal can produce before
 * reading it. */
static void crypto_seal_limit(void)
{
	uint8_t key[CRYPTO_KEY_LEN];
	test_key(key);
	char small[64] = "";
	buf out = BUF_INIT;
	err e = {0, ""};
	CHECK_INT(crypto_seal(key, NULL, 0, small, (size_t)CRYPTO_MAX_PLAINTEXT + 1, &out, &e),
		  ERR_LIMIT);
	CHECK_STR(e.msg, "seal: 16777217 bytes are over the limit of 16777216 bytes");
	CHECK_INT(crypto_seal(key, NULL, 0, small, SIZE_MAX, &out, &e), ERR_LIMIT);
	CHECK_INT(out.len, 0);
	CHECK(out.data == NULL);
	err_clear(&e);
	CHECK_INT(crypto_open(key, NULL, 0, small,
			      (size_t)CRYPTO_MAX_PLAINTEXT + CRYPTO_SEAL_OVERHEAD + 1, &out, &e),
		  ERR_LIMIT);
	CHECK_INT(out.len, 0);
	/* A normal size still seals. */
	CHECK_INT(crypto_seal(key, NULL, 0, small, sizeof small, &out, &e), 0);
	CHECK_INT(out.len, 64 + 29);
	buf_free(&out);
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void crypto_random_bytes(void)
{
	uint8_t a[64] = {0}, b[64] = {0};
	err e = {0, ""};
	CHECK_INT(crypto_random(a, sizeof a, &e), 0);
	CHECK_INT(crypto_random(b, sizeof b, &e), 0);
	CHECK(!all_zero(a, sizeof a));
	CHECK(!all_zero(b, sizeof b));
	CHECK(memcmp(a, b, sizeof a) != 0);
	CHECK_INT(crypto_random(NULL, 0, &e), 0);
	/* Longer than one DRBG request (1024 bytes): every 1 KiB block
	 * filled, and the blocks differ. */
	uint8_t *big = calloc(4100, 1);
	CHECK(big != NULL);
	if (!big)
		return;
	CHECK_INT(crypto_random(big, 4100, &e), 0);
	for (size_t off = 0; off < 4100; off += 1024) {
		size_t n = 4100 - off < 64 ? 4100 - off : 64;
		CHECK(!all_zero(big + off, n));
	}
	CHECK(memcmp(big, big + 1024, 1024) != 0);
	CHECK(memcmp(big + 1024, big + 2048, 1024) != 0);
	free(big);
}

static void *random_worker(void *arg)
{
	uint8_t *out = arg;
	err e = {0, ""};
	for (int i = 0; i < 200; i++)
		if (crypto_random(out, 32, &e) != 0)
			memset(out, 0, 32);
	return NULL;
}

static void crypto_random_threads(void)
{
	enum { N = 4 };
	pthread_t th[N];
	uint8_t out[N][32];
	memset(out, 0, sizeof out);
	for (int i = 0; i < N; i++)
		CHECK_INT(pthread_create(&th[i], NULL, random_worker, out[i]), 0);
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N; i++) {
		CHECK(!all_zero(out[i], 32));
		for (int j = 0; j < i; j++)
			CHECK(memcmp(out[i], out[j], 32) != 0);
	}
}

/* A forked child must not repeat the parent's random bytes (nonces). */
static void crypto_random_after_fork(void)
{
	uint8_t warm[8], mine[32], theirs[32];
	err e = {0, ""};
	CHECK_INT(crypto_random(warm, sizeof warm, &e), 0); /* seeded before fork */
	int fd[2];
	CHECK_INT(pipe(fd), 0);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		uint8_t r[32] = {0};
		err ce = {0, ""};
		int ok = crypto_random(r, sizeof r, &ce) == 0 &&
			 write(fd[1], r, sizeof r) == (ssize_t)sizeof r;
		_exit(ok ? 0 : 1);
	}
	close(fd[1]);
	CHECK_INT(crypto_random(mine, sizeof mine, &e), 0);
	CHECK_INT(read(fd[0], theirs, sizeof theirs), 32);
	close(fd[0]);
	int status = 0;
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(memcmp(mine, theirs, sizeof mine) != 0);
}

/* Only the bounds are asserted: timings on a loaded test machine are not. */
static void crypto_calibrate_bounds(void)
{
	uint32_t n = crypto_calibrate_iterations(50);
	CHECK(n >= 1000 && n <= 50000000);
	CHECK_INT(crypto_calibrate_iterations(0), 1000);
	/* ~50 days per derivation is clamped to the maximum. */
	CHECK_INT(crypto_calibrate_iterations(4000000000u), 50000000);
	uint8_t key[CRYPTO_KEY_LEN];
	err e = {0, ""};
	CHECK_INT(crypto_derive_key("1234", 4, (const uint8_t *)"0123456789abcdef", 16, n, key,
				    &e),
		  0);
	crypto_wipe(key, sizeof key);
}

static void crypto_equal_cases(void)
{
	CHECK_INT(crypto_equal("abcdef", "abcdef", 6), 0);
	CHECK(crypto_equal("abcdef", "abcdeg", 6) != 0);
	CHECK(crypto_equal("abcdef", "bbcdef", 6) != 0);
	CHECK_INT(crypto_equal("abc", "abd", 2), 0);
	CHECK_INT(crypto_equal("x", "y", 0), 0);
	uint8_t a[32] = {0}, b[32] = {0};
	b[17] = 0x80;
	CHECK(crypto_equal(a, b, 32) != 0);
	b[17] = 0;
	CHECK_INT(crypto_equal(a, b, 32), 0);
}

static void crypto_hex_cases(void)
{
	static const uint8_t d[] = {0x00, 0x0f, 0xa0, 0xff, 0x5c, 0x39};
	char out[2 * sizeof d + 1];
	memset(out, 'Z', sizeof out);
	crypto_hex(d, sizeof d, out);
	CHECK_STR(out, "000fa0ff5c39");
	crypto_hex(d, 0, out);
	CHECK_STR(out, "");
}

static void crypto_unhex_cases(void)
{
	uint8_t out[32];
	char back[65];
	CHECK_INT(crypto_unhex("000fa0ff5c39", out, sizeof out), 6);
	crypto_hex(out, 6, back);
	CHECK_STR(back, "000fa0ff5c39");
	/* a UUID: dashes skipped, its 16 bytes */
	CHECK_INT(crypto_unhex("019b8d2b-8c00-7121-bd9d-2c4ce0b0a568", out, 16), 16);
	crypto_hex(out, 16, back);
	CHECK_STR(back, "019b8d2b8c007121bd9d2c4ce0b0a568");
	CHECK_INT(crypto_unhex("", out, sizeof out), 0);
	/* not lower-case hex, an odd count, more than n bytes */
	CHECK_INT(crypto_unhex("0A", out, sizeof out), -1);
	CHECK_INT(crypto_unhex("0g", out, sizeof out), -1);
	CHECK_INT(crypto_unhex("abc", out, sizeof out), -1);
	CHECK_INT(crypto_unhex("00112233", out, 3), -1);
	CHECK_INT(crypto_unhex("001122", out, 3), 3);
}

static void crypto_wipe_zeroes(void)
{
	uint8_t k[CRYPTO_KEY_LEN];
	test_key(k);
	crypto_wipe(k, sizeof k);
	CHECK(all_zero(k, sizeof k));
	crypto_wipe(NULL, 0);
}

/* Record ids: v7 carries the time in its first 48 bits, so ids made later
 * sort later (the stores' indexes grow at their end); v4 stays random. */
static void uuid_versions(void)
{
	err e;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN];
	CHECK_INT(uuid_v7_at(0x019b8d2c0130ULL, a, &e), 0);
	CHECK(uuid_valid(a));
	CHECK(!strncmp(a, "019b8d2c-0130-7", 15));
	CHECK(strchr("89ab", a[19]) != NULL);
	/* a millisecond later sorts after, whatever the random bits */
	for (int i = 0; i < 200; i++) {
		CHECK_INT(uuid_v7_at(0x019b8d2c0130ULL + 1, b, &e), 0);
		CHECK(strcmp(a, b) < 0);
	}
	/* the largest time that fits, and time 0 (a device clock at 1970) */
	CHECK_INT(uuid_v7_at(0xFFFFFFFFFFFFULL, c, &e), 0);
	CHECK(!strncmp(c, "ffffffff-ffff-7", 15));
	CHECK_INT(uuid_v7_at(0, c, &e), 0);
	CHECK(!strncmp(c, "00000000-0000-7", 15) && uuid_valid(c));
	/* the clock's: now, and never two the same */
	CHECK_INT(uuid_v7(a, &e), 0);
	CHECK_INT(uuid_v7(b, &e), 0);
	CHECK(uuid_valid(a) && uuid_valid(b) && strcmp(a, b) != 0 && a[14] == '7');
	CHECK(strncmp(a, "019b", 4) > 0); /* after 2026-01 */
	CHECK(strncmp(a, b, 13) <= 0);
	CHECK_INT(uuid_v4(c, &e), 0);
	CHECK(uuid_valid(c) && c[14] == '4' && strchr("89ab", c[19]) != NULL);
	CHECK(!uuid_valid("019b8d2c-0130-7000-8000-00000000000"));
	CHECK(!uuid_valid("019B8D2C-0130-7000-8000-000000000000"));
}

TEST_TABLE(crypto) = {
	{"crypto_pbkdf2_vectors", crypto_pbkdf2_vectors},
	{"crypto_derive_cyrillic_pin", crypto_derive_cyrillic_pin},
	{"crypto_derive_too_few_iterations", crypto_derive_too_few_iterations},
	{"crypto_hmac_rfc4231", crypto_hmac_rfc4231},
	{"crypto_keyed_hash_per_key", crypto_keyed_hash_per_key},
	{"crypto_sha256_vectors", crypto_sha256_vectors},
	{"crypto_open_gcm_vector", crypto_open_gcm_vector},
	{"crypto_open_sealed_by_mbedtls", crypto_open_sealed_by_mbedtls},
	{"crypto_seal_round_trips", crypto_seal_round_trips},
	{"crypto_seal_layout", crypto_seal_layout},
	{"crypto_seal_nonce_differs", crypto_seal_nonce_differs},
	{"crypto_open_rejects_every_flipped_bit", crypto_open_rejects_every_flipped_bit},
	{"crypto_open_rejects_wrong_key", crypto_open_rejects_wrong_key},
	{"crypto_open_rejects_wrong_aad", crypto_open_rejects_wrong_aad},
	{"crypto_open_rejects_truncated_and_extended", crypto_open_rejects_truncated_and_extended},
	{"crypto_open_rejects_unknown_version", crypto_open_rejects_unknown_version},
	{"crypto_seal_limit", crypto_seal_limit},
	{"crypto_random_bytes", crypto_random_bytes},
	{"crypto_random_threads", crypto_random_threads},
	{"crypto_random_after_fork", crypto_random_after_fork},
	{"crypto_calibrate_bounds", crypto_calibrate_bounds},
	{"crypto_equal_cases", crypto_equal_cases},
	{"crypto_hex_cases", crypto_hex_cases},
	{"crypto_unhex_cases", crypto_unhex_cases},
	{"crypto_wipe_zeroes", crypto_wipe_zeroes},
	{"uuid_versions", uuid_versions},
	{NULL, NULL},
};
