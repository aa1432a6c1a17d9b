/* fuzz_cifs_mountinfo.c: libFuzzer target for the mountinfo parser and the plan built from it */
#include <stddef.h>
#include <stdint.h>
#include "exporters/cifs/parse.h"
#include "exporters/cifs/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "cifs", "smb3", "fuse.bindfs" };
	static const char *const mounts[] = { "/mnt/sounds", "/srv/media/" };
	struct cifs_plan_config cfg = { types, 3, mounts, 2, false };
	struct cifs_mountinfo mi;
	struct cifs_plan plan;

	if (cifs_mountinfo_parse((const char *)data, size, &mi) == 0) {
		cifs_plan_build(&cfg, NULL, &mi, &plan);
		cifs_plan_release(&plan);
	}
	cifs_mountinfo_release(&mi);
	return 0;
}
