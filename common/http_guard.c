/* http_guard.c: admission control and deadlines for common/http: request deadlines and half-closed requests (sweeper), requests in service, Host check, throttled password checks, security headers */
#include "common/http_guard.h"

#include <arpa/inet.h>
#include <limits.h>
#include <linux/sockios.h>
#include <math.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/secret.h"
#include "common/strbuf.h"
#include "common/webconfig.h"
#include "common/xalloc.h"

#define GUARD_POSITIVE_SLOTS 64
#define GUARD_NEGATIVE_SLOTS 256
#define GUARD_NEGATIVE_TTL 300.0
#define GUARD_ADDR_SLOTS 256
#define GUARD_ADDR_FORGET 600.0
#define GUARD_BACKOFF_FIRST 0.5
#define GUARD_SWEEP_SLACK 0.05
#define GUARD_TRIM_BODY (256u * 1024)
#define GUARD_TRIM_PERIOD 2.0

enum guard_conn_state { CONN_WAITING, CONN_RECEIVED, CONN_CUT };

struct http_guard_conn {
	struct http_guard_conn *prev, *next;
	int fd;
	double since;                 /* when the connection became ready for its current request */
	double resumed;               /* when the server last let go of it (http_guard_conn_hold false) */
	double peer_closed;           /* when the peer was seen to shut its side; 0 = not seen */
	bool held;                    /* the server holds it (a password check): not waiting on the client */
	enum guard_conn_state state;
};

struct guard_addr {
	char addr[INET6_ADDRSTRLEN];
	unsigned fails;
	double last;
	double blocked_until;
};

struct http_guard {
	struct http_guard_options o;
	struct strlist allowed;

	pthread_mutex_t lock;         /* connections, counters */
	struct http_guard_conn *conns;
	size_t nconns, cut_total;
	unsigned serving;

	pthread_t sweeper;
	bool sweeper_started, stop;
	struct http_guard *next_started;   /* the started guards, whose sweepers run held-back trims */
	int ep;                       /* epoll: every connection's peer shutdown (EPOLLRDHUP), and wake_fd */
	int wake_fd;                  /* eventfd: wakes the sweeper to recompute when it sleeps */
	double sweep_at;              /* when the sleeping sweeper wakes (lock); HUGE_VAL: only when told */
	size_t half_closed_total;

	pthread_mutex_t auth_lock;    /* caches and address table */
	bool bcrypt_busy;             /* one bcrypt at a time (auth_lock) */
	pthread_t auth_thread;        /* runs the one pending bcrypt off the HTTP threads */
	bool auth_started, auth_stop, auth_running;
	pthread_cond_t auth_wake, auth_idle;
	struct http_guard_auth_job *job;   /* the pending one (auth_lock) */
	unsigned char positive[GUARD_POSITIVE_SLOTS][32];
	bool positive_used[GUARD_POSITIVE_SLOTS];
	size_t positive_next;
	unsigned char negative[GUARD_NEGATIVE_SLOTS][32];
	double negative_at[GUARD_NEGATIVE_SLOTS];
	size_t negative_next;
	struct guard_addr addrs[GUARD_ADDR_SLOTS];
	unsigned long bcrypts;
};

struct http_guard *http_guard_new(const struct http_guard_options *o)
{
	struct http_guard *g = xcalloc(1, sizeof(*g));
	g->o = *o;
	for (size_t i = 0; o->allowed_hosts && i < o->allowed_hosts->n; i++)
		strlist_push(&g->allowed, o->allowed_hosts->items[i]);
	g->o.allowed_hosts = NULL;
	pthread_mutex_init(&g->lock, NULL);
	pthread_mutex_init(&g->auth_lock, NULL);
	pthread_cond_init(&g->auth_wake, NULL);
	pthread_cond_init(&g->auth_idle, NULL);
	/* the sweeper sleeps on these; without them (out of descriptors) http_guard_start fails */
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	g->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = -1 };
	if (g->ep < 0 || g->wake_fd < 0 || epoll_ctl(g->ep, EPOLL_CTL_ADD, g->wake_fd, &ev) != 0) {
		if (g->ep >= 0)
			close(g->ep);
		if (g->wake_fd >= 0)
			close(g->wake_fd);
		g->ep = g->wake_fd = -1;
	}
	return g;
}

