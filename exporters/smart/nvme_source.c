/* nvme_source.c: NVMe Identify Controller and SMART / Health log page via NVME_IOCTL_ADMIN_CMD */
#include "exporters/smart/nvme_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/nvme_ioctl.h>
#include "common/xalloc.h"

#define NVME_ADMIN_GET_LOG_PAGE 0x02
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_CNS_CONTROLLER 0x01
#define NVME_LOG_SMART 0x02
#define NVME_NSID_ALL 0xFFFFFFFFu

static const char *nvme_errno_reason(int e)
{
	if (e == EACCES || e == EPERM)
		return "permission";
	if (e == ENOTTY || e == EINVAL || e == EOPNOTSUPP)
		return "unsupported";
	return "read";
}

static int nvme_admin(int fd, struct nvme_admin_cmd *cmd, const char **reason)
{
	int rc = ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd);

	if (rc < 0) {
		*reason = nvme_errno_reason(errno);
		return -1;
	}
	if (rc > 0) {
		/* A positive return is the NVMe status field: the command reached the drive and failed. */
		*reason = "nvme_status";
		return -1;
	}
	return 0;
}

int smart_nvme_read(const char *path, unsigned timeout_ms, struct smart_reading *out,
		    uint8_t image[SMART_NVME_REPLAY_LEN], const char **reason)
{
	uint8_t *buf = xcalloc(1, SMART_NVME_REPLAY_LEN);
	struct nvme_admin_cmd cmd;
	int fd = -1;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->type = SMART_TYPE_NVME;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*reason = errno == EACCES || errno == EPERM ? "permission" : "open";
		goto out;
	}

	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = NVME_ADMIN_IDENTIFY;
	cmd.nsid = 0;
	cmd.addr = (uint64_t)(uintptr_t)buf;
	cmd.data_len = SMART_NVME_IDENTIFY_LEN;
	cmd.cdw10 = NVME_CNS_CONTROLLER;
	cmd.timeout_ms = timeout_ms;
	if (nvme_admin(fd, &cmd, reason) < 0)
		goto out;

	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = NVME_ADMIN_GET_LOG_PAGE;
	cmd.nsid = NVME_NSID_ALL;
	cmd.addr = (uint64_t)(uintptr_t)(buf + SMART_NVME_IDENTIFY_LEN);
	cmd.data_len = SMART_NVME_LOG_LEN;
	/* NUMDL (number of dwords, 0-based) in bits 31:16, log identifier in 7:0. */
	cmd.cdw10 = ((uint32_t)(SMART_NVME_LOG_LEN / 4 - 1) << 16) | NVME_LOG_SMART;
	cmd.timeout_ms = timeout_ms;
	if (nvme_admin(fd, &cmd, reason) < 0)
		goto out;

	if (smart_nvme_parse_replay(buf, SMART_NVME_REPLAY_LEN, out, reason) < 0)
		goto out;
	if (image)
		memcpy(image, buf, SMART_NVME_REPLAY_LEN);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}
