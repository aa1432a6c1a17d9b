/* webconfig.h: --web.config.file in exporter-toolkit's format: TLS settings and bcrypt basic auth users */
#ifndef HOMEOPS_WEBCONFIG_H
#define HOMEOPS_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Accepted keys (unknown keys are an error naming the key, as exporter-toolkit's strict YAML):
 *   tls_server_config: cert_file, key_file, client_auth_type (NoClientCert | RequestClientCert |
 *     RequireAnyClientCert | VerifyClientCertIfGiven | RequireAndVerifyClientCert),
 *     client_ca_file, min_version, max_version (TLS10..TLS13), cipher_suites (accepted, ignored:
 *     GnuTLS priorities apply), prefer_server_cipher_suites, curve_preferences (ignored)
 *   http_server_config: http2 (ignored), headers (map added to every response)
 *   basic_auth_users: map of user name to bcrypt hash ($2a$, $2b$, $2y$)
 * Relative file paths are resolved against the config file's directory, as exporter-toolkit does.
 */
enum webconfig_client_auth {
	WEB_CLIENT_NONE,
	WEB_CLIENT_REQUEST,
	WEB_CLIENT_REQUIRE_ANY,
	WEB_CLIENT_VERIFY_IF_GIVEN,
	WEB_CLIENT_REQUIRE_AND_VERIFY,
};

struct webconfig_user {
	char *name;
	char *hash;
};

struct webconfig_header {
	char *name;
	char *value;
};

struct webconfig {
	bool tls;
	char *cert_file;
	char *key_file;
	char *client_ca_file;
	char *cert_pem;           /* contents, loaded at parse time */
	char *key_pem;
	char *client_ca_pem;
	enum webconfig_client_auth client_auth;
	int min_version;          /* 10..13, 0 = default (TLS 1.2) */
	int max_version;          /* 0 = default (TLS 1.3) */
	struct webconfig_user *users;
	size_t nusers;
	struct webconfig_header *headers;
	size_t nheaders;
	struct authcache *cache;  /* successful checks, see webconfig_check_user() */
};

/*
 * Loads and validates path; on error returns NULL and stores a message naming the key or file
 * in *err (caller frees). Checks that certificate and key files are readable and that every
 * hash is a bcrypt hash.
 */
struct webconfig *webconfig_load(const char *path, char **err);
/* Parses YAML text (for tests and fuzzing); base_dir resolves relative paths; files are not read when load_files is false. */
struct webconfig *webconfig_parse(const char *text, size_t len, const char *base_dir, bool load_files, char **err);
void webconfig_free(struct webconfig *wc);

/*
 * Checks a user/password pair against the bcrypt users in constant time with respect to the
 * password. A successful check is cached (keyed by a SHA-256 of user, password and hash) so
 * that repeated scrapes do not each pay for a bcrypt; failures are never cached.
 * Returns true when the pair is valid. Thread-safe.
 */
bool webconfig_check_user(struct webconfig *wc, const char *user, const char *password);
/* The key credentials are cached under: SHA-256 of user, password and the user's hash, NUL-separated
 * (the password itself is never kept). Shared by this cache and common/http_guard's. */
void webconfig_credential_key(const char *user, const char *password, const char *hash, unsigned char out[32]);

/* Constant-time comparison of two byte strings (time depends only on the lengths). */
bool ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