/* Wakes the sweeper so that it recomputes when to wake next (any thread, any lock). */
static void guard_wake(struct http_guard *g)
{
	uint64_t one = 1;
	if (g->wake_fd >= 0 && write(g->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, the sweeper is woken anyway */
	}
}

static pthread_mutex_t guard_trim_lock = PTHREAD_MUTEX_INITIALIZER;
static double guard_trim_last;
/* Started guards (lock order: guard_started_lock, then a guard's lock, then guard_trim_lock). */
static pthread_mutex_t guard_started_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_guard *guard_started;
static bool guard_trim_pending;
static void guard_trim(bool add);

/* When a held-back malloc_trim is due, or HUGE_VAL when none is pending. */
static double guard_trim_due(void)
{
	pthread_mutex_lock(&guard_trim_lock);
	double due = guard_trim_pending ? guard_trim_last + GUARD_TRIM_PERIOD : HUGE_VAL;
	pthread_mutex_unlock(&guard_trim_lock);
	return due;
}

/* When a connection whose peer shut its side is checked: the grace after the later of that and the
 * server's last step on it (a request that arrived whole just before its FIN is being parsed). */
static double guard_half_close_check_at(const struct http_guard_conn *c)
{
	double at = c->peer_closed;
	if (c->since > at)
		at = c->since;
	if (c->resumed > at)
		at = c->resumed;
	return at + HTTP_GUARD_HALF_CLOSE_GRACE;
}

/* The earliest request deadline or half-close check of a connection waiting for its request (lock
 * held); HUGE_VAL: none. */
static double guard_next_deadline_locked(const struct http_guard *g)
{
	double next = HUGE_VAL;
	for (const struct http_guard_conn *c = g->conns; c; c = c->next) {
		if (c->state != CONN_WAITING)
			continue;
		if (g->o.request_timeout > 0 && c->since + g->o.request_timeout < next)
			next = c->since + g->o.request_timeout;
		if (c->peer_closed > 0 && !c->held && guard_half_close_check_at(c) < next)
			next = guard_half_close_check_at(c);
	}
	return next;
}

/* Notes the peer shutdowns among evs (lock held): a hint, verified on the socket before acting. */
static size_t guard_note_events_locked(struct http_guard *g, const struct epoll_event *evs, int n, double now)
{
	size_t noted = 0;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd < 0) {
			uint64_t v;
			if (read(g->wake_fd, &v, sizeof(v)) < 0) {
				/* EAGAIN: already drained */
			}
			continue;
		}
		for (struct http_guard_conn *c = g->conns; c; c = c->next)
			if (c->fd == evs[i].data.fd) {
				if (c->peer_closed == 0) {
					c->peer_closed = now;
					noted++;
				}
				break;
			}
	}
	return noted;
}

size_t http_guard_collect(struct http_guard *g, int timeout_ms, double now)
{
	struct epoll_event evs[64];
	if (g->ep < 0)
		return 0;
	int n = epoll_wait(g->ep, evs, 64, timeout_ms);
	if (n <= 0)
		return 0;
	if (now < 0)
		now = clock_mono();
	pthread_mutex_lock(&g->lock);
	size_t noted = guard_note_events_locked(g, evs, n, now);
	pthread_mutex_unlock(&g->lock);
	return noted;
}

/*
 * Sleeps until the earliest request deadline or half-close check (or a held-back trim), not on a
 * period: with no connection waiting it sleeps until one arrives (http_guard_conn_started/_idle wake
 * it when their deadline comes before the one it sleeps until) or a peer shuts its side, so an idle
 * server never wakes.
 */
