/* test_nvme_parse.c: NVMe identify/log parser: 128-bit counters, lengths, identification strings, garbage */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/smart/nvme_parse.h"

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_counters_beyond_64_bits(void **state)
{
	uint8_t image[SMART_NVME_REPLAY_LEN];
	uint8_t *lp = image + SMART_NVME_IDENTIFY_LEN;
	struct smart_reading r;
	const char *reason;
	(void)state;

	memset(image, 0, sizeof(image));
	put_le(lp + 32, 5, 8);          /* data units read: 2^64 + 5 */
	put_le(lp + 40, 1, 8);
	memset(lp + 160, 0xff, 16);     /* media errors: 2^128 - 1 */
	assert_int_equal(smart_nvme_parse_replay(image, sizeof(image), &r, &reason), 0);
	assert_int_equal(r.nvme.data_units_read.lo, 5);
	assert_int_equal(r.nvme.data_units_read.hi, 1);
	assert_true(smart_u128_to_double(r.nvme.data_units_read) >= 18446744073709551616.0);
	assert_true(smart_u128_to_double(r.nvme.media_errors) > 3.4e38);
}

static void test_wrong_lengths(void **state)
{
	uint8_t image[SMART_NVME_REPLAY_LEN + 1];
	struct smart_reading r;
	const char *reason = NULL;
	(void)state;

	memset(image, 0, sizeof(image));
	assert_int_equal(smart_nvme_parse_replay(image, SMART_NVME_REPLAY_LEN - 1, &r, &reason), -1);
	assert_string_equal(reason, "replay_length");
	assert_int_equal(smart_nvme_parse_replay(image, SMART_NVME_REPLAY_LEN + 1, &r, &reason), -1);
	assert_int_equal(smart_nvme_parse_replay(image, 0, &r, &reason), -1);
	assert_int_equal(smart_nvme_parse_replay(NULL, SMART_NVME_REPLAY_LEN, &r, &reason), -1);
	assert_int_equal(smart_nvme_parse(image, 4095, image, 512, &r, &reason), -1);
	assert_string_equal(reason, "identify_length");
	assert_int_equal(smart_nvme_parse(image, 4096, image, 511, &r, &reason), -1);
	assert_string_equal(reason, "log_length");
	assert_int_equal(smart_nvme_parse(image, 4096, NULL, 512, &r, &reason), -1);
	/* A failed parse leaves nothing behind that could be rendered. */
	assert_int_equal(r.nvme.critical_warning, 0);
	assert_string_equal(r.model, "");
}

static void test_identify_strings(void **state)
{
	uint8_t image[SMART_NVME_REPLAY_LEN];
	struct smart_reading r;
	const char *reason;
	(void)state;

	memset(image, 0, sizeof(image));
	memcpy(image + 4, "  S4EVNX0N123  \0\0\0\0\0", 20);   /* NUL padding, leading spaces */
	memcpy(image + 24, "Samsung SSD\t970 \x01" "EVO Plus 1TB              ", 40);
	memcpy(image + 64, "2B2QEXM7", 8);                     /* exactly 8 characters, no terminator */
	memcpy(image + 72, "XXXX", 4);                         /* what follows must not leak in */
	assert_int_equal(smart_nvme_parse_replay(image, sizeof(image), &r, &reason), 0);
	assert_string_equal(r.serial, "S4EVNX0N123");
	assert_string_equal(r.model, "Samsung SSD 970 EVO Plus 1TB");
	assert_string_equal(r.firmware, "2B2QEXM7");
}

static void test_garbage_never_breaks(void **state)
{
	uint8_t image[SMART_NVME_REPLAY_LEN];
	struct smart_reading r;
	const char *reason;
	uint32_t x = 12345;
	(void)state;

	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(image); i++) {
			x = x * 1103515245u + 12345u;
			image[i] = (uint8_t)(x >> 16);
		}
		assert_int_equal(smart_nvme_parse_replay(image, sizeof(image), &r, &reason), 0);
		for (const char *p = r.model; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
		for (const char *p = r.serial; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
		assert_true(strlen(r.firmware) <= 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_beyond_64_bits),
		cmocka_unit_test(test_wrong_lengths),
		cmocka_unit_test(test_identify_strings),
		cmocka_unit_test(test_garbage_never_breaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
