/* test_session.c: the v6 login state machine: one login reused, re-login only on 401, refusals backed off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/pihole/parse.h"
#include "exporters/pihole/session.h"

static struct ph_auth auth(const char *json)
{
	struct ph_auth a;
	assert_int_equal(ph_v6_auth_parse(json, strlen(json), &a, NULL), PH_PARSE_OK);
	return a;
}

#define OK_JSON "{\"session\":{\"valid\":true,\"totp\":false,\"sid\":\"abc\",\"csrf\":\"c\",\"validity\":1800," \
		"\"message\":\"password correct\"},\"took\":0.1}"
#define WRONG_JSON "{\"session\":{\"valid\":false,\"totp\":false,\"sid\":null,\"validity\":-1," \
		   "\"message\":\"password incorrect\"},\"took\":0.1}"
#define SEATS_JSON "{\"error\":{\"key\":\"api_seats_exceeded\",\"message\":\"API seats exceeded\"," \
		   "\"hint\":\"increase webserver.api.max_sessions\"},\"took\":0.1}"
#define NOPW_JSON "{\"session\":{\"valid\":true,\"totp\":false,\"sid\":null,\"validity\":-1," \
		  "\"message\":\"no password set\"},\"took\":0.1}"

static void test_login_once_then_reuse(void **state)
{
	(void)state;
	struct ph_session s;
	struct ph_auth a = auth(OK_JSON);

	ph_session_init(&s);
	assert_int_equal(ph_session_next(&s, 0), PH_SESSION_LOGIN);
	assert_int_equal(ph_session_login_done(&s, 200, &a, 0), PH_LOGIN_OK);
	assert_string_equal(s.sid, "abc");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ph_session_next(&s, i * 15.0), PH_SESSION_USE);
	assert_int_equal(s.attempts, 1);
	assert_false(ph_session_failing(&s));
	/* expiry: a 401 drops the sid, the next step is exactly one login */
	ph_session_expired(&s);
	assert_null(s.sid);
	assert_int_equal(ph_session_next(&s, 20000), PH_SESSION_LOGIN);
	assert_int_equal(ph_session_login_done(&s, 200, &a, 20000), PH_LOGIN_OK);
	assert_int_equal(ph_session_next(&s, 20001), PH_SESSION_USE);
	char *sid = ph_session_take_sid(&s);
	assert_string_equal(sid, "abc");
	free(sid);
	assert_null(s.sid);
	ph_auth_release(&a);
	ph_session_release(&s);
}

static void test_wrong_password_backs_off(void **state)
{
	(void)state;
	struct ph_session s;
	struct ph_auth a = auth(WRONG_JSON);
	int logins = 0;

	ph_session_init(&s);
	/* one attempt per 15 s collection over a day: 60, 120, 240 ... 3600 s apart */
	for (double now = 0; now < 86400; now += 15) {
		if (ph_session_next(&s, now) == PH_SESSION_LOGIN) {
			assert_int_equal(ph_session_login_done(&s, 401, &a, now), PH_LOGIN_WRONG_PASSWORD);
			logins++;
		}
	}
	assert_true(logins <= 30);
	assert_true(ph_session_failing(&s));
	assert_int_equal(s.backoff, 3600);
	assert_null(s.sid);
	ph_auth_release(&a);
	ph_session_release(&s);
}

static void test_seats_and_recovery(void **state)
{
	(void)state;
	struct ph_session s;
	struct ph_auth seats = auth(SEATS_JSON), ok = auth(OK_JSON);

	ph_session_init(&s);
	assert_int_equal(ph_session_login_done(&s, 429, &seats, 0), PH_LOGIN_SEATS_EXCEEDED);
	assert_int_equal(ph_session_next(&s, 30), PH_SESSION_WAIT);
	assert_int_equal(ph_session_next(&s, 60), PH_SESSION_LOGIN);
	assert_int_equal(ph_session_login_done(&s, 429, &seats, 60), PH_LOGIN_SEATS_EXCEEDED);
	assert_int_equal(ph_session_next(&s, 150), PH_SESSION_WAIT); /* 120 s now */
	assert_int_equal(ph_session_login_done(&s, 200, &ok, 180), PH_LOGIN_OK);
	assert_false(ph_session_failing(&s));
	assert_int_equal(s.backoff, 0);
	ph_auth_release(&seats);
	ph_auth_release(&ok);
	ph_session_release(&s);
}

static void test_no_password_and_errors(void **state)
{
	(void)state;
	struct ph_session s;
	struct ph_auth nopw = auth(NOPW_JSON);
	struct ph_auth rl = auth("{\"error\":{\"key\":\"rate_limiting\",\"message\":\"m\",\"hint\":null}}");
	struct ph_auth totp = auth("{\"session\":{\"valid\":false,\"totp\":true,\"sid\":null,\"validity\":-1}}");

	ph_session_init(&s);
	assert_int_equal(ph_session_login_done(&s, 200, &nopw, 0), PH_LOGIN_OK);
	assert_true(s.no_auth);
	assert_null(s.sid);
	assert_int_equal(ph_session_next(&s, 1), PH_SESSION_USE);
	ph_session_release(&s);

	/* no answer / not Pi-hole: an error, no backoff (no seat was taken) */
	assert_int_equal(ph_session_login_done(&s, 0, NULL, 0), PH_LOGIN_ERROR);
	assert_int_equal(ph_session_next(&s, 0), PH_SESSION_LOGIN);
	assert_true(ph_session_failing(&s));
	assert_int_equal(ph_session_login_done(&s, 503, &nopw, 0), PH_LOGIN_ERROR);
	assert_int_equal(ph_session_login_done(&s, 429, &rl, 0), PH_LOGIN_RATE_LIMITED);
	assert_int_equal(ph_session_next(&s, 1), PH_SESSION_WAIT);
	ph_session_release(&s);
	assert_int_equal(ph_session_login_done(&s, 401, &totp, 0), PH_LOGIN_TOTP_REQUIRED);
	assert_string_equal(ph_login_result_name(PH_LOGIN_TOTP_REQUIRED), "totp_required");
	assert_string_equal(ph_login_result_name(PH_LOGIN_SEATS_EXCEEDED), "seats_exceeded");
	ph_session_release(&s);
	ph_auth_release(&nopw);
	ph_auth_release(&rl);
	ph_auth_release(&totp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_once_then_reuse),
		cmocka_unit_test(test_wrong_password_backs_off),
		cmocka_unit_test(test_seats_and_recovery),
		cmocka_unit_test(test_no_password_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
