/* discover.c: which block devices are disks to watch: libudev enumeration, filters, hotplug monitor */
#include "exporters/smart/discover.h"

#include <errno.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "common/log.h"
#include "common/xalloc.h"
#include "common/chars.h"

void smart_target_release(struct smart_target *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

void smart_targets_free(struct smart_target *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		smart_target_release(&t[i]);
	free(t);
}

int smart_filter_init(struct smart_filter *f, const char *include, const char *exclude, const char **bad)
{
	memset(f, 0, sizeof(*f));
	if (include && *include) {
		if (regcomp(&f->include, include, REG_EXTENDED | REG_NOSUB) != 0) {
			*bad = "--smart.device-include";
			goto fail;
		}
		f->has_include = true;
	}
	if (exclude && *exclude) {
		if (regcomp(&f->exclude, exclude, REG_EXTENDED | REG_NOSUB) != 0) {
			*bad = "--smart.device-exclude";
			goto fail;
		}
		f->has_exclude = true;
	}
	return 0;
fail:
	smart_filter_release(f);
	return -1;
}

void smart_filter_release(struct smart_filter *f)
{
	if (f->has_include)
		regfree(&f->include);
	if (f->has_exclude)
		regfree(&f->exclude);
	f->has_include = f->has_exclude = false;
}

static bool discover_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* nvme<N>c<M>n<K>: a path device of native NVMe multipath, hidden behind nvme<N>n<K>. */
static bool discover_is_nvme_path(const char *s)
{
	const char *p = s + 4;
	if (!discover_has_prefix(s, "nvme") || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != 'c' || p[1] < '0' || p[1] > '9')
		return false;
	for (p++; *p >= '0' && *p <= '9'; p++)
		;
	return *p == 'n';
}

const char *smart_discover_skip_reason(const struct smart_udev_dev *d, const struct smart_filter *f)
{
	static const char *const virtual_prefixes[] = { "loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd" };
	const char *name = d->sysname ? d->sysname : "";

	if (!d->subsystem || strcmp(d->subsystem, "block") != 0)
		return "subsystem";
	if (!d->devtype || strcmp(d->devtype, "disk") != 0)
		return "partition";
	if (!*name)
		return "subsystem";
	for (size_t i = 0; i < sizeof(virtual_prefixes) / sizeof(virtual_prefixes[0]); i++)
		if (discover_has_prefix(name, virtual_prefixes[i]))
			return "virtual";
	if (discover_is_nvme_path(name))
		return "nvme_path";
	if (f && f->has_include && regexec(&f->include, name, 0, NULL, 0) != 0)
		return "include";
	if (f && f->has_exclude && regexec(&f->exclude, name, 0, NULL, 0) == 0)
		return "exclude";
	return NULL;
}

/* The controller directory of an NVMe namespace devpath (".../nvme/nvme0/nvme0n1" -> "nvme0"),
 * written into buf; false when the devpath has no such parent. */
static bool discover_nvme_controller(const char *devpath, char *buf, size_t n)
{
	const char *end, *start;

	if (!devpath)
		return false;
	end = strrchr(devpath, '/');
	if (!end || end == devpath)
		return false;
	start = end - 1;
	while (start > devpath && *start != '/')
		start--;
	if (*start == '/')
		start++;
	if ((size_t)(end - start) >= n || !discover_has_prefix(start, "nvme"))
		return false;
	memcpy(buf, start, (size_t)(end - start));
	buf[end - start] = '\0';
	return true;
}

void smart_discover_select(const struct smart_udev_dev *devs, size_t n, const struct smart_filter *f, bool *keep)
{
	for (size_t i = 0; i < n; i++) {
		char ci[128], cj[128];

		keep[i] = smart_discover_skip_reason(&devs[i], f) == NULL;
		if (!keep[i] || smart_discover_type(devs[i].sysname) != SMART_TYPE_NVME ||
		    !discover_nvme_controller(devs[i].devpath, ci, sizeof(ci)))
			continue;
		for (size_t j = 0; j < i; j++)
			if (keep[j] && discover_nvme_controller(devs[j].devpath, cj, sizeof(cj)) && strcmp(ci, cj) == 0) {
				keep[i] = false;
				break;
			}
	}
}

enum smart_dev_type smart_discover_type(const char *sysname)
{
	return sysname && discover_has_prefix(sysname, "nvme") ? SMART_TYPE_NVME : SMART_TYPE_ATA;
}

void smart_udev_decode(const char *enc, char *out, size_t n)
{
	char tmp[256];
	size_t k = 0;

	for (const char *p = enc ? enc : ""; *p && k + 1 < sizeof(tmp); p++) {
		int hi = p[0] == '\\' && p[1] == 'x' ? hex_digit((unsigned char)p[2]) : -1;
		int lo = hi >= 0 ? hex_digit((unsigned char)p[3]) : -1;
		if (lo >= 0) {
			tmp[k++] = (char)(hi * 16 + lo);
			p += 3;
		} else {
			tmp[k++] = *p;
		}
	}
	smart_ident_copy(out, n, tmp, k);
}

/* Identity from the udev database (filled by ata_id/nvme rules), else from sysfs attributes;
 * neither sends anything to the disk. */
static void discover_ident(struct udev_device *dev, struct smart_target *t)
{
	const char *v;

	if ((v = udev_device_get_property_value(dev, "ID_MODEL_ENC")))
		smart_udev_decode(v, t->model, sizeof(t->model));
	else if ((v = udev_device_get_property_value(dev, "ID_MODEL")) ||
		 (v = udev_device_get_sysattr_value(dev, "device/model")))
		smart_ident_copy(t->model, sizeof(t->model), v, strlen(v));
	if ((v = udev_device_get_property_value(dev, "ID_SERIAL_SHORT")) ||
	    (v = udev_device_get_sysattr_value(dev, "device/serial")))
		smart_ident_copy(t->serial, sizeof(t->serial), v, strlen(v));
	if ((v = udev_device_get_property_value(dev, "ID_REVISION")) ||
	    (v = udev_device_get_sysattr_value(dev, "device/firmware_rev")) ||
	    (v = udev_device_get_sysattr_value(dev, "device/rev")))
		smart_ident_copy(t->firmware, sizeof(t->firmware), v, strlen(v));
}

static void discover_fill(struct udev_device *dev, struct smart_target *t)
{
	const char *name = udev_device_get_sysname(dev);
	const char *node = udev_device_get_devnode(dev);

	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name ? name : "");
	t->path = node ? xstrdup(node) : xasprintf("/dev/%s", t->name);
	t->kind = SMART_TARGET_DEVICE;
	t->type = smart_discover_type(t->name);
	discover_ident(dev, t);
}