static void *guard_sweeper(void *arg)
{
	struct http_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		double next = guard_next_deadline_locked(g);
		double trim = guard_trim_due();
		if (trim < next)
			next = trim;
		double now = clock_mono();
		if (next > now) {
			int ms = -1;
			if (next != HUGE_VAL) {
				double wait = (next - now + GUARD_SWEEP_SLACK) * 1000.0;
				ms = wait > INT_MAX / 2 ? INT_MAX / 2 : (int)ceil(wait);
			}
			g->sweep_at = next;
			pthread_mutex_unlock(&g->lock);
			http_guard_collect(g, ms, -1);
			pthread_mutex_lock(&g->lock);
			g->sweep_at = 0;
			continue;   /* woken early or on time: recompute (a new deadline may be earlier) */
		}
		pthread_mutex_unlock(&g->lock);
		http_guard_sweep(g, now);
		guard_trim(false);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* A connection now waits for a request until since + request_timeout: wake the sweeper when it
 * sleeps past that (lock held). */
static void guard_deadline_added_locked(struct http_guard *g, double since)
{
	if (g->o.request_timeout > 0 && since + g->o.request_timeout < g->sweep_at)
		guard_wake(g);
}

int http_guard_start(struct http_guard *g)
{
	if (g->sweeper_started)
		return 0;
	if (g->ep < 0)
		return -1;
	if (pthread_create(&g->sweeper, NULL, guard_sweeper, g) != 0)
		return -1;
	g->sweeper_started = true;
	pthread_mutex_lock(&guard_started_lock);
	g->next_started = guard_started;
	guard_started = g;
	pthread_mutex_unlock(&guard_started_lock);
	return 0;
}

void http_guard_drain(struct http_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->auth_lock);
	while (g->job || g->auth_running)
		pthread_cond_wait(&g->auth_idle, &g->auth_lock);
	pthread_mutex_unlock(&g->auth_lock);
}

void http_guard_free(struct http_guard *g)
{
	if (!g)
		return;
	if (g->sweeper_started) {
		pthread_mutex_lock(&guard_started_lock);
		for (struct http_guard **pp = &guard_started; *pp; pp = &(*pp)->next_started)
			if (*pp == g) {
				*pp = g->next_started;
				break;
			}
		pthread_mutex_unlock(&guard_started_lock);
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		guard_wake(g);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->sweeper, NULL);
	}
	if (g->auth_started) {
		http_guard_drain(g);
		pthread_mutex_lock(&g->auth_lock);
		g->auth_stop = true;
		pthread_cond_signal(&g->auth_wake);
		pthread_mutex_unlock(&g->auth_lock);
		pthread_join(g->auth_thread, NULL);
	}
	while (g->conns) {
		struct http_guard_conn *c = g->conns;
		g->conns = c->next;
		free(c);
	}
	strlist_clear(&g->allowed);
	if (g->ep >= 0)
		close(g->ep);
	if (g->wake_fd >= 0)
		close(g->wake_fd);
	pthread_mutex_destroy(&g->lock);
	pthread_mutex_destroy(&g->auth_lock);
	pthread_cond_destroy(&g->auth_wake);
	pthread_cond_destroy(&g->auth_idle);
	free(g);
}

/* ---- connections and deadlines ---- */

struct http_guard_conn *http_guard_conn_started(struct http_guard *g, int fd, double now)
{
	struct http_guard_conn *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->since = now;
	c->state = CONN_WAITING;
	pthread_mutex_lock(&g->lock);
	c->next = g->conns;
	if (g->conns)
		g->conns->prev = c;
	g->conns = c;
	g->nconns++;
	guard_deadline_added_locked(g, now);
	pthread_mutex_unlock(&g->lock);
	if (g->ep >= 0) {
		/* edge-triggered: one event when the peer shuts its side (reported at once if it already has;
		 * added after c is listed, so that the sweeper finds it) */
		struct epoll_event ev = { .events = EPOLLRDHUP | EPOLLET, .data.fd = fd };
		if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			/* not a socket, or no memory: only the deadline applies to it */
		}
	}
	return c;
}

