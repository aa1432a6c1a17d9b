/* webconfig.c: exporter-toolkit web config (TLS + bcrypt basic auth users): validation of the common/yamlconf tree, user checks */
#include "common/secret.h"
#include "common/webconfig.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include "common/fileutil.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "common/yamlconf.h"

#define AUTHCACHE_SLOTS 64

/* Successful checks only, keyed by SHA-256(user NUL password NUL hash); round-robin replacement. */
struct authcache {
	pthread_mutex_t lock;
	unsigned char keys[AUTHCACHE_SLOTS][32];
	bool used[AUTHCACHE_SLOTS];
	size_t next;
};

bool ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = (unsigned char)(alen != blen);
	size_t n = alen > blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		unsigned char cx = i < alen ? x[i] : 0;
		unsigned char cy = i < blen ? y[i] : 0;
		diff |= (unsigned char)(cx ^ cy);
	}
	return diff == 0;
}

void webconfig_free(struct webconfig *wc)
{
	if (!wc)
		return;
	free(wc->cert_file);
	free(wc->key_file);
	free(wc->client_ca_file);
	free(wc->cert_pem);
	free(wc->key_pem);
	free(wc->client_ca_pem);
	for (size_t i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->users);
	for (size_t i = 0; i < wc->nheaders; i++) {
		free(wc->headers[i].name);
		free(wc->headers[i].value);
	}
	free(wc->headers);
	if (wc->cache) {
		pthread_mutex_destroy(&wc->cache->lock);
		free(wc->cache);
	}
	free(wc);
}

/* Reads the file named by key of map into *out when y->load_files (certificates and keys). */
static int wc_load_file(struct yamlconf *y, const struct yamlconf_node *map, const char *key, const char *path,
			char **out)
{
	struct strbuf sb = STRBUF_INIT;
	if (!y->load_files)
		return 0;
	if (file_read(path, &sb, 1 << 20) < 0) {
		int e = errno;
		strbuf_release(&sb);
		return yamlconf_fail_key(y, map, key, "cannot read \"%s\": %s", path,
					 e == EFBIG ? "larger than 1024 KiB" : strerror(e));
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

/* A file name (empty = unset), resolved against the config's directory. */
static int wc_file_key(struct yamlconf *y, const struct yamlconf_node *map, const char *key, char **dest)
{
	char *s = NULL;
	if (yamlconf_string(y, map, key, &s))
		return -1;
	if (s && *s) {
		free(*dest);
		*dest = yamlconf_resolve(y, s);
	}
	free(s);
	return 0;
}

static int wc_parse_version(struct yamlconf *y, const struct yamlconf_node *map, const char *key, int *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
	const struct yamlconf_node *n = yamlconf_get(map, key);
	const char *v = NULL;
	if (!n)
		return 0;
	if (yamlconf_as_string(y, n, &v))
		return -1;
	for (int i = 0; i < 4; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = 10 + i;
			return 0;
		}
	}
	return yamlconf_fail(y, n, "unknown TLS version \"%s\" (TLS10, TLS11, TLS12 or TLS13)", v);
}

static int wc_parse_client_auth(struct yamlconf *y, const struct yamlconf_node *map, struct webconfig *wc, bool *have)
{
	static const struct { const char *name; enum webconfig_client_auth v; } types[] = {
		{ "NoClientCert", WEB_CLIENT_NONE },
		{ "RequestClientCert", WEB_CLIENT_REQUEST },
		{ "RequireAnyClientCert", WEB_CLIENT_REQUIRE_ANY },
		{ "VerifyClientCertIfGiven", WEB_CLIENT_VERIFY_IF_GIVEN },
		{ "RequireAndVerifyClientCert", WEB_CLIENT_REQUIRE_AND_VERIFY },
	};
	const struct yamlconf_node *n = yamlconf_get(map, "client_auth_type");
	const char *v = NULL;
	if (!n)
		return 0;
	if (yamlconf_as_string(y, n, &v))
		return -1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(v, types[i].name) == 0) {
			wc->client_auth = types[i].v;
			*have = true;
			return 0;
		}
	}
	return yamlconf_fail(y, n, "unknown value \"%s\" (NoClientCert, RequestClientCert, RequireAnyClientCert, "
			     "VerifyClientCertIfGiven, RequireAndVerifyClientCert)", v);
}

