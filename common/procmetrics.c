/* procmetrics.c: process_* self-metrics read from /proc/self (client_golang's process collector) */
#include "common/procmetrics.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/fileutil.h"
#include "common/metrics.h"
#include "common/strbuf.h"

int procmetrics_parse_stat(const char *buf, size_t len, long ticks, struct proc_stat *out)
{
	/* The command name is in parentheses and may contain anything; fields follow the last ')'. */
	const char *end = buf + len;
	const char *p = NULL;
	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p || ticks <= 0)
		return -1;
	p++;
	/* fields from 3 (state) on; we need 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss */
	unsigned long long v[25] = { 0 };
	int field = 3;
	while (p < end && field <= 24) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		const char *tok = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (field >= 4) {
			char num[32];
			size_t n = (size_t)(p - tok);
			if (n == 0 || n >= sizeof(num))
				return -1;
			memcpy(num, tok, n);
			num[n] = '\0';
			char *e;
			long long sv = strtoll(num, &e, 10);
			if (*e)
				return -1;
			v[field] = (unsigned long long)sv;
		}
		field++;
	}
	if (field <= 24)
		return -1;
	out->utime_seconds = (double)v[14] / (double)ticks;
	out->stime_seconds = (double)v[15] / (double)ticks;
	out->start_time_seconds = (double)v[22] / (double)ticks;
	out->vsize_bytes = v[23];
	out->rss_pages = v[24];
	return 0;
}

int procmetrics_parse_max_fds(const char *buf, size_t len, uint64_t *out)
{
	static const char key[] = "Max open files";
	const char *end = buf + len;
	for (const char *line = buf; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		if ((size_t)(le - line) > sizeof(key) && strncmp(line, key, sizeof(key) - 1) == 0) {
			const char *p = line + sizeof(key) - 1;
			while (p < le && *p == ' ')
				p++;
			if (le - p >= 9 && strncmp(p, "unlimited", 9) == 0) {
				*out = UINT64_MAX;
				return 0;
			}
			char *e;
			unsigned long long v = strtoull(p, &e, 10);
			if (e == p)
				return -1;
			*out = v;
			return 0;
		}
		line = nl ? nl + 1 : end;
	}
	return -1;
}

static double procmetrics_boot_time(const char *procfs)
{
	char path[512];
	struct strbuf sb = STRBUF_INIT;
	double bt = -1;
	snprintf(path, sizeof(path), "%s/stat", procfs);
	if (file_read(path, &sb, 0) == 0) {
		const char *p = strstr(strbuf_cstr(&sb), "\nbtime ");
		if (p)
			bt = strtod(p + 7, NULL);
	}
	strbuf_release(&sb);
	return bt;
}

void procmetrics_collect(struct metric_set *ms, const char *procfs)
{
	char path[512];
	struct strbuf sb = STRBUF_INIT;
	struct proc_stat st;
	long ticks = sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);

	snprintf(path, sizeof(path), "%s/self/stat", procfs);
	if (file_read(path, &sb, 0) == 0 && procmetrics_parse_stat(sb.buf, sb.len, ticks, &st) == 0) {
		metric_counter(ms, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
			       st.utime_seconds + st.stime_seconds, NULL);
		metric_gauge(ms, "process_resident_memory_bytes", "Resident memory size in bytes.",
			     (double)st.rss_pages * (double)page, NULL);
		metric_gauge(ms, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
			     (double)st.vsize_bytes, NULL);
		double bt = procmetrics_boot_time(procfs);
		if (bt >= 0)
			metric_gauge(ms, "process_start_time_seconds",
				     "Start time of the process since unix epoch in seconds.",
				     bt + st.start_time_seconds, NULL);
	}
	strbuf_reset(&sb);

	snprintf(path, sizeof(path), "%s/self/fd", procfs);
	DIR *d = opendir(path);
	if (d) {
		double n = 0;
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				n++;
		closedir(d);
		metric_gauge(ms, "process_open_fds", "Number of open file descriptors.", n - 1 /* the dir itself */, NULL);
	}

	uint64_t maxfds;
	snprintf(path, sizeof(path), "%s/self/limits", procfs);
	if (file_read(path, &sb, 0) == 0 && procmetrics_parse_max_fds(sb.buf, sb.len, &maxfds) == 0)
		metric_gauge(ms, "process_max_fds", "Maximum number of open file descriptors.",
			     maxfds == UINT64_MAX ? (double)INFINITY : (double)maxfds, NULL);
	strbuf_release(&sb);
}
