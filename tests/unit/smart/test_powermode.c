/* test_powermode.c: the never-wake policy as a pure function, count mapping, and pass-through sense parsing */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/smart/powermode.h"

static void test_count_to_state(void **state)
{
	(void)state;
	/* ACS-3 CHECK POWER MODE count values */
	assert_int_equal(smart_power_state_from_count(0x00), SMART_POWER_STANDBY);   /* standby_z */
	assert_int_equal(smart_power_state_from_count(0x01), SMART_POWER_STANDBY);   /* standby_y */
	assert_int_equal(smart_power_state_from_count(0x40), SMART_POWER_STANDBY);   /* NV cache, spun down */
	assert_int_equal(smart_power_state_from_count(0x41), SMART_POWER_ACTIVE);    /* NV cache, spun up */
	assert_int_equal(smart_power_state_from_count(0x80), SMART_POWER_IDLE);
	assert_int_equal(smart_power_state_from_count(0x81), SMART_POWER_IDLE);      /* idle_a */
	assert_int_equal(smart_power_state_from_count(0x82), SMART_POWER_IDLE);      /* idle_b */
	assert_int_equal(smart_power_state_from_count(0x83), SMART_POWER_IDLE);      /* idle_c */
	assert_int_equal(smart_power_state_from_count(0xFF), SMART_POWER_ACTIVE);
	for (int c = 0; c < 256; c++) {
		enum smart_power_state s = smart_power_state_from_count((uint8_t)c);
		bool known = c == 0x00 || c == 0x01 || c == 0x40 || c == 0x41 || (c >= 0x80 && c <= 0x83) || c == 0xFF;
		assert_int_equal(s == SMART_POWER_UNKNOWN, !known);
	}
	assert_string_equal(smart_power_state_name(SMART_POWER_STANDBY), "standby");
	assert_string_equal(smart_power_state_name(SMART_POWER_IDLE), "idle");
}

static void test_decision_table(void **state)
{
	static const struct {
		enum smart_wake wake;
		bool check_ok;
		enum smart_power_state st;
		enum smart_power_action want;
	} rows[] = {
		/* default: never wake */
		{ SMART_WAKE_NEVER, true, SMART_POWER_ACTIVE, SMART_POWER_READ },
		/* idle disks are awake: libatasmart's own sleep check would call them asleep */
		{ SMART_WAKE_NEVER, true, SMART_POWER_IDLE, SMART_POWER_READ },
		{ SMART_WAKE_NEVER, true, SMART_POWER_STANDBY, SMART_POWER_SKIP_STANDBY },
		/* an unknown count or a failed check is not permission to wake the disk */
		{ SMART_WAKE_NEVER, true, SMART_POWER_UNKNOWN, SMART_POWER_SKIP_UNKNOWN },
		{ SMART_WAKE_NEVER, false, SMART_POWER_ACTIVE, SMART_POWER_SKIP_UNKNOWN },
		{ SMART_WAKE_NEVER, false, SMART_POWER_UNKNOWN, SMART_POWER_SKIP_UNKNOWN },
		/* --smart.wake=always reads whatever the state */
		{ SMART_WAKE_ALWAYS, true, SMART_POWER_STANDBY, SMART_POWER_READ },
		{ SMART_WAKE_ALWAYS, true, SMART_POWER_IDLE, SMART_POWER_READ },
		{ SMART_WAKE_ALWAYS, false, SMART_POWER_UNKNOWN, SMART_POWER_READ },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(smart_power_decide(rows[i].wake, rows[i].check_ok, rows[i].st), rows[i].want);
}

/* Sense data as libata returns it for ATA PASS-THROUGH with CK_COND=1 (descriptor format,
 * ATA Status Return descriptor), with count and status chosen by the caller. */
static size_t desc_sense(uint8_t *s, uint8_t count, uint8_t status)
{
	memset(s, 0, 32);
	s[0] = 0x72;
	s[1] = 0x01;   /* RECOVERED ERROR */
	s[2] = 0x00;
	s[3] = 0x1d;   /* ATA PASS-THROUGH INFORMATION AVAILABLE */
	s[7] = 14;
	s[8] = 0x09;
	s[9] = 0x0c;
	s[8 + 5] = count;
	s[8 + 13] = status;
	return 22;
}

static void test_sense_descriptor(void **state)
{
	uint8_t s[48], count = 0x42;
	size_t n;
	(void)state;

	n = desc_sense(s, 0xFF, 0x50);
	assert_int_equal(smart_power_parse_sense(s, n, &count), 0);
	assert_int_equal(count, 0xFF);
	n = desc_sense(s, 0x00, 0x50);
	assert_int_equal(smart_power_parse_sense(s, n, &count), 0);
	assert_int_equal(count, 0x00);
	/* ERR in the ATA status: the command was aborted, no count */
	n = desc_sense(s, 0x00, 0x51);
	assert_int_equal(smart_power_parse_sense(s, n, &count), -1);
	/* truncated before the descriptor ends */
	n = desc_sense(s, 0xFF, 0x50);
	assert_int_equal(smart_power_parse_sense(s, 15, &count), -1);
	assert_int_equal(smart_power_parse_sense(s, 7, &count), -1);
	assert_int_equal(smart_power_parse_sense(NULL, 32, &count), -1);
	/* another descriptor first (information, type 00h, 10 bytes), then the ATA one */
	memset(s, 0, sizeof(s));
	s[0] = 0x72;
	s[7] = 12 + 14;
	s[8] = 0x00;
	s[9] = 0x0a;
	s[20] = 0x09;
	s[21] = 0x0c;
	s[20 + 5] = 0x80;
	s[20 + 13] = 0x50;
	assert_int_equal(smart_power_parse_sense(s, 8 + 12 + 14, &count), 0);
	assert_int_equal(count, 0x80);
	/* a descriptor length running past the buffer */
	s[9] = 0xff;
	assert_int_equal(smart_power_parse_sense(s, 8 + 12 + 14, &count), -1);
}

static void test_sense_fixed(void **state)
{
	uint8_t s[18], count = 0;
	(void)state;

	memset(s, 0, sizeof(s));
	s[0] = 0x70;
	s[2] = 0x01;
	s[7] = 10;
	s[12] = 0x00;
	s[13] = 0x1d;
	s[3] = 0x00;   /* error */
	s[4] = 0x50;   /* status */
	s[6] = 0x81;   /* count */
	assert_int_equal(smart_power_parse_sense(s, sizeof(s), &count), 0);
	assert_int_equal(count, 0x81);
	/* ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE from a bridge without SAT: no registers,
	 * even though byte 6 holds something */
	s[2] = 0x05;
	s[12] = 0x20;
	s[13] = 0x00;
	assert_int_equal(smart_power_parse_sense(s, sizeof(s), &count), -1);
	/* too short for the ASC/ASCQ bytes */
	s[12] = 0x00;
	s[13] = 0x1d;
	assert_int_equal(smart_power_parse_sense(s, 13, &count), -1);
	/* unknown response code */
	s[0] = 0x7f;
	assert_int_equal(smart_power_parse_sense(s, sizeof(s), &count), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_to_state),
		cmocka_unit_test(test_decision_table),
		cmocka_unit_test(test_sense_descriptor),
		cmocka_unit_test(test_sense_fixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
