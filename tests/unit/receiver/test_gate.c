/* test_gate.c: dedupe per (fingerprint, startsAt, playbook), cooldown, attempts within a window, give-up and escalation */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "receiver/gate.h"

#define FP_A "00c04af3484e7319"
#define FP_B "c0ffa23080d72166"
#define S1 "2026-11-22T15:48:47.272000000Z"
#define S2 "2026-11-22T16:00:00.000000000Z"
#define S3 "2026-11-22T17:00:00.000000000Z"

static struct gate_policy pol(double cooldown, long max_attempts, double window)
{
	struct gate_policy p = { .cooldown = cooldown, .window = window, .max_attempts = max_attempts, .enabled = true };
	return p;
}

static enum gate_decision decide(struct gate *g, const char *fp, const char *s, bool firing,
				 const struct gate_policy *p, double now, struct gate_result *r)
{
	gate_decide(g, "restart", fp, s, firing, p, now, r);
	return r->decision;
}

static void test_duplicates_run_once(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(0, 3, 3600);
	struct gate_result r;
	assert_int_equal(decide(g, FP_A, S1, true, &p, 1000, &r), GATE_RUN);
	assert_int_equal(r.attempt, 1);
	/* Alertmanager re-sends (or the HA peer sends) while the run is going on */
	for (int i = 0; i < 10; i++)
		assert_int_equal(decide(g, FP_A, S1, true, &p, 1001 + i, &r), GATE_DUPLICATE);
	assert_false(gate_finished(g, "restart", FP_A, true, true, &p, 1020));
	/* and after it finished, hours later: once per startsAt when there is no cooldown */
	assert_int_equal(decide(g, FP_A, S1, true, &p, 1020 + 4 * 3600, &r), GATE_DUPLICATE);
	/* a new firing episode (new startsAt) runs */
	assert_int_equal(decide(g, FP_A, S2, true, &p, 1020 + 4 * 3600, &r), GATE_RUN);
	gate_free(g);
}

static void test_fingerprints_are_independent(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(900, 3, 3600);
	struct gate_result r;
	/* two containers failing at once are two repairs */
	assert_int_equal(decide(g, FP_A, S1, true, &p, 1000, &r), GATE_RUN);
	assert_int_equal(decide(g, FP_B, S1, true, &p, 1000, &r), GATE_RUN);
	/* and another playbook for the same alert is its own key */
	gate_decide(g, "other", FP_A, S1, true, &p, 1000, &r);
	assert_int_equal(r.decision, GATE_RUN);
	assert_int_equal(gate_size(g), 3);
	gate_free(g);
}

static void test_cooldown(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(900, 10, 3600);
	struct gate_result r;
	assert_int_equal(decide(g, FP_A, S1, true, &p, 1000, &r), GATE_RUN);
	gate_finished(g, "restart", FP_A, true, true, &p, 1010);
	/* same startsAt within the cooldown: a duplicate */
	assert_int_equal(decide(g, FP_A, S1, true, &p, 1500, &r), GATE_DUPLICATE);
	/* a new episode within the cooldown: suppressed */
	assert_int_equal(decide(g, FP_A, S2, true, &p, 1600, &r), GATE_COOLDOWN);
	assert_true(r.cooldown_left > 299 && r.cooldown_left < 301);
	/* cooldown passed and the alert still fires (same startsAt): runs again */
	assert_int_equal(decide(g, FP_A, S1, true, &p, 1901, &r), GATE_RUN);
	assert_int_equal(r.attempt, 2);
	gate_finished(g, "restart", FP_A, true, true, &p, 1910);
	assert_int_equal(decide(g, FP_A, S2, true, &p, 2802, &r), GATE_RUN);
	assert_int_equal(r.attempt, 3);
	gate_free(g);
}

static void test_attempts_then_give_up_and_escalate(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(60, 3, 3600);
	struct gate_result r;
	double t = 10000;
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(decide(g, FP_A, S1, true, &p, t, &r), GATE_RUN);
		assert_int_equal(r.attempt, i);
		bool esc = gate_finished(g, "restart", FP_A, true, false, &p, t + 5);
		/* the third failure within the window is the give-up: escalate once, right then */
		assert_int_equal(esc, i == 3);
		t += 100;
	}
	/* still firing: gave up, already escalated */
	assert_int_equal(decide(g, FP_A, S1, true, &p, t, &r), GATE_GAVE_UP);
	assert_false(r.escalate);
	assert_int_equal(decide(g, FP_A, S2, true, &p, t + 100, &r), GATE_GAVE_UP);
	assert_false(r.escalate);
	/* another fingerprint is unaffected */
	assert_int_equal(decide(g, FP_B, S1, true, &p, t, &r), GATE_RUN);
	/* once the first attempt leaves the window, a new attempt is allowed */
	assert_int_equal(decide(g, FP_A, S2, true, &p, 10000 + 3600 + 1, &r), GATE_RUN);
	assert_int_equal(r.attempt, 3);
	gate_free(g);
}

static void test_last_attempt_succeeded_then_gives_up_on_next(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(0, 2, 3600);
	struct gate_result r;
	assert_int_equal(decide(g, FP_A, S1, true, &p, 100, &r), GATE_RUN);
	assert_false(gate_finished(g, "restart", FP_A, true, true, &p, 101));
	assert_int_equal(decide(g, FP_A, S2, true, &p, 200, &r), GATE_RUN);
	assert_false(gate_finished(g, "restart", FP_A, true, true, &p, 201));
	/* it keeps coming back: the third episode within the hour is given up, escalated once */
	assert_int_equal(decide(g, FP_A, S3, true, &p, 300, &r), GATE_GAVE_UP);
	assert_true(r.escalate);
	assert_int_equal(decide(g, FP_A, S3, true, &p, 400, &r), GATE_GAVE_UP);
	assert_false(r.escalate);
	gate_free(g);
}

