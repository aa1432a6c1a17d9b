/* record_udev.c: prints this machine's block devices as libudev sees them, in "udevadm info --export-db" format */
/*
 * The discovery test replays such a recording through smart_discover_select(). Usage:
 *   record_udev > tests/unit/smart/data/NAME.udevdb
 * A file written by "udevadm info --export-db" works as well (other subsystems are ignored).
 */
#include <libudev.h>
#include <stdio.h>

int main(void)
{
	struct udev *udev = udev_new();
	struct udev_enumerate *en = NULL;
	struct udev_list_entry *e, *p;
	int ret = 1;

	if (!udev)
		goto out;
	en = udev_enumerate_new(udev);
	if (!en || udev_enumerate_add_match_subsystem(en, "block") < 0 || udev_enumerate_scan_devices(en) < 0)
		goto out;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		const char *node;
		if (!dev)
			continue;
		printf("P: %s\n", udev_device_get_devpath(dev));
		node = udev_device_get_devnode(dev);
		if (node && node[0] == '/' && node[1] == 'd' && node[2] == 'e' && node[3] == 'v' && node[4] == '/')
			printf("N: %s\n", node + 5);
		udev_list_entry_foreach(p, udev_device_get_properties_list_entry(dev))
			printf("E: %s=%s\n", udev_list_entry_get_name(p), udev_list_entry_get_value(p) ? udev_list_entry_get_value(p) : "");
		printf("\n");
		udev_device_unref(dev);
	}
	ret = 0;
out:
	if (en)
		udev_enumerate_unref(en);
	if (udev)
		udev_unref(udev);
	return ret;
}
