/* session.c: Pi-hole v6 login state machine (reuse the sid, re-login only on 401, back off refusals) */
#include "exporters/pihole/session.h"

#include <string.h>
#include "common/secret.h"
#include "common/xalloc.h"

#define PH_BACKOFF_FIRST 60.0
#define PH_BACKOFF_MAX 3600.0

const char *ph_login_result_name(enum ph_login_result r)
{
	switch (r) {
	case PH_LOGIN_OK: return "ok";
	case PH_LOGIN_WRONG_PASSWORD: return "wrong_password";
	case PH_LOGIN_TOTP_REQUIRED: return "totp_required";
	case PH_LOGIN_SEATS_EXCEEDED: return "seats_exceeded";
	case PH_LOGIN_RATE_LIMITED: return "rate_limited";
	default: return "error";
	}
}

void ph_session_init(struct ph_session *s)
{
	memset(s, 0, sizeof(*s));
}

void ph_session_release(struct ph_session *s)
{
	secret_free(s->sid);
	ph_session_init(s);
}

enum ph_session_action ph_session_next(const struct ph_session *s, double now)
{
	if (s->sid || s->no_auth)
		return PH_SESSION_USE;
	if (s->backoff > 0 && now < s->backoff_until)
		return PH_SESSION_WAIT;
	return PH_SESSION_LOGIN;
}

static void ph_session_back_off(struct ph_session *s, double now)
{
	s->backoff = s->backoff > 0 ? s->backoff * 2 : PH_BACKOFF_FIRST;
	if (s->backoff > PH_BACKOFF_MAX)
		s->backoff = PH_BACKOFF_MAX;
	s->backoff_until = now + s->backoff;
}

static enum ph_login_result ph_session_classify(long status, const struct ph_auth *auth)
{
	if (!auth)
		return PH_LOGIN_ERROR;
	if (status == 429 || (auth->error_key && strcmp(auth->error_key, "api_seats_exceeded") == 0) ||
	    (auth->error_key && strcmp(auth->error_key, "rate_limiting") == 0)) {
		if (auth->error_key && strcmp(auth->error_key, "api_seats_exceeded") == 0)
			return PH_LOGIN_SEATS_EXCEEDED;
		return PH_LOGIN_RATE_LIMITED;
	}
	if (status >= 200 && status < 300 && auth->has_session && auth->valid)
		return PH_LOGIN_OK;
	if (status == 401 || status == 400 || (auth->has_session && !auth->valid)) {
		if (auth->has_session && auth->totp)
			return PH_LOGIN_TOTP_REQUIRED;
		return PH_LOGIN_WRONG_PASSWORD;
	}
	return PH_LOGIN_ERROR;
}

enum ph_login_result ph_session_login_done(struct ph_session *s, long status, const struct ph_auth *auth,
					   double now)
{
	enum ph_login_result r = ph_session_classify(status, auth);

	s->attempts++;
	s->last = r;
	secret_free(s->sid);
	s->sid = NULL;
	switch (r) {
	case PH_LOGIN_OK:
		s->backoff = 0;
		s->backoff_until = 0;
		if (auth->sid && *auth->sid)
			s->sid = xstrdup(auth->sid);
		else
			s->no_auth = true; /* "no password set": nothing to log in to */
		break;
	case PH_LOGIN_ERROR:
		break;
	default:
		ph_session_back_off(s, now);
		break;
	}
	return r;
}

void ph_session_expired(struct ph_session *s)
{
	secret_free(s->sid);
	s->sid = NULL;
	/* a Pi-hole that had no password may have got one */
	s->no_auth = false;
}

bool ph_session_failing(const struct ph_session *s)
{
	return s->attempts > 0 && s->last != PH_LOGIN_OK;
}

char *ph_session_take_sid(struct ph_session *s)
{
	char *sid = s->sid;
	s->sid = NULL;
	return sid;
}
