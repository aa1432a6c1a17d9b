/* webconfig.c: exporter-toolkit web config (TLS + bcrypt basic auth users) loading and user checks */
#include "common/webconfig.h"

#include <crypt.h>
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <yaml.h>
#include "common/fileutil.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

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

struct wc_parse {
	yaml_document_t doc;
	const char *base_dir;
	bool load_files;
	char *err;
};

static int wc_fail(struct wc_parse *p, const char *fmt, const char *arg)
{
	if (!p->err)
		p->err = xasprintf(fmt, arg);
	return -1;
}

static const char *wc_scalar(yaml_document_t *doc, yaml_node_t *n)
{
	(void)doc;
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static char *wc_resolve(struct wc_parse *p, const char *path)
{
	if (path[0] == '/' || !p->base_dir)
		return xstrdup(path);
	return xasprintf("%s/%s", p->base_dir, path);
}

static int wc_load_file(struct wc_parse *p, const char *key, const char *path, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	if (!p->load_files)
		return 0;
	if (file_read(path, &sb, 1 << 20) < 0) {
		char *msg = xasprintf("%s: cannot read '%s': %s", key, path, strerror(errno));
		strbuf_release(&sb);
		if (!p->err)
			p->err = msg;
		else
			free(msg);
		return -1;
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

static int wc_parse_version(struct wc_parse *p, const char *key, const char *v, int *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
	for (int i = 0; i < 4; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = 10 + i;
			return 0;
		}
	}
	char *msg = xasprintf("%s: unknown TLS version '%s' (TLS10, TLS11, TLS12 or TLS13)", key, v);
	if (!p->err)
		p->err = msg;
	else
		free(msg);
	return -1;
}

static int wc_parse_bool(struct wc_parse *p, const char *key, const char *v)
{
	if (v && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0))
		return 0;
	return wc_fail(p, "%s: expected true or false", key);
}

static int wc_parse_tls(struct wc_parse *p, struct webconfig *wc, yaml_node_t *map)
{
	yaml_document_t *doc = &p->doc;
	bool have_client_auth = false;

	if (map->type != YAML_MAPPING_NODE)
		return wc_fail(p, "%s: expected a mapping", "tls_server_config");
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const char *k = wc_scalar(doc, yaml_document_get_node(doc, pair->key));
		yaml_node_t *vn = yaml_document_get_node(doc, pair->value);
		const char *v = wc_scalar(doc, vn);
		if (!k)
			return wc_fail(p, "%s: keys must be strings", "tls_server_config");
		if (strcmp(k, "cipher_suites") == 0 || strcmp(k, "curve_preferences") == 0) {
			if (vn->type != YAML_SEQUENCE_NODE && !(v && !*v))
				return wc_fail(p, "tls_server_config.%s: expected a list", k);
			continue;   /* GnuTLS priorities decide; accepted for compatibility */
		}
		if (strcmp(k, "prefer_server_cipher_suites") == 0) {
			if (wc_parse_bool(p, "tls_server_config.prefer_server_cipher_suites", v) < 0)
				return -1;
			continue;
		}
		if (!v)
			return wc_fail(p, "tls_server_config.%s: expected a string", k);
		if (strcmp(k, "cert_file") == 0) {
			free(wc->cert_file);
			wc->cert_file = *v ? wc_resolve(p, v) : NULL;
		} else if (strcmp(k, "key_file") == 0) {
			free(wc->key_file);
			wc->key_file = *v ? wc_resolve(p, v) : NULL;
		} else if (strcmp(k, "client_ca_file") == 0) {
			free(wc->client_ca_file);
			wc->client_ca_file = *v ? wc_resolve(p, v) : NULL;
		} else if (strcmp(k, "client_auth_type") == 0) {
			static const struct { const char *name; enum webconfig_client_auth v; } types[] = {
				{ "NoClientCert", WEB_CLIENT_NONE },
				{ "RequestClientCert", WEB_CLIENT_REQUEST },
				{ "RequireAnyClientCert", WEB_CLIENT_REQUIRE_ANY },
				{ "VerifyClientCertIfGiven", WEB_CLIENT_VERIFY_IF_GIVEN },
				{ "RequireAndVerifyClientCert", WEB_CLIENT_REQUIRE_AND_VERIFY },
			};
			size_t i;
			for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
				if (strcmp(v, types[i].name) == 0)
					break;
			if (i == sizeof(types) / sizeof(types[0]))
				return wc_fail(p, "tls_server_config.client_auth_type: unknown value '%s'", v);
			wc->client_auth = types[i].v;
			have_client_auth = true;
		} else if (strcmp(k, "min_version") == 0) {
			if (wc_parse_version(p, "tls_server_config.min_version", v, &wc->min_version) < 0)
				return -1;
		} else if (strcmp(k, "max_version") == 0) {
			if (wc_parse_version(p, "tls_server_config.max_version", v, &wc->max_version) < 0)
				return -1;
		} else {
			return wc_fail(p, "tls_server_config: unknown key '%s'", k);
		}
	}
	if (!wc->cert_file && !wc->key_file && !have_client_auth && !wc->client_ca_file)
		return 0;   /* an empty tls_server_config means plain HTTP, as in exporter-toolkit */
	if (!wc->cert_file)
		return wc_fail(p, "%s: missing cert_file", "tls_server_config");
	if (!wc->key_file)
		return wc_fail(p, "%s: missing key_file", "tls_server_config");
	if (wc->client_ca_file && wc->client_auth == WEB_CLIENT_NONE)
		return wc_fail(p, "%s: client_ca_file is set but client_auth_type is NoClientCert", "tls_server_config");
	if (wc->client_auth != WEB_CLIENT_NONE && !wc->client_ca_file)
		return wc_fail(p, "%s: client_auth_type needs client_ca_file (libmicrohttpd requests client certificates only against a CA)",
			       "tls_server_config");
	if (wc->min_version && wc->max_version && wc->min_version > wc->max_version)
		return wc_fail(p, "%s: min_version is greater than max_version", "tls_server_config");
	wc->tls = true;
	if (wc_load_file(p, "tls_server_config.cert_file", wc->cert_file, &wc->cert_pem) < 0 ||
	    wc_load_file(p, "tls_server_config.key_file", wc->key_file, &wc->key_pem) < 0)
		return -1;
	if (wc->client_ca_file &&
	    wc_load_file(p, "tls_server_config.client_ca_file", wc->client_ca_file, &wc->client_ca_pem) < 0)
		return -1;
	return 0;
}