static int wc_parse_tls(struct yamlconf *y, struct webconfig *wc, const struct yamlconf_node *map)
{
	static const char *const keys[] = { "cert_file", "key_file", "client_auth_type", "client_ca_file",
					    "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites",
					    "curve_preferences", NULL };
	struct strlist ignored = STRLIST_INIT;
	bool have_client_auth = false, prefer = false;
	int r;

	/* cipher_suites and curve_preferences are accepted for compatibility: GnuTLS priorities decide */
	r = yamlconf_check_map(y, map, keys) || yamlconf_strlist(y, map, "cipher_suites", false, &ignored) ||
	    yamlconf_strlist(y, map, "curve_preferences", false, &ignored) ||
	    yamlconf_bool(y, map, "prefer_server_cipher_suites", &prefer) ||
	    wc_file_key(y, map, "cert_file", &wc->cert_file) || wc_file_key(y, map, "key_file", &wc->key_file) ||
	    wc_file_key(y, map, "client_ca_file", &wc->client_ca_file) ||
	    wc_parse_client_auth(y, map, wc, &have_client_auth) ||
	    wc_parse_version(y, map, "min_version", &wc->min_version) ||
	    wc_parse_version(y, map, "max_version", &wc->max_version);
	strlist_clear(&ignored);
	if (r)
		return -1;
	if (!wc->cert_file && !wc->key_file && !have_client_auth && !wc->client_ca_file)
		return 0;   /* an empty tls_server_config means plain HTTP, as in exporter-toolkit */
	if (!wc->cert_file)
		return yamlconf_fail_key(y, map, "cert_file", "required with TLS");
	if (!wc->key_file)
		return yamlconf_fail_key(y, map, "key_file", "required with TLS");
	if (wc->client_ca_file && wc->client_auth == WEB_CLIENT_NONE)
		return yamlconf_fail_key(y, map, "client_ca_file", "set but client_auth_type is NoClientCert");
	if (wc->client_auth != WEB_CLIENT_NONE && !wc->client_ca_file)
		return yamlconf_fail_key(y, map, "client_auth_type",
					 "needs client_ca_file (libmicrohttpd requests client certificates only against a CA)");
	if (wc->min_version && wc->max_version && wc->min_version > wc->max_version)
		return yamlconf_fail_key(y, map, "min_version", "greater than max_version");
	wc->tls = true;
	if (wc_load_file(y, map, "cert_file", wc->cert_file, &wc->cert_pem) < 0 ||
	    wc_load_file(y, map, "key_file", wc->key_file, &wc->key_pem) < 0)
		return -1;
	if (wc->client_ca_file && wc_load_file(y, map, "client_ca_file", wc->client_ca_file, &wc->client_ca_pem) < 0)
		return -1;
	return 0;
}

static int wc_parse_http(struct yamlconf *y, struct webconfig *wc, const struct yamlconf_node *map)
{
	static const char *const keys[] = { "http2", "headers", NULL };
	const struct yamlconf_node *headers;
	bool http2 = true;

	if (yamlconf_check_map(y, map, keys) || yamlconf_bool(y, map, "http2", &http2))
		return -1;
	headers = yamlconf_get(map, "headers");
	if (yamlconf_check_map(y, headers, NULL))
		return -1;
	for (size_t i = 0; headers && i < headers->n; i++) {
		const struct yamlconf_node *h = headers->items[i];
		const char *hv = NULL;
		if (yamlconf_as_string(y, h, &hv))
			return -1;
		if (!*h->key || strpbrk(h->key, " :\r\n") || strpbrk(hv, "\r\n"))
			return yamlconf_fail(y, h, "invalid header");
		wc->headers = xrealloc(wc->headers, (wc->nheaders + 1) * sizeof(*wc->headers));
		wc->headers[wc->nheaders].name = xstrdup(h->key);
		wc->headers[wc->nheaders].value = xstrdup(hv);
		wc->nheaders++;
	}
	return 0;
}

static bool wc_is_bcrypt(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') &&
	       h[3] == '$' && h[6] == '$';
}