void http_guard_conn_closed(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	if (g->ep >= 0)
		epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);   /* before MHD closes the fd: a reused number is a new socket */
	pthread_mutex_lock(&g->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	g->nconns--;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

void http_guard_conn_received(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->state == CONN_WAITING)
		c->state = CONN_RECEIVED;
	pthread_mutex_unlock(&g->lock);
}

void http_guard_conn_hold(struct http_guard *g, struct http_guard_conn *c, bool held, double now)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->held = held;
	if (!held) {
		c->resumed = now;
		if (c->peer_closed > 0 && c->state == CONN_WAITING)
			guard_wake(g);   /* its half-close check is due again */
	}
	pthread_mutex_unlock(&g->lock);
}

void http_guard_conn_idle(struct http_guard *g, struct http_guard_conn *c, double now)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->state != CONN_CUT) {
		c->state = CONN_WAITING;
		c->since = now;
		guard_deadline_added_locked(g, now);
	}
	pthread_mutex_unlock(&g->lock);
}

/*
 * A peer that shut its side before its request arrived whole will send no more of it. libmicrohttpd
 * (0.9.75, epoll) takes a read shorter than its buffer for "drained" and does not read the FIN that
 * came with the data, so it would wait for the rest until the request deadline. True when the socket
 * really is shut by the peer and nothing is left unread in it (lock held); a stale hint (the number
 * reused by a new connection) is forgotten, unread data is looked at again after the grace.
 */
static bool guard_half_closed_locked(struct http_guard_conn *c, double now)
{
	struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };
	if (poll(&p, 1, 0) != 1 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		c->peer_closed = 0;
		return false;
	}
	int unread = 0;
	if (ioctl(c->fd, SIOCINQ, &unread) != 0 || unread > 0) {
		c->peer_closed = now;   /* the server has not read it all yet: once more after the grace */
		return false;
	}
	return true;
}

size_t http_guard_sweep(struct http_guard *g, double now)
{
	size_t late = 0, half = 0;
	pthread_mutex_lock(&g->lock);
	for (struct http_guard_conn *c = g->conns; c; c = c->next) {
		if (c->state != CONN_WAITING)
			continue;
		if (g->o.request_timeout > 0 && now - c->since >= g->o.request_timeout) {
			late++;
		} else if (c->peer_closed > 0 && !c->held && now >= guard_half_close_check_at(c) &&
			   guard_half_closed_locked(c, now)) {
			half++;
		} else {
			continue;
		}
		/* The fd stays open until the connection's closed notification (it takes this lock first). */
		shutdown(c->fd, SHUT_RDWR);
		c->state = CONN_CUT;
	}
	g->cut_total += late + half;
	g->half_closed_total += half;
	pthread_mutex_unlock(&g->lock);
	if (late) {
		char num[32];
		snprintf(num, sizeof(num), "%zu", late);
		log_debug("http", "request deadline passed: connections closed", "count", num);
	}
	if (half) {
		char num[32];
		snprintf(num, sizeof(num), "%zu", half);
		log_debug("http", "peer shut its side before its request arrived whole: connections closed", "count", num);
	}
	return late + half;
}

size_t http_guard_connections(struct http_guard *g)
{
	pthread_mutex_lock(&g->lock);
	size_t n = g->nconns;
	pthread_mutex_unlock(&g->lock);
	return n;
}

size_t http_guard_cut_total(struct http_guard *g)
{
	pthread_mutex_lock(&g->lock);
	size_t n = g->cut_total;
	pthread_mutex_unlock(&g->lock);
	return n;
}

size_t http_guard_half_closed_total(struct http_guard *g)
{
	pthread_mutex_lock(&g->lock);
	size_t n = g->half_closed_total;
	pthread_mutex_unlock(&g->lock);
	return n;
}

