/* discover.h: which block devices are disks to watch: libudev enumeration, filters, hotplug monitor */
#ifndef HOMEOPS_SMART_DISCOVER_H
#define HOMEOPS_SMART_DISCOVER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include "exporters/smart/model.h"

enum smart_target_kind {
	SMART_TARGET_DEVICE,        /* a real block device */
	SMART_TARGET_BLOB,          /* --smart.blob */
	SMART_TARGET_NVME_REPLAY,   /* --smart.nvme-replay */
};

/* One disk to read. Strings are owned (smart_target_release frees them). */
struct smart_target {
	char *name;                 /* the device label: kernel name ("sda"), or the replay file's basename */
	char *path;                 /* device node or replay file */
	enum smart_target_kind kind;
	enum smart_dev_type type;
	/* What udev/sysfs know without touching the disk (may be empty): shown while it sleeps. */
	char model[SMART_IDENT_MAX];
	char serial[SMART_IDENT_MAX];
	char firmware[SMART_IDENT_MAX];
};

void smart_target_release(struct smart_target *t);
void smart_targets_free(struct smart_target *t, size_t n);

/* --smart.device-include / --smart.device-exclude, POSIX extended regexes matched (unanchored,
 * like node_exporter's device filters) against the kernel name. */
struct smart_filter {
	bool has_include, has_exclude;
	regex_t include, exclude;
};

/* Compiles the regexes ("" or NULL = not set). Returns 0, or -1 with *bad naming the flag. */
int smart_filter_init(struct smart_filter *f, const char *include, const char *exclude, const char **bad);
void smart_filter_release(struct smart_filter *f);

/* What udev tells about one block device; the input of the pure selection below. */
struct smart_udev_dev {
	const char *sysname;     /* "sda" */
	const char *devpath;     /* "/devices/pci0000:00/.../block/sda" */
	const char *subsystem;   /* "block" */
	const char *devtype;     /* "disk" or "partition" */
};

/*
 * Why a device is not watched, or NULL when it is: "subsystem", "partition" (DEVTYPE is not
 * disk), "virtual" (loop, ram, zram, dm-, md, and sr/fd/nbd which have no SMART), "nvme_path"
 * (a hidden native-multipath path device nvmeXcYnZ), "include", "exclude". Pure.
 */
const char *smart_discover_skip_reason(const struct smart_udev_dev *d, const struct smart_filter *f);

/*
 * Applies smart_discover_skip_reason to n devices and keeps only the first namespace of each
 * NVMe controller (the SMART / Health log is per controller). keep[i] is set for each. Pure.
 */
void smart_discover_select(const struct smart_udev_dev *devs, size_t n, const struct smart_filter *f, bool *keep);

/* "nvme" for kernel names nvme*, else "ata". Pure. */
enum smart_dev_type smart_discover_type(const char *sysname);

/* Decodes udev's \xNN escapes (ID_MODEL_ENC) into out and normalises spaces. Pure. */
void smart_udev_decode(const char *enc, char *out, size_t n);

/*
 * Enumerates block devices with libudev and returns the selected disks (kind DEVICE) in
 * *targets (caller frees with smart_targets_free). Returns 0, or -1 after logging.
 */
int smart_discover(const struct smart_filter *f, struct smart_target **targets, size_t *n);

/* A target for a path given with --smart.device: name from the resolved kernel name, identity
 * from udev when it knows the device. Never fails; a missing device fails at read time. */
void smart_discover_lookup(const char *path, struct smart_target *t);

/* The body of the exporter's watch hook: a udev monitor on block disks that calls
 * on_change(arg) on every add/remove (logged at info for disks f keeps, else at debug),
 * until cancel_fd becomes readable (exporter_ctx.cancel_fd). Returns NULL. */
void *smart_discover_watch(const struct smart_filter *f, int cancel_fd, void (*on_change)(void *arg), void *arg);

#endif