static void test_unlimited_attempts(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(0, 0, 3600);
	struct gate_result r;
	char s[40];
	for (int i = 0; i < 50; i++) {
		snprintf(s, sizeof(s), "2026-01-01T00:00:%02d.000000000Z", i);
		assert_int_equal(decide(g, FP_A, s, true, &p, 100 + i, &r), GATE_RUN);
		assert_false(gate_finished(g, "restart", FP_A, true, false, &p, 100 + i));
	}
	gate_free(g);
}

static void test_paused_disabled(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(0, 3, 3600);
	struct gate_result r;
	p.paused = true;
	assert_int_equal(decide(g, FP_A, S1, true, &p, 1, &r), GATE_PAUSED);
	p.paused = false;
	p.enabled = false;
	assert_int_equal(decide(g, FP_A, S1, true, &p, 2, &r), GATE_DISABLED);
	p.enabled = true;
	/* nothing was recorded while paused: the alert runs once resumed */
	assert_int_equal(decide(g, FP_A, S1, true, &p, 3, &r), GATE_RUN);
	gate_free(g);
}

static void test_resolved(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(3600, 1, 3600);
	struct gate_result r;
	assert_int_equal(decide(g, FP_A, S1, true, &p, 100, &r), GATE_RUN);
	gate_finished(g, "restart", FP_A, true, true, &p, 110);
	/* resolved runs once per startsAt, regardless of cooldown and attempts */
	assert_int_equal(decide(g, FP_A, S1, false, &p, 120, &r), GATE_RUN);
	assert_int_equal(decide(g, FP_A, S1, false, &p, 121, &r), GATE_DUPLICATE);
	gate_finished(g, "restart", FP_A, false, true, &p, 125);
	assert_int_equal(decide(g, FP_A, S1, false, &p, 130, &r), GATE_DUPLICATE);
	assert_int_equal(decide(g, FP_A, S2, false, &p, 130, &r), GATE_RUN);
	gate_free(g);
}

static const struct gate_policy *policy_of(void *arg, const char *playbook)
{
	(void)playbook;
	return arg;
}

static void test_replay_rebuilds_the_same_decisions(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(900, 2, 3600);
	struct gate_result r;
	/* as stored: two failed firing runs of A (the second escalated), a queued run of B, a resolved of A */
	gate_replay(g, "restart", FP_A, S1, true, false, false, false, 1000);
	gate_replay(g, "restart", FP_A, S2, true, false, false, false, 2000);
	gate_replay(g, "restart", FP_A, S2, true, false, true, false, 2010);
	gate_replay(g, "restart", FP_B, S1, true, false, false, true, 2500);
	gate_replay(g, "restart", FP_A, S2, false, false, false, false, 2600);
	assert_int_equal(decide(g, FP_A, S2, true, &p, 2700, &r), GATE_DUPLICATE);
	assert_int_equal(decide(g, FP_A, S3, true, &p, 3000, &r), GATE_GAVE_UP);
	assert_false(r.escalate);
	assert_int_equal(decide(g, FP_B, S1, true, &p, 3000, &r), GATE_DUPLICATE); /* still queued */
	assert_int_equal(decide(g, FP_A, S2, false, &p, 3000, &r), GATE_DUPLICATE);

	struct gate_entry *e = NULL;
	size_t n = gate_list(g, 3000, policy_of, &p, &e, 100);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].fingerprint, FP_A) == 0) {
			assert_true(e[i].gave_up);
			assert_int_equal(e[i].attempts, 2);
			assert_true(e[i].cooldown_until == 2900 || e[i].cooldown_until == 0);
		} else {
			assert_int_equal(e[i].active, 1);
		}
	}
	free(e);
	/* prune keeps active keys */
	assert_int_equal(gate_prune(g, 1e9), 1);
	assert_int_equal(gate_size(g), 1);
	gate_free(g);
}

static void test_many_keys(void **state)
{
	(void)state;
	struct gate *g = gate_new();
	struct gate_policy p = pol(0, 3, 3600);
	struct gate_result r;
	char fp[17];
	for (int i = 0; i < 20000; i++) {
		snprintf(fp, sizeof(fp), "%016x", i);
		assert_int_equal(decide(g, fp, S1, true, &p, 5, &r), GATE_RUN);
	}
	for (int i = 0; i < 20000; i += 997) {
		snprintf(fp, sizeof(fp), "%016x", i);
		assert_int_equal(decide(g, fp, S1, true, &p, 6, &r), GATE_DUPLICATE);
	}
	assert_int_equal(gate_size(g), 20000);
	gate_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicates_run_once),
		cmocka_unit_test(test_fingerprints_are_independent),
		cmocka_unit_test(test_cooldown),
		cmocka_unit_test(test_attempts_then_give_up_and_escalate),
		cmocka_unit_test(test_last_attempt_succeeded_then_gives_up_on_next),
		cmocka_unit_test(test_unlimited_attempts),
		cmocka_unit_test(test_paused_disabled),
		cmocka_unit_test(test_resolved),
		cmocka_unit_test(test_replay_rebuilds_the_same_decisions),
		cmocka_unit_test(test_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
