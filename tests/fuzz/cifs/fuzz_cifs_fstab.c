/* fuzz_cifs_fstab.c: libFuzzer target for the fstab parser and the plan built from it */
#include <stddef.h>
#include <stdint.h>
#include "exporters/cifs/parse.h"
#include "exporters/cifs/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "cifs", "smb3" };
	struct cifs_plan_config cfg = { types, 2, NULL, 0, true };
	struct cifs_fstab fs;
	struct cifs_plan plan;

	cifs_fstab_parse((const char *)data, size, &fs);
	cifs_plan_build(&cfg, &fs, NULL, &plan);
	cifs_plan_release(&plan);
	cifs_fstab_release(&fs);
	return 0;
}
