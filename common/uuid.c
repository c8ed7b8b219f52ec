/*
 * uuid: UUID v4 and v7 from the crypto module's random source.
 */
#include "uuid.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "crypto.h"

/* 8-4-4-4-12 lower-case hex of r, with the version and variant set. */
static void uuid_format(uint8_t r[16], unsigned version, char out[UUID_STR_LEN])
{
	r[6] = (uint8_t)((r[6] & 0x0F) | (version << 4));
	r[8] = (uint8_t)((r[8] & 0x3F) | 0x80);
	char hex[33];
	crypto_hex(r, 16, hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

int uuid_v4(char out[UUID_STR_LEN], err *e)
{
	uint8_t r[16];
	int rc = crypto_random(r, sizeof r, e);
	if (rc)
		return rc;
	uuid_format(r, 4, out);
	return 0;
}

int uuid_v7_at(uint64_t ms, char out[UUID_STR_LEN], err *e)
{
	uint8_t r[16];
	int rc = crypto_random(r, sizeof r, e);
	if (rc)
		return rc;
	for (int i = 0; i < 6; i++) /* 48 bits of time, big-endian */
		r[i] = (uint8_t)(ms >> (40 - 8 * i));
	uuid_format(r, 7, out);
	return 0;
}

int uuid_v7(char out[UUID_STR_LEN], err *e)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ms = ts.tv_sec > 0 ? (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u : 0;
	return uuid_v7_at(ms, out, e);
}

int uuid_valid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return 0;
		}
	}
	return 1;
}
