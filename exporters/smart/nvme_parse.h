/* nvme_parse.h: NVMe Identify Controller and SMART / Health log bytes to the reading model (pure) */
#ifndef HOMEOPS_SMART_NVME_PARSE_H
#define HOMEOPS_SMART_NVME_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include "exporters/smart/model.h"

#define SMART_NVME_IDENTIFY_LEN 4096   /* Identify Controller data structure (CNS 01h) */
#define SMART_NVME_LOG_LEN 512         /* SMART / Health Information log page (LID 02h) */
/*
 * The NVMe replay file (--smart.nvme-replay, written by --smart.save-dir): exactly the 4096
 * bytes of Identify Controller followed by the 512 bytes of the SMART / Health log page, both
 * as the controller returned them (little-endian). It is what
 *   nvme id-ctrl -b /dev/nvme0 > f; nvme smart-log -b /dev/nvme0 >> f
 * writes with nvme-cli.
 */
#define SMART_NVME_REPLAY_LEN (SMART_NVME_IDENTIFY_LEN + SMART_NVME_LOG_LEN)

/*
 * Parses Identify Controller (id, id_len bytes) and the SMART / Health log page (log, log_len
 * bytes) into out (type, model, serial, firmware and out->nvme; the rest zeroed). Returns 0, or
 * -1 with *reason set to a static string ("identify_length", "log_length") and out zeroed.
 * No I/O, no allocation.
 */
int smart_nvme_parse(const uint8_t *id, size_t id_len, const uint8_t *log, size_t log_len,
		     struct smart_reading *out, const char **reason);

/* Parses a replay file image (SMART_NVME_REPLAY_LEN bytes); errors as smart_nvme_parse, plus
 * "replay_length" when len is not exactly SMART_NVME_REPLAY_LEN. */
int smart_nvme_parse_replay(const void *buf, size_t len, struct smart_reading *out, const char **reason);

#endif
