/* test_route.c: Alertmanager matcher syntax (quoting, escapes, several per string), regex anchoring, route order */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "common/clock.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/route.h"

/* Builds a label set from "name", "value", ..., NULL (sorted, as the parser leaves it). */
static struct wh_set labels(const char *first, ...)
{
	struct wh_set s = { 0 };
	va_list ap;
	va_start(ap, first);
	for (const char *n = first; n; n = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		s.items = xrealloc(s.items, (s.n + 1) * sizeof(*s.items));
		s.items[s.n].name = xstrdup(n);
		s.items[s.n].value = xstrdup(v);
		s.n++;
	}
	va_end(ap);
	for (size_t i = 1; i < s.n; i++)
		for (size_t j = i; j > 0 && strcmp(s.items[j - 1].name, s.items[j].name) > 0; j--) {
			struct wh_pair t = s.items[j];
			s.items[j] = s.items[j - 1];
			s.items[j - 1] = t;
		}
	return s;
}

static void labels_free(struct wh_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->items[i].name);
		free(s->items[i].value);
	}
	free(s->items);
}

static struct matcher_list parse_ok(const char *s)
{
	struct matcher_list l = { 0 };
	char *err = NULL;
	if (matchers_parse(s, &l, &err) != 0)
		fail_msg("parse '%s' failed: %s", s, err);
	return l;
}

static void parse_bad(const char *s, const char *needle)
{
	struct matcher_list l = { 0 };
	char *err = NULL;
	if (matchers_parse(s, &l, &err) == 0)
		fail_msg("'%s' was accepted", s);
	assert_int_equal(l.n, 0);
	if (needle && !strstr(err, needle))
		fail_msg("error for '%s' is \"%s\", lacks \"%s\"", s, err, needle);
	free(err);
}

static bool match1(const char *matcher, const char *name, const char *value)
{
	struct matcher_list l = parse_ok(matcher);
	struct wh_set s = value ? labels(name, value, NULL) : labels("other", "x", NULL);
	bool r = matchers_match(&l, &s);
	labels_free(&s);
	matcher_list_release(&l);
	return r;
}

static void test_operators(void **state)
{
	(void)state;
	assert_true(match1("severity=\"critical\"", "severity", "critical"));
	assert_false(match1("severity=\"critical\"", "severity", "Critical"));
	assert_true(match1("severity!=\"critical\"", "severity", "warning"));
	assert_false(match1("severity!=\"critical\"", "severity", "critical"));
	assert_true(match1("severity=~\"warning|critical\"", "severity", "critical"));
	assert_true(match1("severity=~\"warning|critical\"", "severity", "warning"));
	assert_false(match1("severity=~\"warning|critical\"", "severity", "info"));
	assert_true(match1("severity!~\"warning|critical\"", "severity", "info"));
	assert_false(match1("severity!~\"warning|critical\"", "severity", "critical"));
}

static void test_absent_label_is_empty(void **state)
{
	(void)state;
	assert_true(match1("severity=\"\"", "severity", NULL));
	assert_false(match1("severity=\"x\"", "severity", NULL));
	assert_true(match1("severity!=\"x\"", "severity", NULL));
	assert_true(match1("severity=~\".*\"", "severity", NULL));
	assert_false(match1("severity=~\".+\"", "severity", NULL));
	assert_true(match1("severity!~\".+\"", "severity", NULL));
}

static void test_regex_anchoring(void **state)
{
	(void)state;
	/* Alertmanager anchors as ^(?:v)$: no substring matches, alternation stays inside the group */
	assert_false(match1("severity=~\"warn\"", "severity", "warning"));
	assert_false(match1("severity=~\"arn\"", "severity", "warn"));
	assert_true(match1("severity=~\"warn.*\"", "severity", "warning"));
	assert_false(match1("severity=~\"warning|critical\"", "severity", "xcritical"));
	assert_false(match1("severity=~\"warning|critical\"", "severity", "warningx"));
	assert_true(match1("severity!~\"warn\"", "severity", "warning"));
	/* $ does not match before a trailing newline (Go semantics) */
	assert_false(match1("severity=~\"warning\"", "severity", "warning\n"));
	/* . does not match a newline */
	assert_false(match1("x=~\"a.b\"", "x", "a\nb"));
	assert_true(match1("x=~\"(?s)a.b\"", "x", "a\nb"));
	assert_true(match1("severity=~\"(?i)CRIT.*\"", "severity", "critical"));
	assert_true(match1("instance=~\"[a-z]+\\\\.example\\\\.org:\\\\d+\"", "instance", "nas.example.org:9100"));
	/* regex is over UTF-8 characters */
	assert_true(match1("x=~\"caf.\"", "x", "caf\xc3\xa9"));
}

