// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_util.c - base64 (RFC 4648) and address parsing/formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "util.h"

/* ---- base64 ---------------------------------------------------------------- */

/* RFC 4648 section 10 */
static const struct {
	const char *raw, *enc;
} rfc4648[] = {
	{"", ""},
	{"f", "Zg=="},
	{"fo", "Zm8="},
	{"foo", "Zm9v"},
	{"foob", "Zm9vYg=="},
	{"fooba", "Zm9vYmE="},
	{"foobar", "Zm9vYmFy"},
};

static void test_base64_encode_rfc4648(void **state)
{
	char out[16];

	for (size_t i = 0; i < ARRAY_SIZE(rfc4648); i++) {
		memset(out, 'X', sizeof(out));
		base64_encode((const uint8_t *)rfc4648[i].raw, strlen(rfc4648[i].raw), out);
		assert_string_equal(out, rfc4648[i].enc);
	}
}

static void test_base64_decode_rfc4648(void **state)
{
	uint8_t out[16];

	for (size_t i = 0; i < ARRAY_SIZE(rfc4648); i++) {
		size_t n = strlen(rfc4648[i].raw);

		memset(out, 0, sizeof(out));
		assert_int_equal(base64_decode(rfc4648[i].enc, out, sizeof(out)), (int)n);
		assert_memory_equal(out, rfc4648[i].raw, n);
	}
}

/* Every byte value, every length mod 3, through encode then decode; and a
 * 16-byte key is 24 characters (what `vigil keygen` prints). */
static void test_base64_round_trip(void **state)
{
	uint8_t in[256], out[256];
	char enc[4 * 86 + 1];

	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)(255 - i);
	for (size_t n = 0; n <= sizeof(in); n++) {
		base64_encode(in, n, enc);
		assert_int_equal(strlen(enc), 4 * ((n + 2) / 3));
		assert_int_equal(base64_decode(enc, out, sizeof(out)), (int)n);
		assert_memory_equal(out, in, n);
	}
	base64_encode(in, 16, enc);
	assert_int_equal(strlen(enc), 24);
	assert_string_equal(enc + 22, "==");
}

static void test_base64_all_symbols(void **state)
{
	/* 0xfb 0xff 0xbf ... uses '+' and '/' */
	static const uint8_t raw[] = {0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff};
	uint8_t out[8];
	char enc[16];

	base64_encode(raw, sizeof(raw), enc);
	assert_string_equal(enc, "++++////");
	assert_int_equal(base64_decode("++++////", out, sizeof(out)), 6);
	assert_memory_equal(out, raw, sizeof(raw));
}

static void test_base64_invalid(void **state)
{
	static const char *const bad[] = {
		"Zg=",	    /* length not a multiple of 4 */
		"Zg",	    /* unpadded */
		"Zm9vY",    /* 5 */
		"Zm9v!mFy", /* not in the alphabet */
		"Zm9v YmF", /* space */
		"Zm9v-_Fy", /* base64url alphabet */
		"Zg==Zm9v", /* padding in the middle */
		"Zm8=Zm8=", /* padding in the middle */
		"Z===",	    /* three pad characters */
		"====",	    /* only padding */
		"Zm=v",	    /* data after padding */
		"=Zm9",	    /* leading padding */
		"Zm9vYm=y", /* padding inside the last group */
	};
	uint8_t out[16];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = base64_decode(bad[i], out, sizeof(out));

		if (rc != -1)
			fail_msg("base64_decode(\"%s\") = %d, want -1", bad[i], rc);
	}
}

static void test_base64_output_too_small(void **state)
{
	uint8_t out[8];

	memset(out, 0x77, sizeof(out));
	assert_int_equal(base64_decode("Zm9vYmFy", out, 5), -1);
	assert_int_equal(out[5], 0x77); /* nothing written past outsz */
	assert_int_equal(base64_decode("Zm9vYmFy", out, 6), 6);
	assert_int_equal(base64_decode("Zm9vYg==", out, 3), -1);
	assert_int_equal(base64_decode("Zm9vYg==", out, 4), 4);
	assert_int_equal(base64_decode("Zg==", out, 0), -1);
	assert_int_equal(base64_decode("", out, 0), 0);
}

/* ---- addresses ----------------------------------------------------------- */

static void parse_ok(const char *s, uint16_t def, int family, uint16_t port, const char *fmt)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char buf[64];

	if (addr_parse(s, def, &ss, &len))
		fail_msg("addr_parse(\"%s\") failed", s);
	assert_int_equal(ss.ss_family, family);
	if (family == AF_INET) {
		assert_int_equal(len, sizeof(struct sockaddr_in));
		assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), port);
	} else {
		assert_int_equal(len, sizeof(struct sockaddr_in6));
		assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), port);
	}
	addr_format((struct sockaddr *)&ss, buf, sizeof(buf));
	assert_string_equal(buf, fmt);
}

static void test_addr_parse_ipv4(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;

	parse_ok("10.1.2.3", 7301, AF_INET, 7301, "10.1.2.3:7301");
	parse_ok("10.1.2.3:99", 7301, AF_INET, 99, "10.1.2.3:99");
	parse_ok("10.1.2.3:1", 7301, AF_INET, 1, "10.1.2.3:1");
	parse_ok("10.1.2.3:65535", 7301, AF_INET, 65535, "10.1.2.3:65535");
	parse_ok("0.0.0.0", 5, AF_INET, 5, "0.0.0.0:5");

	assert_int_equal(addr_parse("10.1.2.3:99", 7301, &ss, &len), 0);
	assert_memory_equal(&((struct sockaddr_in *)&ss)->sin_addr, "\x0a\x01\x02\x03", 4);
}

