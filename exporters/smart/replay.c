/* replay.c: saved disks as devices: libatasmart blobs and NVMe replay files, loading and saving */
#include "exporters/smart/replay.h"

#include <atasmart.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "exporters/smart/ata.h"
#include "exporters/smart/nvme_parse.h"

int smart_replay_blob_parse(const void *buf, size_t len, struct smart_reading *out, const char **reason)
{
	SkDisk *d = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->type = SMART_TYPE_ATA;
	/* libatasmart asserts on a NULL blob and rejects empty ones; say so ourselves. */
	if (!buf || len == 0 || len > SMART_REPLAY_MAX) {
		*reason = "blob";
		goto out;
	}
	if (sk_disk_open(NULL, &d) < 0 || !d) {
		d = NULL;
		*reason = "blob";
		goto out;
	}
	if (sk_disk_set_blob(d, buf, len) < 0) {
		*reason = "blob";
		goto out;
	}
	ret = smart_ata_from_disk(d, out, reason);
out:
	if (d)
		sk_disk_free(d);
	return ret;
}

static int replay_read(const char *path, struct strbuf *sb, const char **reason)
{
	if (file_read(path, sb, SMART_REPLAY_MAX) < 0) {
		*reason = errno == EFBIG ? "replay_length" : "open";
		return -1;
	}
	return 0;
}

int smart_replay_load_blob(const char *path, struct smart_reading *out, const char **reason)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->type = SMART_TYPE_ATA;
	if (replay_read(path, &sb, reason) < 0)
		goto out;
	ret = smart_replay_blob_parse(sb.buf, sb.len, out, reason);
out:
	strbuf_release(&sb);
	return ret;
}

int smart_replay_load_nvme(const char *path, struct smart_reading *out, const char **reason)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->type = SMART_TYPE_NVME;
	if (replay_read(path, &sb, reason) < 0)
		goto out;
	ret = smart_nvme_parse_replay(sb.buf, sb.len, out, reason);
out:
	strbuf_release(&sb);
	return ret;
}

static void replay_add_safe(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';
		strbuf_addch(sb, ok ? c : '_');
	}
}

char *smart_replay_save_name(const char *device, const char *model, const char *firmware, bool nvme)
{
	struct strbuf sb = STRBUF_INIT;

	replay_add_safe(&sb, device && *device ? device : "disk");
	strbuf_addstr(&sb, "--");
	replay_add_safe(&sb, model && *model ? model : "unknown");
	strbuf_addstr(&sb, "--");
	replay_add_safe(&sb, firmware && *firmware ? firmware : "unknown");
	if (nvme)
		strbuf_addstr(&sb, ".nvme");
	/* A name starting with '.' would be hidden, or even be "..". */
	if (sb.buf[0] == '.')
		sb.buf[0] = '_';
	return strbuf_detach(&sb, NULL);
}

int smart_replay_save(const char *dir, const char *device, const struct smart_reading *r,
		      const void *data, size_t len)
{
	char *name = smart_replay_save_name(device, r->model, r->firmware, r->type == SMART_TYPE_NVME);
	struct strbuf path = STRBUF_INIT;
	int ret = -1;

	strbuf_addf(&path, "%s/%s", dir, name);
	if (file_write_atomic(path.buf, data, len, 0644) < 0) {
		log_warn("smart", "cannot save replay file", "path", path.buf, "err", strerror(errno));
		goto out;
	}
	log_debug("smart", "saved replay file", "device", device, "path", path.buf);
	ret = 0;
out:
	strbuf_release(&path);
	free(name);
	return ret;
}
