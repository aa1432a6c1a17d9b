/* replay.h: saved disks as devices: libatasmart blobs (skdump --save) and NVMe replay files */
#ifndef HOMEOPS_SMART_REPLAY_H
#define HOMEOPS_SMART_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include "exporters/smart/model.h"

/* Largest replay file accepted; a libatasmart blob is at most 1572 bytes, an NVMe replay 4608. */
#define SMART_REPLAY_MAX (64 * 1024)

/*
 * Parses a libatasmart blob (the format "skdump --save" writes: tagged IDFY/SMST/SMDT/SMTH
 * sections) into out, through libatasmart itself (sk_disk_open(NULL) + sk_disk_set_blob), so a
 * replayed disk reads exactly as libatasmart would read the real one. No I/O.
 * Returns 0, or -1 with *reason: "blob" (not a valid blob, or no IDENTIFY section) or those of
 * smart_ata_from_disk().
 */
int smart_replay_blob_parse(const void *buf, size_t len, struct smart_reading *out, const char **reason);

/* Reads the file at path and parses it as a blob (--smart.blob). Errors as above plus
 * "open" when the file cannot be read. */
int smart_replay_load_blob(const char *path, struct smart_reading *out, const char **reason);

/* Reads the file at path and parses it as an NVMe replay file (--smart.nvme-replay; format in
 * nvme_parse.h). Errors: "open", or those of smart_nvme_parse_replay(). */
int smart_replay_load_nvme(const char *path, struct smart_reading *out, const char **reason);

/*
 * The file name --smart.save-dir uses for a disk: "DEVICE--MODEL--FIRMWARE" (libatasmart's
 * blob-examples naming, prefixed by the device so that two identical disks do not collide),
 * with ".nvme" appended for NVMe; every byte outside [A-Za-z0-9._-] becomes '_'. Pure.
 * Returns a malloc'ed string; caller frees.
 */
char *smart_replay_save_name(const char *device, const char *model, const char *firmware, bool nvme);

/* Writes data atomically to dir/smart_replay_save_name(...). Returns 0, or -1 after logging. */
int smart_replay_save(const char *dir, const char *device, const struct smart_reading *r,
		      const void *data, size_t len);

#endif
