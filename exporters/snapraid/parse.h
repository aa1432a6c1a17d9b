/* parse.h: pure parsers for SnapRAID output (status, smart, sync/scrub/diff/fix logs, snapraid.conf) */
#ifndef SNAPRAID_PARSE_H
#define SNAPRAID_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Every parser here takes bytes and returns a model, or an error with a reason. None does
 * I/O, reads the clock or keeps state between calls, so they are unit-tested and fuzzed on
 * recorded output. Three generations of SnapRAID output are understood:
 *   - v10-v11: human text only (`status` has no summary:* tags);
 *   - v12-v13: machine log tags (`-l FILE`): summary:*, info_time:*, msg:*, ... beside the text;
 *   - v14 (upstream snapraid_log.txt): adds summary:exit, summary:scrub_*_days, summary:total_*.
 * Log tags are preferred; the human text is read only for what has no tag in the version at hand.
 * Lines may end in LF or CRLF; tag lines and text lines may be interleaved in one buffer
 * (`-l ">&1"`), or the log and the text may be given as two buffers.
 *
 * Numeric fields are doubles and are NaN when the output did not say (render leaves them out).
 */

/* The parse outcome of a SnapRAID run. */
enum sr_result {
	SR_OK = 0,     /* a model was produced */
	SR_BUSY = 1,   /* another SnapRAID holds the array lock ("SnapRAID is already in use!") */
	SR_ERROR = -1, /* no model; see struct sr_error */
};

/*
 * Why a parse failed. kind is a short constant suitable as a metric label value:
 *   "config"      SnapRAID rejected its configuration (fatal message about the config file)
 *   "fatal"       SnapRAID stopped with another fatal message
 *   "parse"       the output is not a (complete) report of the expected kind
 *   "unsupported" (smart) SMART is not available for these devices
 * message is a heap string for the log (the fatal message or what was missing); free with
 * sr_error_release().
 */
struct sr_error {
	const char *kind;
	char *message;
};
void sr_error_release(struct sr_error *err);

/* ---- snapraid.conf ---- */

/*
 * Lists the `content` files of a snapraid.conf, in order (SnapRAID locks "<first content>.lock").
 * Comments and other directives are skipped. Appends heap strings to *paths (strlist).
 * Returns the number of content files found (0 is valid input: SnapRAID will complain itself).
 */
struct strlist;
size_t sr_conf_content_paths(const char *buf, size_t len, struct strlist *paths);

/* ---- status ---- */

struct sr_disk {
	char *name;
	double files;
	double fragmented_files;
	double excess_fragments;
	double zero_subsecond_files;
	double used_bytes;   /* size of the files on the disk */
	double free_bytes;   /* free space usable by the array (limited by parity) */
	double wasted_bytes; /* space that cannot be used because parity is smaller; >= 0 */
	/* raw tag values kept to derive free space on v12-v13 */
	double block_count;
	double block_max;
};

struct sr_parity {
	char *name;        /* "parity", "2-parity", ... */
	double size_bytes; /* total parity capacity */
	double free_bytes;
};

struct sr_status {
	char *version;           /* "12.2", "none" (Debian), NULL when the output has no version tag */
	double unixtime;         /* when SnapRAID ran (log's unixtime:), NaN for text-only output */
	double block_size_bytes;

	double files;
	double fragmented_files;
	double excess_fragments;
	double zero_subsecond_files;
	double used_bytes;
	double free_bytes;
	double wasted_bytes;

	double parity_allocated_bytes; /* parity in use (blocks allocated x block size) */
	double parity_max_bytes;       /* allocated + minimum free over all parity levels */

	struct sr_disk *disks;
	size_t ndisks;
	struct sr_parity *parities;
	size_t nparities;

	double block_count;        /* blocks covered by parity (block_count:) */
	double unsynced_blocks;    /* summary:has_unsynced (blocks whose parity is not up to date) */
	double unscrubbed_blocks;  /* summary:has_unscrubbed */
	double rehash_blocks;      /* summary:has_rehash */
	double bad_blocks;         /* summary:has_bad / "DANGER! In the array there are N errors!" */

	double sync_in_progress;     /* 0/1 */
	double sync_progress_ratio;  /* 0..1; 1 when no sync is in progress */
	double unscrubbed_ratio;     /* 0..1 */
	double rehash_needed;        /* 0/1: a rehash is in progress or recommended */

