/* parse.h: cifs_mount_exporter's models and pure parsers (mountinfo, fstab, fs/cifs/Stats, fs/cifs/DebugData) */
#ifndef CIFS_PARSE_H
#define CIFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Every parser takes bytes (no NUL needed after them) and fills a model; no I/O, no globals,
 * no clock. A model is released with its _release() (safe on a zeroed or half-filled model,
 * and twice). Lines that do not have the expected shape are skipped and counted, so one odd
 * line never costs the rest of the file.
 */

/* One line of /proc/PID/mountinfo (proc(5)). Strings are heap copies, octal escapes decoded. */
struct cifs_mount {
	unsigned long id;
	unsigned long parent;
	char *root;
	char *mountpoint;
	char *options;        /* per-mount options ("rw,relatime") */
	char *fstype;         /* "cifs", "smb3", "autofs", "fuse.bindfs" */
	char *source;         /* "//server/share" */
	char *super_options;  /* "rw,vers=3.1.1,addr=..." */
	/* "ro" in the superblock options: the filesystem was mounted read-only. A read-only bind of a
	 * read-write mount (per-mount "ro" only) does not count: in a sandboxed service's own mount
	 * namespace (systemd's ProtectSystem=) every mount is per-mount read-only. */
	bool readonly;
};

struct cifs_mountinfo {
	struct cifs_mount *mounts;
	size_t n;
	size_t skipped;       /* non-empty lines that were not a mount */
};

/* Parses a mountinfo file. Returns 0, or -1 when no line was a mount (empty, garbage). */
int cifs_mountinfo_parse(const char *buf, size_t len, struct cifs_mountinfo *out);
void cifs_mountinfo_release(struct cifs_mountinfo *mi);

/* One fstab(5) entry. Strings are heap copies, octal escapes decoded. */
struct cifs_fstab_entry {
	char *spec;           /* "//nas/media" */
	char *file;           /* mount point */
	char *vfstype;
	char *options;        /* "defaults" when the field is absent */
	bool automount;       /* x-systemd.automount */
	bool noauto;
	bool readonly;        /* "ro" */
};

struct cifs_fstab {
	struct cifs_fstab_entry *entries;
	size_t n;
	size_t skipped;       /* lines with fewer than 3 fields, or a field that decodes to NUL */
};

/* Parses an fstab ('#' comments, blank lines, 3 to 6 fields). Always returns 0. */
int cifs_fstab_parse(const char *buf, size_t len, struct cifs_fstab *out);
void cifs_fstab_release(struct cifs_fstab *fs);

/* True when the comma-separated option list opts holds option name (exactly, or as name=...). */
bool cifs_option_has(const char *opts, const char *name);

/* One operation counter of a share: SMB1 ("Opens: 3") has no failures, SMB2+ does. */
struct cifs_op {
	char *name;           /* snake_case of the kernel's word: "query_directories", "posix_opens" */
	double total;         /* "sent" (kernel < 4.19) or "total" */
	double failed;
	bool has_failed;
};

/* One share (tree connection) in fs/cifs/Stats. */
struct cifs_stats_share {
	char *name;           /* the UNC as "//server/share" (backslashes made slashes, as in mountinfo) */
	bool disconnected;    /* "DISCONNECTED" after the name */
	bool has_smbs;
	double smbs;
	bool has_bytes;
	double read_bytes;
	double written_bytes;
	struct cifs_op *ops;
	size_t nops;
};

struct cifs_stats {
	bool has_sessions, has_shares, has_reconnects, has_vfs;
	double sessions;            /* "CIFS Session: N" */
	double shares;              /* "Share (unique mount targets): N" */
	double session_reconnects;  /* "N session M share reconnects" */
	double share_reconnects;
	double vfs_operations;      /* "Total vfs operations: N" */
	/* Shares in file order; a UNC listed twice (two users of one share) is summed into one. */
	struct cifs_stats_share *share;
	size_t nshare;
};

/* Parses fs/cifs/Stats (SMB1 and SMB2/3 layouts, kernels 3.x to 6.x). Returns 0, or -1 when
 * nothing in buf was recognised. */
int cifs_stats_parse(const char *buf, size_t len, struct cifs_stats *out);
void cifs_stats_release(struct cifs_stats *st);

/* One share (tree connection) of DebugData, with the server it is on. */
struct cifs_dd_share {
	char *server;         /* "Name:" (older kernels) or "Hostname:" of its server; "" when unknown */
	char *name;           /* "//server/share" */
	bool ipc;             /* the IPC$ connection of a session, not a mount ("IPC:" before it, or named ...\IPC$) */
	int status;           /* "Status: N" of the tree connection; -1 when absent */
	int tcp_status;       /* the server's "TCP status: N"; -1 when absent */
	bool disconnected;    /* "DISCONNECTED" in its block */
};

struct cifs_debugdata {
	size_t nservers;
	struct cifs_dd_share *share;
	size_t nshare;
};

/* Parses fs/cifs/DebugData. Returns 0, or -1 when it does not look like DebugData at all. */
int cifs_debugdata_parse(const char *buf, size_t len, struct cifs_debugdata *out);
void cifs_debugdata_release(struct cifs_debugdata *dd);
/* True when a tree connection is good: status 1 (TID_GOOD / CifsGood) or absent, server TCP status 1 (or
 * unknown) and no DISCONNECTED mark. */
bool cifs_dd_share_connected(const struct cifs_dd_share *s);

/* "\\server\share" -> "//server/share" (new heap string; caller frees). */
char *cifs_unc_to_slashes(const char *s, size_t len);

#endif