static int wc_parse_http(struct wc_parse *p, struct webconfig *wc, yaml_node_t *map)
{
	yaml_document_t *doc = &p->doc;
	if (map->type != YAML_MAPPING_NODE)
		return wc_fail(p, "%s: expected a mapping", "http_server_config");
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const char *k = wc_scalar(doc, yaml_document_get_node(doc, pair->key));
		yaml_node_t *vn = yaml_document_get_node(doc, pair->value);
		if (!k)
			return wc_fail(p, "%s: keys must be strings", "http_server_config");
		if (strcmp(k, "http2") == 0) {
			if (wc_parse_bool(p, "http_server_config.http2", wc_scalar(doc, vn)) < 0)
				return -1;
		} else if (strcmp(k, "headers") == 0) {
			if (vn->type != YAML_MAPPING_NODE)
				return wc_fail(p, "%s: expected a mapping", "http_server_config.headers");
			for (yaml_node_pair_t *h = vn->data.mapping.pairs.start; h < vn->data.mapping.pairs.top; h++) {
				const char *hn = wc_scalar(doc, yaml_document_get_node(doc, h->key));
				const char *hv = wc_scalar(doc, yaml_document_get_node(doc, h->value));
				if (!hn || !hv || !*hn)
					return wc_fail(p, "%s: names and values must be strings", "http_server_config.headers");
				if (strpbrk(hn, " :\r\n") || strpbrk(hv, "\r\n"))
					return wc_fail(p, "http_server_config.headers: invalid header '%s'", hn);
				wc->headers = xrealloc(wc->headers, (wc->nheaders + 1) * sizeof(*wc->headers));
				wc->headers[wc->nheaders].name = xstrdup(hn);
				wc->headers[wc->nheaders].value = xstrdup(hv);
				wc->nheaders++;
			}
		} else {
			return wc_fail(p, "http_server_config: unknown key '%s'", k);
		}
	}
	return 0;
}

static bool wc_is_bcrypt(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') &&
	       h[3] == '$' && h[6] == '$';
}

