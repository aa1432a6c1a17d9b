/* test_yamlconf.c: the YAML configuration loader: tree, key paths, typed getters and every error message */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/xalloc.h"
#include "common/yamlconf.h"

/* A pihole-like contract: enough shape to exercise every getter. */
static const char *const target_keys[] = { "name", "url", "password_file", "ca_file", "insecure_skip_verify",
					   "timeout", "retries", "weight", "max_body", "tags", NULL };
static const char *const top_keys[] = { "targets", "defaults", NULL };

struct target {
	char *name, *url, *password_file, *password, *ca_file;
	bool insecure;
	double timeout, weight;
	long retries;
	uint64_t max_body;
	struct strlist tags;
};

static void target_release(struct target *t)
{
	free(t->name);
	free(t->url);
	free(t->password_file);
	yamlconf_secret_free(t->password);
	free(t->ca_file);
	strlist_clear(&t->tags);
	memset(t, 0, sizeof(*t));
}

/* Walks the document as a real user would; returns 0 or -1 with y->err set. */
static int walk(struct yamlconf *y, struct target *out, size_t max)
{
	const struct yamlconf_node *targets;
	if (yamlconf_check_map(y, y->root, top_keys))
		return -1;
	if (!(targets = yamlconf_require(y, y->root, "targets")) || yamlconf_check_seq(y, targets))
		return -1;
	for (size_t i = 0; i < targets->n && i < max; i++) {
		const struct yamlconf_node *m = targets->items[i];
		struct target *t = &out[i];
		t->timeout = 5;
		if (yamlconf_check_map(y, m, target_keys) || !yamlconf_require(y, m, "name") ||
		    yamlconf_string(y, m, "name", &t->name) || yamlconf_string(y, m, "url", &t->url) ||
		    yamlconf_secret(y, m, "password_file", &t->password_file, &t->password) ||
		    yamlconf_file_path(y, m, "ca_file", &t->ca_file) ||
		    yamlconf_bool(y, m, "insecure_skip_verify", &t->insecure) ||
		    yamlconf_duration(y, m, "timeout", false, &t->timeout) ||
		    yamlconf_long(y, m, "retries", 0, 10, &t->retries) ||
		    yamlconf_double(y, m, "weight", 0, 1, &t->weight) ||
		    yamlconf_size(y, m, "max_body", 1024, 16u << 20, &t->max_body) ||
		    yamlconf_strlist(y, m, "tags", true, &t->tags))
			return -1;
	}
	return 0;
}

/* Parses and walks text; returns the error (caller frees) or NULL when it was accepted. */
static char *error_of(const char *text, const char *name)
{
	struct target t[4];
	char *err = NULL;
	struct yamlconf *y = yamlconf_parse(text, strlen(text), name, "/etc/homeops", &err);
	memset(t, 0, sizeof(t));
	if (y) {
		walk(y, t, 4);
		err = yamlconf_take_error(y);
	}
	for (size_t i = 0; i < 4; i++)
		target_release(&t[i]);
	yamlconf_free(y);
	return err;
}

static void expect_error(const char *text, const char *want)
{
	char *err = error_of(text, NULL);
	if (!err)
		fail_msg("accepted:\n%s", text);
	if (strcmp(err, want) != 0)
		fail_msg("error\n  \"%s\"\nwanted\n  \"%s\"", err, want);
	free(err);
}

#define T0 "targets:\n  - name: a\n"