static void test_quoting_and_escapes(void **state)
{
	(void)state;
	struct matcher_list l;

	l = parse_ok("a=\"x\\\"y\"");
	assert_string_equal(l.items[0].value, "x\"y");
	matcher_list_release(&l);
	l = parse_ok("a=\"x\\\\y\"");
	assert_string_equal(l.items[0].value, "x\\y");
	matcher_list_release(&l);
	l = parse_ok("a=\"x\\ny\"");
	assert_string_equal(l.items[0].value, "x\ny");
	matcher_list_release(&l);
	/* a spurious escape keeps its backslash (Alertmanager) */
	l = parse_ok("a=\"x\\ty\"");
	assert_string_equal(l.items[0].value, "x\\ty");
	matcher_list_release(&l);
	/* unquoted: runs to the end, surrounding space trimmed */
	l = parse_ok("  alertname  =   Disk Full  ");
	assert_string_equal(l.items[0].name, "alertname");
	assert_string_equal(l.items[0].value, "Disk Full");
	assert_int_equal(l.items[0].op, MATCH_EQ);
	matcher_list_release(&l);
	/* empty quoted value */
	l = parse_ok("a=\"\"");
	assert_string_equal(l.items[0].value, "");
	matcher_list_release(&l);
	/* commas inside quotes do not split; braces; several matchers in one string */
	l = parse_ok("{alertname=\"A,B\", severity=~\"warning|critical\" ,job!=\"x\",env!~\"dev.*\"}");
	assert_int_equal(l.n, 4);
	assert_string_equal(l.items[0].value, "A,B");
	assert_int_equal(l.items[1].op, MATCH_RE);
	assert_int_equal(l.items[2].op, MATCH_NE);
	assert_int_equal(l.items[3].op, MATCH_NRE);
	matcher_list_release(&l);
	/* a trailing comma is fine, as in Alertmanager */
	l = parse_ok("a=\"b\",");
	assert_int_equal(l.n, 1);
	matcher_list_release(&l);
	/* label names with colons; quoted UTF-8 names */
	l = parse_ok("__name__:x=\"v\"");
	assert_string_equal(l.items[0].name, "__name__:x");
	matcher_list_release(&l);
	l = parse_ok("\"caf\xc3\xa9 name\"=\"v\"");
	assert_string_equal(l.items[0].name, "caf\xc3\xa9 name");
	matcher_list_release(&l);
	/* appends to an existing list */
	l = parse_ok("a=\"1\"");
	char *err = NULL;
	assert_int_equal(matchers_parse("b=\"2\"", &l, &err), 0);
	assert_int_equal(l.n, 2);
	matcher_list_release(&l);
}

static void test_bad_matchers(void **state)
{
	(void)state;
	parse_bad("", "no matcher");
	parse_bad("   ", "no matcher");
	parse_bad("{}", "no matcher");
	parse_bad("alertname", "expected one of");
	parse_bad("1abc=\"x\"", "label name");
	parse_bad("=\"x\"", "label name");
	parse_bad("a==\"x\"", "double quote");
	parse_bad("a=\"x", "closing double quote");
	parse_bad("a=\"x\"y\"", "unescaped double quote");
	parse_bad("a=x\"", "unescaped double quote");
	parse_bad("a=\"b\",,c=\"d\"", "empty matcher");
	parse_bad("a=~\"(\"", "invalid regex");
	parse_bad("a=~\"x{2,1}\"", "invalid regex");
	parse_bad("a<>\"x\"", "expected one of");
	parse_bad("{a=\"b\"", "unbalanced");
	parse_bad("a=\"\xff\"", "UTF-8");
	parse_bad("\"\"=\"x\"", "label name");
	/* a bad matcher later in the string leaves nothing behind */
	struct matcher_list l = parse_ok("z=\"1\"");
	char *err = NULL;
	assert_int_equal(matchers_parse("a=\"1\",b=~\"(\"", &l, &err), -1);
	assert_int_equal(l.n, 1);
	free(err);
	matcher_list_release(&l);
}

