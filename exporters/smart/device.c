/* device.c: one read of one target: power-mode check, then libatasmart or NVMe, or a replay file */
#include "exporters/smart/device.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/xalloc.h"
#include "exporters/smart/ata.h"
#include "exporters/smart/nvme_source.h"
#include "exporters/smart/replay.h"

static bool device_saving(const struct smart_read_opts *o)
{
	return o->save_dir && *o->save_dir;
}

static void device_read_nvme(const struct smart_target *t, const struct smart_read_opts *o,
			     struct smart_read_result *res)
{
	uint8_t *image = device_saving(o) ? xcalloc(1, SMART_NVME_REPLAY_LEN) : NULL;
	const char *reason = "read";

	if (smart_nvme_read(t->path, o->cmd_timeout_ms, &res->reading, image, &reason) < 0) {
		res->status = SMART_READ_FAILED;
		res->reason = reason;
		goto out;
	}
	res->status = SMART_READ_OK;
	if (image)
		smart_replay_save(o->save_dir, t->name, &res->reading, image, SMART_NVME_REPLAY_LEN);
out:
	free(image);
}

static void device_read_ata(const struct smart_target *t, const struct smart_read_opts *o,
			    struct smart_read_result *res)
{
	void *blob = NULL;
	size_t blob_len = 0;
	const char *reason = "read";

	if (o->wake != SMART_WAKE_ALWAYS) {
		uint8_t count = 0;
		int fd = open(t->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		bool ok;
		enum smart_power_state state;

		if (fd < 0) {
			res->status = SMART_READ_FAILED;
			res->reason = errno == EACCES || errno == EPERM ? "permission" : "open";
			goto out;
		}
		ok = smart_power_check(fd, o->cmd_timeout_ms, &count, &reason) == 0;
		close(fd);
		state = ok ? smart_power_state_from_count(count) : SMART_POWER_UNKNOWN;
		switch (smart_power_decide(o->wake, ok, state)) {
		case SMART_POWER_SKIP_STANDBY:
			res->status = SMART_READ_SLEEPING;
			goto out;
		case SMART_POWER_SKIP_UNKNOWN:
			res->status = SMART_READ_FAILED;
			res->reason = ok ? "power_mode_unknown" : reason;
			goto out;
		case SMART_POWER_READ:
			break;
		}
	}
	if (smart_ata_read(t->path, &res->reading, device_saving(o) ? &blob : NULL, &blob_len, &reason) < 0) {
		res->status = SMART_READ_FAILED;
		res->reason = reason;
		goto out;
	}
	res->status = SMART_READ_OK;
	if (blob)
		smart_replay_save(o->save_dir, t->name, &res->reading, blob, blob_len);
out:
	free(blob);
}

void smart_device_read(const struct smart_target *t, const struct smart_read_opts *o, struct smart_read_result *res)
{
	const char *reason = "read";

	memset(res, 0, sizeof(*res));
	switch (t->kind) {
	case SMART_TARGET_BLOB:
		res->status = smart_replay_load_blob(t->path, &res->reading, &reason) == 0 ? SMART_READ_OK
											   : SMART_READ_FAILED;
		break;
	case SMART_TARGET_NVME_REPLAY:
		res->status = smart_replay_load_nvme(t->path, &res->reading, &reason) == 0 ? SMART_READ_OK
											   : SMART_READ_FAILED;
		break;
	case SMART_TARGET_DEVICE:
		if (t->type == SMART_TYPE_NVME)
			device_read_nvme(t, o, res);
		else
			device_read_ata(t, o, res);
		return;
	}
	if (res->status == SMART_READ_FAILED)
		res->reason = reason;
}