int smart_discover(const struct smart_filter *f, struct smart_target **targets, size_t *n)
{
	struct udev *udev = NULL;
	struct udev_enumerate *en = NULL;
	struct udev_list_entry *e;
	struct udev_device **devs = NULL;
	struct smart_udev_dev *views = NULL;
	bool *keep = NULL;
	size_t ndevs = 0, alloc = 0, nout = 0;
	int ret = -1;

	*targets = NULL;
	*n = 0;
	udev = udev_new();
	if (!udev) {
		log_error("smart", "udev_new failed", "err", strerror(errno));
		goto out;
	}
	en = udev_enumerate_new(udev);
	/* Everything in "block"; smart_discover_select() alone decides, as tested on recorded lists. */
	if (!en || udev_enumerate_add_match_subsystem(en, "block") < 0 || udev_enumerate_scan_devices(en) < 0) {
		log_error("smart", "udev enumeration failed", "err", strerror(errno));
		goto out;
	}
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		if (!dev)
			continue;
		XGROW(devs, ndevs + 1, alloc);
		devs[ndevs++] = dev;
	}
	views = xcalloc(ndevs ? ndevs : 1, sizeof(*views));
	keep = xcalloc(ndevs ? ndevs : 1, sizeof(*keep));
	for (size_t i = 0; i < ndevs; i++) {
		views[i].sysname = udev_device_get_sysname(devs[i]);
		views[i].devpath = udev_device_get_devpath(devs[i]);
		views[i].subsystem = udev_device_get_subsystem(devs[i]);
		views[i].devtype = udev_device_get_devtype(devs[i]);
	}
	smart_discover_select(views, ndevs, f, keep);
	*targets = xcalloc(ndevs ? ndevs : 1, sizeof(**targets));
	for (size_t i = 0; i < ndevs; i++) {
		const char *why = smart_discover_skip_reason(&views[i], f);
		if (!keep[i]) {
			log_debug("smart", "device skipped", "device", views[i].sysname ? views[i].sysname : "",
				  "reason", why ? why : "nvme_namespace");
			continue;
		}
		discover_fill(devs[i], &(*targets)[nout++]);
	}
	*n = nout;
	ret = 0;
