/* device.h: one read of one target: power-mode check, then libatasmart or NVMe, or a replay file */
#ifndef HOMEOPS_SMART_DEVICE_H
#define HOMEOPS_SMART_DEVICE_H

#include <stdbool.h>
#include "exporters/smart/discover.h"
#include "exporters/smart/model.h"
#include "exporters/smart/powermode.h"

struct smart_read_opts {
	enum smart_wake wake;
	unsigned cmd_timeout_ms;   /* for each command sent to the disk */
	const char *save_dir;      /* NULL or "": do not save */
};

enum smart_read_status {
	SMART_READ_OK,         /* reading is filled */
	SMART_READ_SLEEPING,   /* the disk is in standby and was left alone */
	SMART_READ_FAILED,     /* reason says why */
};

struct smart_read_result {
	enum smart_read_status status;
	const char *reason;              /* static string when FAILED */
	struct smart_reading reading;    /* when OK */
};

/*
 * Reads target t, blocking (it runs on a worker thread with a deadline, see collect.h):
 * a blob or NVMe replay is loaded from its file; an NVMe device gets the two admin commands;
 * an ATA device first gets CHECK POWER MODE and, unless smart_power_decide() says read, is not
 * touched further. With a save_dir, a successful device read is also saved as a replay file.
 */
void smart_device_read(const struct smart_target *t, const struct smart_read_opts *o, struct smart_read_result *res);

#endif