static void test_backtracking_bomb_is_bounded(void **state)
{
	(void)state;
	char value[64];
	memset(value, 'a', 40);
	strcpy(value + 40, "!");
	double t0 = clock_mono();
	/* both fail to match (either really or by the match limit), quickly, and neither claims a negative match */
	assert_false(match1("x=~\"(a+)+b\"", "x", value));
	(void)match1("x!~\"(a|aa)+\"", "x", value);
	assert_true(clock_mono() - t0 < 2.0);
}

static void test_format_roundtrip(void **state)
{
	(void)state;
	const char *in = "a=\"q\\\"uo\\\\te\\nnl\", \"na me\"!~\"x|y\"";
	struct matcher_list l = parse_ok(in), l2 = { 0 };
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		matcher_format(&l.items[i], &sb);
	}
	assert_string_equal(sb.buf, "a=\"q\\\"uo\\\\te\\nnl\",\"na me\"!~\"x|y\"");
	char *err = NULL;
	assert_int_equal(matchers_parse(sb.buf, &l2, &err), 0);
	assert_int_equal(l2.n, 2);
	assert_string_equal(l2.items[0].value, "q\"uo\\te\nnl");
	assert_string_equal(l2.items[1].name, "na me");
	strbuf_release(&sb);
	matcher_list_release(&l);
	matcher_list_release(&l2);
}

static struct route mkroute(const char *matchers, const char *playbook, bool cont, const char *receiver)
{
	struct route r;
	memset(&r, 0, sizeof(r));
	if (matchers)
		r.matchers = parse_ok(matchers);
	r.playbook = xstrdup(playbook);
	r.cont = cont;
	r.on = ROUTE_ON_FIRING;
	r.receiver = receiver ? xstrdup(receiver) : NULL;
	return r;
}

static void test_route_select(void **state)
{
	(void)state;
	struct route routes[5];
	routes[0] = mkroute("alertname=\"DockerContainerUnhealthy\"", "restart", false, NULL);
	routes[1] = mkroute("alertname=~\"Disk.*\"", "smart", true, NULL);
	routes[2] = mkroute("severity=\"critical\"", "page", false, NULL);
	routes[3] = mkroute("alertname=\"Only\"", "only", false, "other-receiver");
	routes[4] = mkroute(NULL, "catchall", false, NULL);
	size_t out[8], n;

	struct wh_set s = labels("alertname", "DockerContainerUnhealthy", "severity", "critical", NULL);
	n = route_select(routes, 5, "homeops", &s, out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0); /* first match wins */
	labels_free(&s);

	s = labels("alertname", "DiskFailing", "severity", "critical", NULL);
	n = route_select(routes, 5, "homeops", &s, out, 8);
	assert_int_equal(n, 2); /* continue: true goes on, stops at the next match */
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	labels_free(&s);

	s = labels("alertname", "Only", NULL);
	n = route_select(routes, 5, "homeops", &s, out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 4); /* receiver-restricted route skipped */
	n = route_select(routes, 5, "other-receiver", &s, out, 8);
	assert_int_equal(out[0], 3);
	labels_free(&s);

	unsigned on;
	assert_int_equal(route_on_parse("both", &on), 0);
	assert_int_equal(on, ROUTE_ON_FIRING | ROUTE_ON_RESOLVED);
	assert_int_equal(route_on_parse("never", &on), -1);
	for (int i = 0; i < 5; i++)
		route_release(&routes[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_absent_label_is_empty),
		cmocka_unit_test(test_regex_anchoring),
		cmocka_unit_test(test_quoting_and_escapes),
		cmocka_unit_test(test_bad_matchers),
		cmocka_unit_test(test_backtracking_bomb_is_bounded),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_route_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
