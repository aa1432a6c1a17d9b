/* ata.h: ATA/SATA SMART through libatasmart: a real disk, or any SkDisk into the reading model */
#ifndef HOMEOPS_SMART_ATA_H
#define HOMEOPS_SMART_ATA_H

#include <stddef.h>
#include <atasmart.h>
#include "exporters/smart/model.h"

/*
 * Fills out (type ATA) from an SkDisk that has IDENTIFY data (a real disk after sk_disk_open, or
 * a blob after sk_disk_set_blob): identification, SMART status, overall status, every attribute,
 * temperature, power-on time, power cycles, bad sectors, self-test status. A value libatasmart
 * cannot give stays marked invalid (rendered absent). For a real disk this sends SMART commands.
 * Returns 0, or -1 with *reason: "identify" (no IDENTIFY data), "smart_unavailable" (the disk
 * has no SMART), "read" (SMART data could not be read).
 */
int smart_ata_from_disk(SkDisk *d, struct smart_reading *out, const char **reason);

/*
 * Reads the ATA disk at path (a block device) with libatasmart. Call only after the power-mode
 * check allowed it: sk_disk_open sends IDENTIFY, which spins a sleeping disk up. When blob is not
 * NULL it receives a malloc'ed copy of libatasmart's blob (skdump --save format; caller frees) for
 * --smart.save-dir. Returns 0, or -1 with *reason: "permission", "open" or those of
 * smart_ata_from_disk.
 */
int smart_ata_read(const char *path, struct smart_reading *out, void **blob, size_t *blob_len,
		   const char **reason);

#endif
