/* caps.c: which of the capabilities the exporter needs it holds, and what a missing one costs */
#include "exporters/smart/caps.h"

#include <stdlib.h>
#include <string.h>
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strbuf.h"

int smart_caps_parse(const char *status, size_t len, uint64_t *eff)
{
	static const char key[] = "CapEff:";
	size_t i = 0;

	while (i < len) {
		size_t end = i;
		while (end < len && status[end] != '\n')
			end++;
		if (end - i > sizeof(key) - 1 && memcmp(status + i, key, sizeof(key) - 1) == 0) {
			char hex[32];
			size_t n = end - i - (sizeof(key) - 1);
			char *stop = NULL;
			if (n >= sizeof(hex))
				return -1;
			memcpy(hex, status + i + sizeof(key) - 1, n);
			hex[n] = '\0';
			*eff = strtoull(hex, &stop, 16);
			while (stop && (*stop == ' ' || *stop == '\t'))
				stop++;
			return stop && stop != hex && *stop == '\0' ? 0 : -1;
		}
		i = end + 1;
	}
	return -1;
}

uint64_t smart_caps_check(void)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t eff = 0, missing = 0;

	if (file_read("/proc/self/status", &sb, 0) < 0 || smart_caps_parse(sb.buf, sb.len, &eff) < 0) {
		log_warn("smart", "cannot read the process capabilities from /proc/self/status");
		goto out;
	}
	if (!(eff & (1ull << SMART_CAP_SYS_RAWIO))) {
		missing |= 1ull << SMART_CAP_SYS_RAWIO;
		log_warn("smart", "missing capability CAP_SYS_RAWIO",
			 "cost", "ATA/SATA disks cannot be asked their power mode or read (SG_IO ATA pass-through): "
				 "they report smart_device_up 0 with reason permission");
	}
	if (!(eff & (1ull << SMART_CAP_SYS_ADMIN))) {
		missing |= 1ull << SMART_CAP_SYS_ADMIN;
		log_warn("smart", "missing capability CAP_SYS_ADMIN",
			 "cost", "NVMe disks cannot be read (NVME_IOCTL_ADMIN_CMD): they report smart_device_up 0 "
				 "with reason permission");
	}
	if (!missing)
		log_info("smart", "capabilities CAP_SYS_RAWIO and CAP_SYS_ADMIN present");
out:
	strbuf_release(&sb);
	return missing;
}