static void test_values_and_defaults(void **state)
{
	(void)state;
	const char *text = "targets:\n"
			   "  - name: pi1\n"
			   "    url: https://pi1.lan\n"
			   "    password_file: pw\n"
			   "    ca_file: /etc/ssl/ca.pem\n"
			   "    insecure_skip_verify: yes\n"
			   "    timeout: 1m30s\n"
			   "    retries: 3\n"
			   "    weight: 0.25\n"
			   "    max_body: 4KiB\n"
			   "    tags: [dns, 'two words']\n"
			   "  - {name: pi2, ca_file: certs/ca.pem, tags: solo, timeout: , retries: ~}\n";
	struct target t[4];
	char *err = NULL;
	struct yamlconf *y = yamlconf_parse(text, strlen(text), NULL, "/etc/homeops", &err);
	memset(t, 0, sizeof(t));
	assert_non_null(y);
	assert_false(y->load_files);
	if (walk(y, t, 4))
		fail_msg("%s", y->err);
	assert_string_equal(t[0].name, "pi1");
	assert_string_equal(t[0].url, "https://pi1.lan");
	assert_string_equal(t[0].password_file, "/etc/homeops/pw");
	assert_string_equal(t[0].password, "unloaded-secret");
	assert_string_equal(t[0].ca_file, "/etc/ssl/ca.pem");
	assert_true(t[0].insecure);
	assert_true(t[0].timeout == 90);
	assert_int_equal(t[0].retries, 3);
	assert_true(t[0].weight == 0.25);
	assert_int_equal(t[0].max_body, 4096);
	assert_int_equal(t[0].tags.n, 2);
	assert_string_equal(t[0].tags.items[1], "two words");
	/* null values ("timeout: ", "~") leave the defaults */
	assert_string_equal(t[1].ca_file, "/etc/homeops/certs/ca.pem");
	assert_int_equal(t[1].tags.n, 1);
	assert_true(t[1].timeout == 5);
	assert_int_equal(t[1].retries, 0);
	assert_null(t[1].password);
	/* the tree */
	const struct yamlconf_node *n = yamlconf_get(yamlconf_get(y->root, "targets")->items[1], "ca_file");
	assert_int_equal(n->line, 12);
	struct strbuf sb = STRBUF_INIT;
	yamlconf_path(n, &sb);
	assert_string_equal(sb.buf, "targets[1].ca_file");
	strbuf_release(&sb);
	assert_null(yamlconf_get(y->root, "defaults"));
	assert_null(y->err);
	for (size_t i = 0; i < 4; i++)
		target_release(&t[i]);
	yamlconf_free(y);
}

static void test_empty_texts(void **state)
{
	(void)state;
	static const char *const empties[] = { "", "# nothing\n", "---\n", "~\n", "null\n", "\n\n" };
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		char *err = NULL;
		struct yamlconf *y = yamlconf_parse(empties[i], strlen(empties[i]), NULL, NULL, &err);
		assert_non_null(y);
		assert_true(yamlconf_is_null(y->root));
		assert_int_equal(yamlconf_check_map(y, y->root, top_keys), 0); /* null = an empty mapping */
		assert_null(yamlconf_require(y, y->root, "targets"));
		assert_string_equal(y->err, "targets: required");
		yamlconf_free(y);
	}
	/* a quoted "null" is a string */
	char *err = NULL;
	struct yamlconf *y = yamlconf_parse("a: 'null'\n", 10, NULL, NULL, &err);
	assert_non_null(yamlconf_get(y->root, "a"));
	yamlconf_free(y);
}

static void test_type_errors(void **state)
{
	(void)state;
	expect_error("targets:\n  - name: a\n  - name: b\n    password_file: [x]\n",
		     "line 4: targets[1].password_file: expected a string, got a list");
	expect_error("targets:\n  - name: {x: 1}\n", "line 2: targets[0].name: expected a string, got a mapping");
	expect_error("targets: {name: a}\n", "line 1: targets: expected a list");
	expect_error("targets:\n  - a\n", "line 2: targets[0]: expected a mapping");
	expect_error("- a\n", "line 1: expected a mapping");
	expect_error(T0 "    insecure_skip_verify: maybe\n",
		     "line 3: targets[0].insecure_skip_verify: expected true or false, got \"maybe\"");
	expect_error(T0 "    insecure_skip_verify: [true]\n", "line 3: targets[0].insecure_skip_verify: expected true or false");
	expect_error(T0 "    retries: 11\n", "line 3: targets[0].retries: expected an integer from 0 to 10, got \"11\"");
	expect_error(T0 "    retries: 3x\n", "line 3: targets[0].retries: expected an integer from 0 to 10, got \"3x\"");
	expect_error(T0 "    retries: 99999999999999999999999\n",
		     "line 3: targets[0].retries: expected an integer from 0 to 10, got \"99999999999999999999999\"");
	expect_error(T0 "    weight: nan\n", "line 3: targets[0].weight: expected a number from 0 to 1, got \"nan\"");
	expect_error(T0 "    max_body: 1B\n",
		     "line 3: targets[0].max_body: expected a size from 1KiB to 16MiB (e.g. 4KiB, 1MiB), got \"1B\"");
	expect_error(T0 "    tags: [a, [b]]\n", "line 3: targets[0].tags[1]: expected a string");
	expect_error(T0 "    tags: {a: b}\n", "line 3: targets[0].tags: expected a list of strings");
}

static void test_durations(void **state)
{
	(void)state;
	expect_error(T0 "    timeout: 2x\n", "line 3: targets[0].timeout: invalid duration \"2x\" (e.g. 30s, 5m, 1h)");
	expect_error(T0 "    timeout: 0s\n", "line 3: targets[0].timeout: must be greater than zero");
	expect_error(T0 "    timeout: -5s\n", "line 3: targets[0].timeout: invalid duration \"-5s\" (e.g. 30s, 5m, 1h)");
	expect_error(T0 "    timeout: {a: 1}\n", "line 3: targets[0].timeout: invalid duration \"\" (e.g. 30s, 5m, 1h)");
}