out:
	for (size_t i = 0; i < ndevs; i++)
		udev_device_unref(devs[i]);
	free(devs);
	free(views);
	free(keep);
	if (en)
		udev_enumerate_unref(en);
	if (udev)
		udev_unref(udev);
	return ret;
}

void smart_discover_lookup(const char *path, struct smart_target *t)
{
	char resolved[PATH_MAX];
	struct udev *udev = NULL;
	struct udev_device *dev = NULL;
	struct stat st;
	const char *base;

	memset(t, 0, sizeof(*t));
	if (!realpath(path, resolved))
		snprintf(resolved, sizeof(resolved), "%s", path);
	base = strrchr(resolved, '/');
	base = base ? base + 1 : resolved;
	t->name = xstrdup(*base ? base : resolved);
	t->path = xstrdup(path);
	t->kind = SMART_TARGET_DEVICE;
	t->type = smart_discover_type(t->name);
	if (stat(resolved, &st) < 0 || !S_ISBLK(st.st_mode))
		goto out;
	udev = udev_new();
	if (!udev)
		goto out;
	dev = udev_device_new_from_devnum(udev, 'b', st.st_rdev);
	if (dev)
		discover_ident(dev, t);
out:
	if (dev)
		udev_device_unref(dev);
	if (udev)
		udev_unref(udev);
}

void *smart_discover_watch(const struct smart_filter *f, int cancel_fd, void (*on_change)(void *arg), void *arg)
{
	struct udev *udev = NULL;
	struct udev_monitor *mon = NULL;
	/* Without a running udevd nothing is sent on the "udev" group; fall back to raw kernel
	 * events, which are only a trigger to re-enumerate here. */
	const char *source = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
	struct pollfd pfd[2];

	udev = udev_new();
	if (!udev)
		goto fail;
	mon = udev_monitor_new_from_netlink(udev, source);
	if (!mon || udev_monitor_filter_add_match_subsystem_devtype(mon, "block", "disk") < 0 ||
	    udev_monitor_enable_receiving(mon) < 0)
		goto fail;
	pfd[0].fd = udev_monitor_get_fd(mon);
	pfd[0].events = POLLIN;
	pfd[1].fd = cancel_fd;
	pfd[1].events = POLLIN;
	log_info("smart", "watching for disks being added or removed", "source", source);
	for (;;) {
		struct udev_device *dev;
		struct smart_udev_dev view;
		const char *action;

		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		dev = udev_monitor_receive_device(mon);
		if (!dev)
			continue;
		action = udev_device_get_action(dev);
		if (action && (strcmp(action, "add") == 0 || strcmp(action, "remove") == 0)) {
			view.sysname = udev_device_get_sysname(dev);
			view.devpath = udev_device_get_devpath(dev);
			view.subsystem = udev_device_get_subsystem(dev);
			view.devtype = udev_device_get_devtype(dev);
			/* Re-enumerate on any disk event (cheap); say so loudly only for disks we watch. */
			log_msg(smart_discover_skip_reason(&view, f) ? HLOG_DEBUG : HLOG_INFO, "smart", "disk hotplug",
				"action", action, "device", view.sysname ? view.sysname : "", (const char *)NULL);
			on_change(arg);
		}
		udev_device_unref(dev);
	}
	goto out;
fail:
	log_warn("smart", "cannot watch udev events: disks added later appear at the next interval",
		 "err", strerror(errno));
out:
	if (mon)
		udev_monitor_unref(mon);
	if (udev)
		udev_unref(udev);
	return NULL;
}
