/* test_alert_view.c: identifying labels, annotations and safe runbook links from stored alert JSON */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "receiver/alert_view.h"
#include "tests/lib/testlib.h"

static const char cifs_alert[] =
	"{\"status\":\"firing\",\"labels\":{\"severity\":\"critical\",\"share\":\"//storage/media\",\"job\":\"cifs\","
	"\"alertname\":\"CifsMountUnresponsive\",\"mountpoint\":\"/mnt/media\",\"instance\":\"nas:9763\","
	"\"zone\":\"attic\"},\"annotations\":{\"summary\":\"/mnt/media does not answer\",\"description\":\"d\","
	"\"runbook_url\":\"https://example.org/r.md\",\"count\":3},\"startsAt\":\"2026-11-22T15:48:47.272Z\"}";

static void test_ident_order_and_exclusions(void **state)
{
	(void)state;
	struct alert_view v;
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(alert_view_parse(cifs_alert, &v), 0);
	assert_string_equal(v.alertname, "CifsMountUnresponsive");
	assert_string_equal(v.summary, "/mnt/media does not answer");
	assert_string_equal(v.description, "d");
	assert_string_equal(v.runbook_url, "https://example.org/r.md");
	/* a non-string annotation is left out, the rest kept sorted */
	assert_int_equal(v.annotations.n, 3);
	alert_view_ident_text(&v, 200, &sb);
	/* instance, then mountpoint (preferred), then the rest by name; never alertname, severity, job */
	assert_string_equal(strbuf_cstr(&sb), "instance=nas:9763, mountpoint=/mnt/media, share=//storage/media, zone=attic");
	strbuf_release(&sb);
	alert_view_release(&v);
}

static void test_ident_cut_to_width_never_splitting_utf8(void **state)
{
	(void)state;
	struct alert_view v;
	struct strbuf sb = STRBUF_INIT;
	/* "é" is two bytes: a cut inside it must step back */
	assert_int_equal(alert_view_parse("{\"labels\":{\"alertname\":\"A\",\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}}", &v), 0);
	alert_view_ident_text(&v, 8, &sb);
	assert_string_equal(strbuf_cstr(&sb), "name=\xc3\xa9\xe2\x80\xa6");
	strbuf_reset(&sb);
	alert_view_ident_text(&v, 100, &sb);
	assert_string_equal(strbuf_cstr(&sb), "name=\xc3\xa9\xc3\xa9\xc3\xa9");
	strbuf_release(&sb);
	alert_view_release(&v);
	/* only excluded labels: nothing identifies it */
	assert_int_equal(alert_view_parse("{\"labels\":{\"alertname\":\"A\",\"severity\":\"x\",\"job\":\"j\"}}", &v), 0);
	alert_view_ident_text(&v, 100, &sb);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
	alert_view_release(&v);
}

static void test_links(void **state)
{
	(void)state;
	assert_true(alert_view_link_ok("https://example.org/runbooks/X.md"));
	assert_true(alert_view_link_ok("HTTP://nas:3000/d/x?var=1#a"));
	assert_false(alert_view_link_ok("javascript:alert(1)"));
	assert_false(alert_view_link_ok("JavaScript:alert(1)"));
	assert_false(alert_view_link_ok(" https://example.org"));
	assert_false(alert_view_link_ok("https://exa mple.org"));
	assert_false(alert_view_link_ok("https://example.org/\nx"));
	assert_false(alert_view_link_ok("data:text/html,<script>"));
	assert_false(alert_view_link_ok("/relative/runbook"));
	assert_false(alert_view_link_ok("//example.org/x"));
	assert_false(alert_view_link_ok("https://"));
	assert_false(alert_view_link_ok("https:///x"));
	assert_false(alert_view_link_ok(""));
	assert_false(alert_view_link_ok(NULL));
}

static void test_garbage(void **state)
{
	(void)state;
	struct alert_view v;
	const char *bad[] = { NULL, "", "[]", "{", "{\"labels\":[]}", "{\"labels\":{\"a\":1}}", "null",
			      "{\"labels\":{\"a\":\"b\",\"a\":\"c\"}}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(alert_view_parse(bad[i], &v), -1);
		assert_string_equal(v.alertname, "");
		assert_int_equal(v.labels.n, 0);
		assert_null(v.summary);
		alert_view_release(&v);
	}
	/* no annotations at all is fine */
	assert_int_equal(alert_view_parse("{\"labels\":{\"alertname\":\"A\"}}", &v), 0);
	assert_null(v.runbook_url);
	alert_view_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ident_order_and_exclusions),
		cmocka_unit_test(test_ident_cut_to_width_never_splitting_utf8),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