static int wc_parse_users(struct wc_parse *p, struct webconfig *wc, yaml_node_t *map)
{
	yaml_document_t *doc = &p->doc;
	if (map->type == YAML_SCALAR_NODE && !*wc_scalar(doc, map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return wc_fail(p, "%s: expected a mapping of user names to bcrypt hashes", "basic_auth_users");
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const char *u = wc_scalar(doc, yaml_document_get_node(doc, pair->key));
		const char *h = wc_scalar(doc, yaml_document_get_node(doc, pair->value));
		if (!u || !*u || strchr(u, ':'))
			return wc_fail(p, "%s: invalid user name", "basic_auth_users");
		if (!h || !wc_is_bcrypt(h))
			return wc_fail(p, "basic_auth_users.%s: not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)", u);
		for (size_t i = 0; i < wc->nusers; i++)
			if (strcmp(wc->users[i].name, u) == 0)
				return wc_fail(p, "basic_auth_users: duplicate user '%s'", u);
		wc->users = xrealloc(wc->users, (wc->nusers + 1) * sizeof(*wc->users));
		wc->users[wc->nusers].name = xstrdup(u);
		wc->users[wc->nusers].hash = xstrdup(h);
		wc->nusers++;
	}
	return 0;
}

struct webconfig *webconfig_parse(const char *text, size_t len, const char *base_dir, bool load_files, char **err)
{
	yaml_parser_t parser;
	struct wc_parse p;
	struct webconfig *wc = xcalloc(1, sizeof(*wc));
	bool have_doc = false;
	int ok = -1;

	memset(&p, 0, sizeof(p));
	p.base_dir = base_dir;
	p.load_files = load_files;
	*err = NULL;
	if (!yaml_parser_initialize(&parser)) {
		p.err = xstrdup("cannot initialise the YAML parser");
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &p.doc)) {
		p.err = xasprintf("invalid YAML at line %zu: %s", parser.problem_mark.line + 1,
				  parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		goto out;
	}
	have_doc = true;
	yaml_parser_delete(&parser);

	yaml_node_t *root = yaml_document_get_root_node(&p.doc);
	if (!root || (root->type == YAML_SCALAR_NODE && !*wc_scalar(&p.doc, root))) {
		ok = 0;   /* empty file: no TLS, no users */
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		p.err = xstrdup("top level: expected a mapping");
		goto out;
	}
	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const char *k = wc_scalar(&p.doc, yaml_document_get_node(&p.doc, pair->key));
		yaml_node_t *v = yaml_document_get_node(&p.doc, pair->value);
		int r;
		if (!k) {
			p.err = xstrdup("top level: keys must be strings");
			goto out;
		}
		if (v->type == YAML_SCALAR_NODE && !*wc_scalar(&p.doc, v))
			continue;   /* "key:" with nothing after it */
		if (strcmp(k, "tls_server_config") == 0)
			r = wc_parse_tls(&p, wc, v);
		else if (strcmp(k, "http_server_config") == 0)
			r = wc_parse_http(&p, wc, v);
		else if (strcmp(k, "basic_auth_users") == 0)
			r = wc_parse_users(&p, wc, v);
		else
			r = wc_fail(&p, "unknown key '%s' (expected tls_server_config, http_server_config, basic_auth_users)", k);
		if (r < 0)
			goto out;
	}
	ok = 0;
out:
	if (have_doc)
		yaml_document_delete(&p.doc);
	if (ok < 0) {
		*err = p.err ? p.err : xstrdup("invalid web config");
		webconfig_free(wc);
		return NULL;
	}
	free(p.err);
	wc->cache = xcalloc(1, sizeof(*wc->cache));
	pthread_mutex_init(&wc->cache->lock, NULL);
	return wc;
}

struct webconfig *webconfig_load(const char *path, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct webconfig *wc;
	char *dcopy;

	if (file_read(path, &sb, 1 << 20) < 0) {
		*err = xasprintf("cannot read web config '%s': %s", path, strerror(errno));
		strbuf_release(&sb);
		return NULL;
	}
	dcopy = xstrdup(path);
	char *inner = NULL;
	wc = webconfig_parse(strbuf_cstr(&sb), sb.len, dirname(dcopy), true, &inner);
	if (!wc) {
		*err = xasprintf("web config '%s': %s", path, inner);
		free(inner);
	}
	free(dcopy);
	strbuf_release(&sb);
	return wc;
}

static void webconfig_cache_key(const char *user, const char *password, const char *hash, unsigned char out[32])
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, user);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, password);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, hash);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, sb.buf, sb.len, out);
	/* the buffer held the password */
	gnutls_memset(sb.buf, 0, sb.len);
	strbuf_release(&sb);
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
	webconfig_cache_key(user, password, hash, key);
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
	gnutls_memset(cd, 0, sizeof(*cd));
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