static int wc_parse_users(struct yamlconf *y, struct webconfig *wc, const struct yamlconf_node *map)
{
	if (map->kind != YAMLCONF_MAP)
		return yamlconf_fail(y, map, "expected a mapping of user names to bcrypt hashes");
	/* duplicate user names are refused by the loader, as duplicate keys */
	for (size_t i = 0; i < map->n; i++) {
		const struct yamlconf_node *h = map->items[i];
		if (!*h->key || strchr(h->key, ':'))
			return yamlconf_fail(y, h, "invalid user name");
		if (h->kind != YAMLCONF_SCALAR || !wc_is_bcrypt(h->value))
			return yamlconf_fail(y, h, "not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)");
		wc->users = xrealloc(wc->users, (wc->nusers + 1) * sizeof(*wc->users));
		wc->users[wc->nusers].name = xstrdup(h->key);
		wc->users[wc->nusers].hash = xstrdup(h->value);
		wc->nusers++;
	}
	return 0;
}

/* Fills a new webconfig from the document y; NULL with *err (caller frees) on an error. */
static struct webconfig *wc_build(struct yamlconf *y, char **err)
{
	static const char *const keys[] = { "tls_server_config", "http_server_config", "basic_auth_users", NULL };
	struct webconfig *wc = xcalloc(1, sizeof(*wc));
	const struct yamlconf_node *n;

	if (yamlconf_check_map(y, y->root, keys) ||
	    ((n = yamlconf_get(y->root, "tls_server_config")) && wc_parse_tls(y, wc, n)) ||
	    ((n = yamlconf_get(y->root, "http_server_config")) && wc_parse_http(y, wc, n)) ||
	    ((n = yamlconf_get(y->root, "basic_auth_users")) && wc_parse_users(y, wc, n))) {
		*err = yamlconf_take_error(y);
		if (!*err)
			*err = xstrdup("invalid web config");
		webconfig_free(wc);
		return NULL;
	}
	wc->cache = xcalloc(1, sizeof(*wc->cache));
	pthread_mutex_init(&wc->cache->lock, NULL);
	return wc;
}

struct webconfig *webconfig_parse(const char *text, size_t len, const char *base_dir, bool load_files, char **err)
{
	struct yamlconf *y = yamlconf_parse(text, len, NULL, base_dir, err);
	struct webconfig *wc = NULL;

	if (y) {
		y->load_files = load_files;
		wc = wc_build(y, err);
	}
	yamlconf_free(y);
	return wc;
}

struct webconfig *webconfig_load(const char *path, char **err)
{
	struct yamlconf *y = yamlconf_load(path, err);
	struct webconfig *wc = y ? wc_build(y, err) : NULL;

	yamlconf_free(y);
	return wc;
}

void webconfig_credential_key(const char *user, const char *password, const char *hash, unsigned char out[32])
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, user);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, password);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, hash);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, sb.buf, sb.len, out);
	/* the buffer held the password */
	secret_strbuf_release(&sb);
}

bool webconfig_check_user(struct webconfig *wc, const char *user, const char *password)
{
	/* A fixed hash for unknown users, so that their check costs the same bcrypt as a known one. */
	static const char dummy[] = "$2b$10$uGUgGI/rIfJKA5eiSPipbezAiQETHUwLPv.LuPjaAOsFG5z5jPe1e";
	const char *hash = dummy;
	bool known = false;
	unsigned char key[32];
	bool ok = false;

	if (!wc || !user || !password || wc->nusers == 0)
		return false;
	for (size_t i = 0; i < wc->nusers; i++) {
		if (strcmp(wc->users[i].name, user) == 0) {
			hash = wc->users[i].hash;
			known = true;
		}
	}
	webconfig_credential_key(user, password, hash, key);
	if (known) {
		pthread_mutex_lock(&wc->cache->lock);
		for (size_t i = 0; i < AUTHCACHE_SLOTS; i++)
			if (wc->cache->used[i] && ct_equal(wc->cache->keys[i], 32, key, 32))
				ok = true;
		pthread_mutex_unlock(&wc->cache->lock);
		if (ok)
			return true;
	}

	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *out = crypt_r(password, hash, cd);
	ok = out && out[0] != '*' && ct_equal(out, strlen(out), hash, strlen(hash)) && known;
	secret_wipe(cd, sizeof(*cd));
	free(cd);

	if (ok) {
		pthread_mutex_lock(&wc->cache->lock);
		memcpy(wc->cache->keys[wc->cache->next], key, 32);
		wc->cache->used[wc->cache->next] = true;
		wc->cache->next = (wc->cache->next + 1) % AUTHCACHE_SLOTS;
		pthread_mutex_unlock(&wc->cache->lock);
	}
	return ok;
}