static void test_key_errors(void **state)
{
	(void)state;
	expect_error("targets:\n  - name: a\n    pasword_file: x\n",
		     "line 3: targets[0].pasword_file: unknown key (allowed: name, url, password_file, ca_file, "
		     "insecure_skip_verify, timeout, retries, weight, max_body, tags)");
	expect_error("target: []\n", "line 1: target: unknown key (allowed: targets, defaults)");
	expect_error("targets:\n  - url: x\n", "line 2: targets[0].name: required");
	expect_error("targets:\n  - name:\n", "line 2: targets[0].name: required");
	expect_error("defaults: {}\n", "line 1: targets: required");
	expect_error("targets:\n  - name: a\n    url: x\n    url: y\n",
		     "line 4: targets[0].url: duplicate key (first on line 3)");
	expect_error("targets:\n  - name: a\n    \"odd key\": 1\n",
		     "line 3: targets[0][\"odd key\"]: unknown key (allowed: name, url, password_file, ca_file, "
		     "insecure_skip_verify, timeout, retries, weight, max_body, tags)");
	expect_error("targets:\n  - name: a\n    [x]: 1\n", "line 3: targets[0]: mapping keys must be strings");
	expect_error("targets:\n  - name: a\n    {x: 1}: 1\n", "line 3: targets[0]: mapping keys must be strings");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("targets: [\n", "line 2: YAML error: did not find expected node content while parsing a flow node (column 1)");
	expect_error("targets:\n  - name: a\n   url: b\n",
		     "line 3: YAML error: did not find expected '-' indicator while parsing a block collection (column 4)");
	expect_error("a: 1\n---\nb: 2\n", "line 2: only one YAML document is allowed");
	expect_error("x: &a {y: 1}\nz: *a\n", "line 2: YAML aliases are not supported");
	expect_error("a: \"tab\\0here\"\n", "line 1: NUL byte in a scalar");
	/* garbage bytes: invalid UTF-8 and a control character */
	expect_error("targets:\n  - name: \xff\xfe\n", "line 2: YAML error: invalid leading UTF-8 octet (column 11)");
	expect_error("\x01\x02\x03", "line 1: YAML error: control characters are not allowed (column 1)");
	/* a file name replaces "line N" */
	char *err = error_of("targets:\n  - name: [x]\n", "/etc/homeops/pihole.yml");
	assert_string_equal(err, "/etc/homeops/pihole.yml:2: targets[0].name: expected a string, got a list");
	free(err);
	err = error_of("targets: [\n", "p.yml");
	assert_non_null(strstr(err, "p.yml:2: YAML error: "));
	free(err);
}

static void test_limits(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	char *err = NULL;
	for (int i = 0; i < YAMLCONF_MAX_DEPTH + 1; i++)
		strbuf_addch(&sb, '[');
	assert_null(yamlconf_parse(sb.buf, sb.len, NULL, NULL, &err));
	assert_string_equal(err, "line 1: [0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
				 "[0][0][0][0]: nested deeper than 32 levels");
	free(err);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "[");
	for (int i = 0; i < YAMLCONF_MAX_NODES + 1; i++)
		strbuf_addstr(&sb, "1,");
	strbuf_addstr(&sb, "]");
	assert_null(yamlconf_parse(sb.buf, sb.len, NULL, NULL, &err));
	assert_string_equal(err, "line 1: more than 100000 YAML nodes");
	free(err);
	strbuf_reset(&sb);
	strbuf_grow(&sb, YAMLCONF_MAX_BYTES + 1);
	memset(sb.buf, '#', YAMLCONF_MAX_BYTES + 1);
	strbuf_setlen(&sb, YAMLCONF_MAX_BYTES + 1);
	assert_null(yamlconf_parse(sb.buf, sb.len, "big.yml", NULL, &err));
	assert_string_equal(err, "big.yml: larger than 1024 KiB");
	free(err);
	strbuf_release(&sb);
}

static void test_first_error_wins(void **state)
{
	(void)state;
	char *err = NULL;
	struct yamlconf *y = yamlconf_parse("a: x\nb: y\n", 10, NULL, NULL, &err);
	bool v = false;
	assert_int_equal(yamlconf_bool(y, y->root, "a", &v), -1);
	assert_int_equal(yamlconf_bool(y, y->root, "b", &v), -1);
	assert_int_equal(yamlconf_fail(y, NULL, "later %d", 1), -1);
	assert_int_equal(yamlconf_fail_key(y, y->root, "c", "later"), -1);
	assert_string_equal(y->err, "line 1: a: expected true or false, got \"x\"");
	err = yamlconf_take_error(y);
	assert_null(y->err);
	assert_int_equal(yamlconf_fail_key(y, y->root, "b", "is %s", "wrong"), -1);
	assert_string_equal(y->err, "line 2: b: is wrong");
	free(err);
	yamlconf_free(y);
	yamlconf_free(NULL);
}