bool http_guard_serve_begin(struct http_guard *g)
{
	bool ok;
	pthread_mutex_lock(&g->lock);
	ok = g->o.max_requests == 0 || g->serving < g->o.max_requests;
	if (ok)
		g->serving++;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void http_guard_serve_end(struct http_guard *g)
{
	pthread_mutex_lock(&g->lock);
	if (g->serving)
		g->serving--;
	pthread_mutex_unlock(&g->lock);
}

/* ---- Host ---- */

bool http_guard_host_ok(const struct http_guard *g, const char *host)
{
	char name[256];
	struct in_addr a4;
	size_t len;

	if (!g->o.check_host || !host)
		return true;
	if (host[0] == '[') {
		/* an IPv6 literal: a DNS rebinding page cannot produce one */
		const char *end = strchr(host, ']');
		struct in6_addr a6;
		if (!end || (size_t)(end - host - 1) >= sizeof(name))
			return false;
		memcpy(name, host + 1, (size_t)(end - host - 1));
		name[end - host - 1] = '\0';
		return inet_pton(AF_INET6, name, &a6) == 1 && (end[1] == '\0' || end[1] == ':');
	}
	const char *colon = strchr(host, ':');
	len = colon ? (size_t)(colon - host) : strlen(host);
	if (len == 0 || len >= sizeof(name))
		return false;
	memcpy(name, host, len);
	name[len] = '\0';
	if (len > 1 && name[len - 1] == '.')
		name[--len] = '\0';   /* "localhost." is "localhost" */
	if (inet_pton(AF_INET, name, &a4) == 1 || host_is_loopback(name))
		return true;
	for (size_t i = 0; i < g->allowed.n; i++)
		if (strcasecmp(g->allowed.items[i], name) == 0)
			return true;
	return false;
}

/* ---- password checks ---- */

/* The address slot of remote (auth_lock held); creates one, replacing the stalest, when create. */
static struct guard_addr *guard_addr(struct http_guard *g, const char *remote, double now, bool create)
{
	struct guard_addr *stalest = &g->addrs[0];
	for (size_t i = 0; i < GUARD_ADDR_SLOTS; i++) {
		struct guard_addr *a = &g->addrs[i];
		if (a->addr[0] && strcmp(a->addr, remote) == 0) {
			if (now - a->last > GUARD_ADDR_FORGET)
				a->fails = 0;
			return a;
		}
		if (a->last < stalest->last)
			stalest = a;
	}
	if (!create)
		return NULL;
	memset(stalest, 0, sizeof(*stalest));
	snprintf(stalest->addr, sizeof(stalest->addr), "%s", remote);
	return stalest;
}

/* Records a failure of remote (auth_lock held) and backs it off. */
static void guard_fail(struct http_guard *g, const char *remote, double now)
{
	struct guard_addr *a = guard_addr(g, remote, now, true);
	double backoff = GUARD_BACKOFF_FIRST;
	a->fails++;
	a->last = now;
	if (a->fails <= HTTP_GUARD_FREE_FAILURES)
		return;   /* a typo or two is not an attack */
	for (unsigned i = HTTP_GUARD_FREE_FAILURES + 1; i < a->fails && backoff < HTTP_GUARD_BACKOFF_MAX; i++)
		backoff *= 2;
	if (backoff > HTTP_GUARD_BACKOFF_MAX)
		backoff = HTTP_GUARD_BACKOFF_MAX;
	a->blocked_until = now + backoff;
}

static unsigned guard_retry(double seconds)
{
	unsigned s = (unsigned)seconds;
	return s + ((double)s < seconds ? 1 : 0) + (s == 0 && seconds <= 0 ? 1 : 0);
}

struct http_guard_auth_job {
	struct webconfig *wc;
	char *user, *password, *remote;
	unsigned char key[32];
	double at;
	void (*done)(void *arg, enum http_guard_auth res);
	void *arg;
	enum http_guard_auth res;
};

static void guard_job_free(struct http_guard_auth_job *j)
{
	if (!j)
		return;
	if (j->password)
		secret_wipe(j->password, strlen(j->password));
	secret_wipe(j->key, sizeof(j->key));
	free(j->user);
	free(j->password);
	free(j->remote);
	free(j);
}

enum http_guard_auth http_guard_auth_begin(struct http_guard *g, struct webconfig *wc, const char *user,
					   const char *password, const char *remote, unsigned *retry_after,
					   struct http_guard_auth_job **job)
{
	const char *hash = NULL;
	unsigned char key[32];
	double now = clock_mono();

	*job = NULL;
	if (retry_after)
		*retry_after = 0;
	if (!remote)
		remote = "";
	if (!wc || !user || !password || wc->nusers == 0)
		return HTTP_GUARD_AUTH_DENIED;
	for (size_t i = 0; i < wc->nusers; i++)
		if (strcmp(wc->users[i].name, user) == 0)
			hash = wc->users[i].hash;
	pthread_mutex_lock(&g->auth_lock);
	if (!hash) {
		/* an unknown user name costs no bcrypt (user names are not secret enough to hide) */
		guard_fail(g, remote, now);
		pthread_mutex_unlock(&g->auth_lock);
		return HTTP_GUARD_AUTH_DENIED;
	}
	webconfig_credential_key(user, password, hash, key);
	for (size_t i = 0; i < GUARD_POSITIVE_SLOTS; i++) {
		if (g->positive_used[i] && ct_equal(g->positive[i], 32, key, 32)) {
			pthread_mutex_unlock(&g->auth_lock);
			return HTTP_GUARD_AUTH_OK;
		}
	}
	struct guard_addr *a = guard_addr(g, remote, now, false);
	if (a && a->blocked_until > now) {
		if (retry_after)
			*retry_after = guard_retry(a->blocked_until - now);
		pthread_mutex_unlock(&g->auth_lock);
		return HTTP_GUARD_AUTH_THROTTLED;
	}
	for (size_t i = 0; i < GUARD_NEGATIVE_SLOTS; i++) {
		if (g->negative_at[i] > 0 && now - g->negative_at[i] < GUARD_NEGATIVE_TTL &&
		    ct_equal(g->negative[i], 32, key, 32)) {
			guard_fail(g, remote, now);
			pthread_mutex_unlock(&g->auth_lock);
			return HTTP_GUARD_AUTH_DENIED;
		}
	}
	if (g->bcrypt_busy) {
		pthread_mutex_unlock(&g->auth_lock);
		if (retry_after)
			*retry_after = 1;
		return HTTP_GUARD_AUTH_THROTTLED;
	}
	g->bcrypt_busy = true;
	pthread_mutex_unlock(&g->auth_lock);

	struct http_guard_auth_job *j = xcalloc(1, sizeof(*j));
	j->wc = wc;
	j->user = xstrdup(user);
	j->password = xstrdup(password);
	j->remote = xstrdup(remote);
	memcpy(j->key, key, 32);
	j->at = now;
	secret_wipe(key, sizeof(key));
	*job = j;
	return HTTP_GUARD_AUTH_PENDING;
}

/* The bcrypt of j, and its bookkeeping; releases the bcrypt slot. */
static enum http_guard_auth guard_job_run(struct http_guard *g, struct http_guard_auth_job *j)
{
	bool ok = webconfig_check_user(j->wc, j->user, j->password);
	pthread_mutex_lock(&g->auth_lock);
	g->bcrypts++;
	g->bcrypt_busy = false;
	if (ok) {
		memcpy(g->positive[g->positive_next], j->key, 32);
		g->positive_used[g->positive_next] = true;
		g->positive_next = (g->positive_next + 1) % GUARD_POSITIVE_SLOTS;
		struct guard_addr *a = guard_addr(g, j->remote, j->at, false);
		if (a)
			a->fails = 0;
	} else {
		memcpy(g->negative[g->negative_next], j->key, 32);
		g->negative_at[g->negative_next] = j->at;
		g->negative_next = (g->negative_next + 1) % GUARD_NEGATIVE_SLOTS;
		guard_fail(g, j->remote, clock_mono());
	}
	pthread_mutex_unlock(&g->auth_lock);
	return ok ? HTTP_GUARD_AUTH_OK : HTTP_GUARD_AUTH_DENIED;
}

static void *guard_auth_thread(void *arg)
{
	struct http_guard *g = arg;
	pthread_mutex_lock(&g->auth_lock);
	for (;;) {
		while (!g->job && !g->auth_stop)
			pthread_cond_wait(&g->auth_wake, &g->auth_lock);
		if (!g->job)
			break;
		struct http_guard_auth_job *j = g->job;
		g->job = NULL;   /* taken: the next one may be submitted once the bcrypt slot is free */
		g->auth_running = true;
		pthread_mutex_unlock(&g->auth_lock);
		enum http_guard_auth res = guard_job_run(g, j);
		j->done(j->arg, res);
		guard_job_free(j);
		pthread_mutex_lock(&g->auth_lock);
		g->auth_running = false;
		pthread_cond_broadcast(&g->auth_idle);
	}
	pthread_mutex_unlock(&g->auth_lock);
	return NULL;
}

int http_guard_auth_submit(struct http_guard *g, struct http_guard_auth_job *job,
			   void (*done)(void *arg, enum http_guard_auth res), void *arg)
{
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&g->auth_lock);
	if (!g->auth_started) {
		if (pthread_create(&g->auth_thread, NULL, guard_auth_thread, g) != 0) {
			pthread_mutex_unlock(&g->auth_lock);
			done(arg, guard_job_run(g, job));   /* no thread: on the caller's */
			guard_job_free(job);
			return -1;
		}
		g->auth_started = true;
	}
	g->job = job;   /* the bcrypt slot is ours: no other job can be pending */
	pthread_cond_signal(&g->auth_wake);
	pthread_mutex_unlock(&g->auth_lock);
	return 0;
}