static void test_addr_parse_ipv6(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct in6_addr want;

	parse_ok("[fd00::1]:7301", 1, AF_INET6, 7301, "[fd00::1]:7301");
	parse_ok("[fd00::1]:99", 7301, AF_INET6, 99, "[fd00::1]:99");
	parse_ok("fd00::1", 7301, AF_INET6, 7301, "[fd00::1]:7301");
	parse_ok("[fd00::1]", 7301, AF_INET6, 7301, "[fd00::1]:7301");
	parse_ok("::1", 42, AF_INET6, 42, "[::1]:42");
	parse_ok("[::ffff:10.1.2.3]:5", 7301, AF_INET6, 5, "[::ffff:10.1.2.3]:5");
	parse_ok("2001:db8:0:0:0:0:0:1", 7301, AF_INET6, 7301, "[2001:db8::1]:7301");

	assert_int_equal(addr_parse("[fd00::1]:7301", 1, &ss, &len), 0);
	assert_int_equal(inet_pton(AF_INET6, "fd00::1", &want), 1);
	assert_memory_equal(&((struct sockaddr_in6 *)&ss)->sin6_addr, &want, sizeof(want));
}

static void test_addr_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"x",
		"localhost",
		"10.1.2",
		"10.1.2.3.4",
		"10.1.2.256",
		"10.1.2.3:0",	  /* port 0 */
		"10.1.2.3:70000", /* port > 65535 */
		"10.1.2.3:65536",
		"10.1.2.3:-1",
		"10.1.2.3:x",
		"10.1.2.3:99x",
		"10.1.2.3:", /* empty port */
		"10.1.2.3:99999999999999999999999",
		"[fd00::1]:0",
		"[fd00::1]:70000",
		"[fd00::1]:x",
		"[fd00::1]:",
		"[fd00::1",    /* no closing bracket */
		"[fd00::1]99", /* junk after the bracket */
		"[]:7301",
		"[fd00::g]:7301",
		"fd00:::1",
		"[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:1]:7301",
		"0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:1",
	};
	struct sockaddr_storage ss;
	socklen_t len;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = addr_parse(bad[i], 7301, &ss, &len);

		if (rc != -1)
			fail_msg("addr_parse(\"%s\") = %d, want -1", bad[i], rc);
	}
}

static void test_addr_format(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(7301)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(1)};
	struct sockaddr sa = {.sa_family = AF_UNIX};
	char buf[64], small[8];

	inet_pton(AF_INET, "192.168.0.10", &sin.sin_addr);
	addr_format((struct sockaddr *)&sin, buf, sizeof(buf));
	assert_string_equal(buf, "192.168.0.10:7301");

	inet_pton(AF_INET6, "fd00:1:2::abcd", &sin6.sin6_addr);
	addr_format((struct sockaddr *)&sin6, buf, sizeof(buf));
	assert_string_equal(buf, "[fd00:1:2::abcd]:1");

	addr_format(&sa, buf, sizeof(buf));
	assert_string_equal(buf, "?");

	/* truncated, still terminated */
	addr_format((struct sockaddr *)&sin, small, sizeof(small));
	assert_string_equal(small, "192.168");
}

/* Which bind addresses are refused without allow_public_bind. */
static void test_addr_is_public(void **state)
{
	static const struct {
		const char *addr;
		int public;
	} cases[] = {
		{"127.0.0.1", 0},
		{"127.255.0.9", 0},
		{"10.0.0.1", 0},
		{"10.255.255.255", 0},
		{"172.16.0.1", 0},
		{"172.31.255.1", 0},
		{"172.32.0.1", 1},
		{"172.15.255.1", 1},
		{"192.168.1.1", 0},
		{"192.169.0.1", 1},
		{"100.64.0.1", 0},
		{"100.127.255.1", 0},
		{"100.128.0.1", 1},
		{"169.254.3.4", 0},
		{"0.0.0.0", 1},
		{"8.8.8.8", 1},
		{"192.0.2.1", 1},
		{"11.0.0.1", 1},
		{"::1", 0},
		{"fe80::1", 0},
		{"fd00::1", 0},
		{"fc00::1", 0},
		{"fe00::1", 1},
		{"::", 1},
		{"2001:db8::1", 1},
		{"::ffff:10.1.2.3", 0},
		{"::ffff:8.8.8.8", 1},
	};
	struct sockaddr_storage ss;
	socklen_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(addr_parse(cases[i].addr, 1, &ss, &len), 0);
		if (addr_is_public((struct sockaddr *)&ss) != cases[i].public)
			fail_msg("addr_is_public(%s) != %d", cases[i].addr, cases[i].public);
	}
}

/* ---- UTC times ------------------------------------------------------------- */

static void test_utc_format(void **state)
{
	/* 2026-12-01T10:00:00.123456789 UTC */
	uint64_t t = 1796119200ULL * NSEC_PER_SEC + 123456789ULL;
	char out[40];

	utc_format(t, 3, 1, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T10:00:00.123Z");
	utc_format(t, 6, 0, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T10:00:00.123456");
	utc_format(t, 0, 1, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T10:00:00Z");
	utc_format(t, 9, 0, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T10:00:00.123456789");
	utc_format(t, 3, 1, out, 12); /* cut, still terminated */
	assert_string_equal(out, "2026-12-01T");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_encode_rfc4648),
		cmocka_unit_test(test_base64_decode_rfc4648),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_base64_all_symbols),
		cmocka_unit_test(test_base64_invalid),
		cmocka_unit_test(test_base64_output_too_small),
		cmocka_unit_test(test_addr_parse_ipv4),
		cmocka_unit_test(test_addr_parse_ipv6),
		cmocka_unit_test(test_addr_parse_invalid),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_addr_is_public),
		cmocka_unit_test(test_utc_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