static char tmpdir[64];

static const char *write_file(const char *name, const char *content, mode_t mode)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static char *load_error(const char *path)
{
	struct target t[4];
	char *err = NULL;
	struct yamlconf *y = yamlconf_load(path, &err);
	memset(t, 0, sizeof(t));
	if (y) {
		assert_true(y->load_files);
		walk(y, t, 4);
		err = yamlconf_take_error(y);
	}
	for (size_t i = 0; i < 4; i++)
		target_release(&t[i]);
	yamlconf_free(y);
	return err;
}

static void test_files_and_secrets(void **state)
{
	(void)state;
	char path[256], *err;
	struct target t[4];
	strcpy(tmpdir, "/tmp/test_yamlconf.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/c.yml", tmpdir);
	write_file("pw", "hunter2\n", 0600);
	write_file("empty", "", 0600);
	FILE *f = fopen(write_file("nul", "", 0600), "w");
	assert_non_null(f);
	fwrite("a\0b", 1, 3, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/c.yml", tmpdir);

	write_file("c.yml", "targets:\n  - {name: a, password_file: pw}\n", 0644);
	struct yamlconf *y = yamlconf_load(path, &err);
	assert_non_null(y);
	memset(t, 0, sizeof(t));
	if (walk(y, t, 4))
		fail_msg("%s", y->err);
	assert_string_equal(t[0].password, "hunter2");
	char *want = xasprintf("%s/pw", tmpdir);
	assert_string_equal(t[0].password_file, want);
	free(want);
	target_release(&t[0]);
	yamlconf_free(y);

	write_file("c.yml", "targets:\n  - {name: a, password_file: nothere}\n", 0644);
	err = load_error(path);
	want = xasprintf("%s:2: targets[0].password_file: cannot read \"%s/nothere\": No such file or directory", path,
			 tmpdir);
	assert_string_equal(err, want);
	free(want);
	free(err);

	write_file("c.yml", "targets:\n  - {name: a, password_file: empty}\n", 0644);
	err = load_error(path);
	want = xasprintf("%s:2: targets[0].password_file: \"%s/empty\" is empty or holds a NUL byte", path, tmpdir);
	assert_string_equal(err, want);
	free(want);
	free(err);

	write_file("c.yml", "targets:\n  - {name: a, password_file: nul}\n", 0644);
	err = load_error(path);
	assert_non_null(strstr(err, "is empty or holds a NUL byte"));
	free(err);

	/* unreadable: a directory cannot be read as a file, even by root */
	write_file("c.yml", "targets:\n  - {name: a, password_file: dir}\n", 0644);
	err = load_error(path);
	want = xasprintf("%s:2: targets[0].password_file: cannot read \"%s/dir\": Is a directory", path, tmpdir);
	assert_string_equal(err, want);
	free(want);
	free(err);

	write_file("c.yml", "targets:\n  - {name: a, password_file: ''}\n", 0644);
	err = load_error(path);
	want = xasprintf("%s:2: targets[0].password_file: expected a file name", path);
	assert_string_equal(err, want);
	free(want);
	free(err);

	/* the configuration file itself */
	snprintf(path, sizeof(path), "%s/none.yml", tmpdir);
	assert_null(yamlconf_load(path, &err));
	want = xasprintf("cannot read \"%s\": No such file or directory", path);
	assert_string_equal(err, want);
	free(want);
	free(err);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void test_bools(void **state)
{
	(void)state;
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "on", "'true'" };
	static const char *const no[] = { "false", "False", "no", "NO", "off" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]) + sizeof(no) / sizeof(no[0]); i++) {
		bool is_yes = i < sizeof(yes) / sizeof(yes[0]);
		char *text = xasprintf("v: %s\n", is_yes ? yes[i] : no[i - sizeof(yes) / sizeof(yes[0])]);
		char *err = NULL;
		struct yamlconf *y = yamlconf_parse(text, strlen(text), NULL, NULL, &err);
		bool v = !is_yes;
		assert_int_equal(yamlconf_bool(y, y->root, "v", &v), 0);
		assert_int_equal(v, is_yes);
		yamlconf_free(y);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_defaults),
		cmocka_unit_test(test_empty_texts),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_files_and_secrets),
		cmocka_unit_test(test_bools),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