	/* Age of the oldest, median and newest block's last scrub (or sync), seconds. Exact when the
	 * log has info_time: tags and unixtime:, otherwise days x 86400 from the text or tags. */
	double scrub_oldest_age_seconds;
	double scrub_median_age_seconds;
	double scrub_newest_age_seconds;

	bool array_empty; /* "The array is empty." (never synced) */
};

/*
 * Parses one `snapraid status` run: log is the -l file (may be NULL/0), text its stdout and
 * stderr (may be NULL/0); either may hold both kinds of lines. On SR_OK *out is a new model
 * (free with sr_status_free()); on SR_BUSY nothing is allocated; on SR_ERROR err is filled.
 * A status counts as complete only when it has a report (summary:* tags or the "SnapRAID status
 * report:" table) and its final verdict (summary:has_bad, summary:exit, "No error detected.",
 * "DANGER! In the array...", or "The array is empty."), so truncated output is an error, not a
 * half-filled model.
 */
enum sr_result sr_status_parse(const char *log, size_t log_len, const char *text, size_t text_len,
			       struct sr_status **out, struct sr_error *err);
void sr_status_free(struct sr_status *st);

/* ---- smart ---- */

struct sr_smart_disk {
	char *disk;    /* array disk name ("d1", "parity"), "-" for a device outside the array */
	char *device;  /* "/dev/sda", "-" when unknown */
	char *serial;  /* "-" when unknown */
	double temperature_celsius;
	double power_on_seconds;
	double error_count;          /* SMART error log count; NaN when SnapRAID printed a flag word */
	double failure_probability;  /* 0..1, estimated probability to fail within a year */
	double size_bytes;
	double failing;              /* 1 when smartctl reports FAIL or PREFAIL */
};

struct sr_smart {
	double unixtime; /* log's unixtime:, NaN without a log */
	struct sr_smart_disk *disks;
	size_t ndisks;
	double array_failure_probability; /* at least one disk failing within a year, 0..1 */
};

/*
 * Parses one `snapraid smart` run (report text and/or -l log with smart:/attr: tags). A report
 * with its closing "Probability that at least one disk..." line, or a log with summary:array_failure,
 * is complete. "Smart is unsupported in this platform." is an error of kind "unsupported".
 */
enum sr_result sr_smart_parse(const char *log, size_t log_len, const char *text, size_t text_len,
			      struct sr_smart **out, struct sr_error *err);
void sr_smart_free(struct sr_smart *sm);

/* ---- logs of scheduled runs (sync, scrub, diff, fix, check ...) ---- */

enum sr_run_outcome {
	SR_RUN_INCOMPLETE = 0, /* no end marker: still running, or killed */
	SR_RUN_SUCCESS,        /* finished without errors ("Everything OK", summary:exit:ok, ...) */
	SR_RUN_FAILED,         /* finished with errors, or stopped by a fatal message */
};

struct sr_run {
	char *command;   /* "sync", "scrub", ...; inferred from the text when there is no command: tag */
	double unixtime; /* start of the run (unixtime:), NaN when the log has none */
	enum sr_run_outcome outcome;
	char *exit_status; /* summary:exit value ("ok", "error", "diff"...), NULL when absent */
	char *fatal;       /* first fatal message, NULL when none */
	bool busy;         /* the run could not start because the array was locked */
	/* errors; NaN when the log does not say */
	double errors_soft; /* summary:error_soft (v14) / summary:error_file (v12-v13) / "N file errors" */
	double errors_io;
	double errors_data;
	double errors;      /* fix/check: total errors */
	double recovered;
	double unrecoverable;
	/* diff counts */
	double equal, added, removed, updated, moved, copied, relocated, restored;
};

/*
 * Parses the log (or captured output) of one run. Never fails on unrecognisable input: the
 * result is then SR_RUN_INCOMPLETE with no command. Returns a new struct; free with sr_run_free().
 * Callers decide what an incomplete run means (running now, or interrupted).
 */
struct sr_run *sr_run_parse(const char *buf, size_t len);
void sr_run_free(struct sr_run *run);

/*
 * Reads only the command: and unixtime: tags near the start of a log (for choosing the newest log
 * of each command without parsing every file). *command is a heap string or NULL; *unixtime NaN
 * when absent.
 */
void sr_run_peek(const char *buf, size_t len, char **command, double *unixtime);

#endif
