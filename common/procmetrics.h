/* procmetrics.h: process_* self-metrics of the running process, as client_golang exports them */
#ifndef HOMEOPS_PROCMETRICS_H
#define HOMEOPS_PROCMETRICS_H

#include <stddef.h>
#include <stdint.h>

struct metric_set;

struct proc_stat {
	double utime_seconds;
	double stime_seconds;
	double start_time_seconds;   /* since boot */
	uint64_t vsize_bytes;
	uint64_t rss_pages;
};

/* Parses /proc/PID/stat text (comm may hold spaces and parentheses). Returns 0 or -1. ticks = sysconf(_SC_CLK_TCK). */
int procmetrics_parse_stat(const char *buf, size_t len, long ticks, struct proc_stat *out);
/* Parses the "Max open files" soft limit from /proc/PID/limits text. Returns 0 or -1. */
int procmetrics_parse_max_fds(const char *buf, size_t len, uint64_t *out);

/*
 * Adds process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_start_time_seconds, process_open_fds, process_max_fds for the calling process.
 * procfs is the /proc root ("/proc" normally). Series that cannot be read are left out.
 */
void procmetrics_collect(struct metric_set *ms, const char *procfs);

#endif