enum http_guard_auth http_guard_check_user(struct http_guard *g, struct webconfig *wc, const char *user,
					   const char *password, const char *remote, unsigned *retry_after)
{
	struct http_guard_auth_job *j = NULL;
	enum http_guard_auth res = http_guard_auth_begin(g, wc, user, password, remote, retry_after, &j);
	if (res != HTTP_GUARD_AUTH_PENDING)
		return res;
	res = guard_job_run(g, j);
	guard_job_free(j);
	return res;
}

unsigned long http_guard_bcrypt_total(struct http_guard *g)
{
	pthread_mutex_lock(&g->auth_lock);
	unsigned long n = g->bcrypts;
	pthread_mutex_unlock(&g->auth_lock);
	return n;
}

/* ---- headers, memory ---- */

const char *const *http_guard_security_headers(bool html)
{
	/* same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the pages' own form posts */
	static const char *const plain[] = {
		"X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY",
		"Referrer-Policy", "same-origin",
		NULL,
	};
	static const char *const page[] = {
		"X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY",
		"Referrer-Policy", "same-origin",
		"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
					   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		NULL,
	};
	return html ? page : plain;
}


/* Trims when one is pending (or add) and the last was long enough ago; else leaves it pending for the sweeper. */
static void guard_trim(bool add)
{
	double now = clock_mono();
	pthread_mutex_lock(&guard_trim_lock);
	if (add)
		guard_trim_pending = true;
	bool due = guard_trim_pending && now - guard_trim_last >= GUARD_TRIM_PERIOD;
	if (due) {
		guard_trim_last = now;
		guard_trim_pending = false;
	}
	bool held_back = add && !due;
	pthread_mutex_unlock(&guard_trim_lock);
	if (due)
		malloc_trim(0);
	if (held_back) {
		/* a sleeping sweeper recomputes its wake-up, which now includes this trim's due time */
		pthread_mutex_lock(&guard_started_lock);
		for (struct http_guard *g = guard_started; g; g = g->next_started) {
			guard_wake(g);
		}
		pthread_mutex_unlock(&guard_started_lock);
	}
}

void http_guard_body_freed(size_t len)
{
	if (len >= GUARD_TRIM_BODY)
		guard_trim(true);
}
