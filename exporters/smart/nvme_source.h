/* nvme_source.h: NVMe Identify Controller and SMART / Health log through the admin passthrough ioctl */
#ifndef HOMEOPS_SMART_NVME_SOURCE_H
#define HOMEOPS_SMART_NVME_SOURCE_H

#include <stdint.h>
#include "exporters/smart/model.h"
#include "exporters/smart/nvme_parse.h"

/*
 * Reads the NVMe disk at path (a namespace block device or the controller character device)
 * with two admin commands, each with timeout_ms: Identify Controller (CNS 01h with NSID 0, as
 * the spec requires: another NSID makes some controllers log an error, collectd #4127) and Get
 * Log Page 02h for NSID FFFFFFFFh (the controller-wide SMART / Health log). Fills out; when
 * image is not NULL it receives the replay file image (identify || log). Needs CAP_SYS_ADMIN.
 * Returns 0, or -1 with *reason: "permission", "open", "unsupported" (not an NVMe device),
 * "nvme_status" (the controller answered with an error status), "read" (ioctl failed).
 */
int smart_nvme_read(const char *path, unsigned timeout_ms, struct smart_reading *out,
		    uint8_t image[SMART_NVME_REPLAY_LEN], const char **reason);

#endif
