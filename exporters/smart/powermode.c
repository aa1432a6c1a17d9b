/* powermode.c: ATA CHECK POWER MODE over SG_IO / HDIO_DRIVE_CMD, and the pure "may we read it" decision */
#include "exporters/smart/powermode.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/hdreg.h>
#include <scsi/sg.h>

#define ATA_CHECK_POWER_MODE 0xE5
#define SCSI_CDROM_MAJOR 11

enum smart_power_state smart_power_state_from_count(uint8_t count)
{
	switch (count) {
	case 0xFF:
	case 0x41:
		return SMART_POWER_ACTIVE;
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83:
		return SMART_POWER_IDLE;
	case 0x00:
	case 0x01:
	case 0x40:
		return SMART_POWER_STANDBY;
	default:
		return SMART_POWER_UNKNOWN;
	}
}

enum smart_power_action smart_power_decide(enum smart_wake wake, bool check_ok, enum smart_power_state state)
{
	if (wake == SMART_WAKE_ALWAYS)
		return SMART_POWER_READ;
	if (!check_ok)
		return SMART_POWER_SKIP_UNKNOWN;
	switch (state) {
	case SMART_POWER_ACTIVE:
	case SMART_POWER_IDLE:
		return SMART_POWER_READ;
	case SMART_POWER_STANDBY:
		return SMART_POWER_SKIP_STANDBY;
	case SMART_POWER_UNKNOWN:
	default:
		return SMART_POWER_SKIP_UNKNOWN;
	}
}

const char *smart_power_state_name(enum smart_power_state state)
{
	switch (state) {
	case SMART_POWER_ACTIVE:
		return "active";
	case SMART_POWER_IDLE:
		return "idle";
	case SMART_POWER_STANDBY:
		return "standby";
	case SMART_POWER_UNKNOWN:
	default:
		return "unknown";
	}
}

int smart_power_parse_sense(const uint8_t *sense, size_t len, uint8_t *count)
{
	uint8_t code;

	if (!sense || len < 8)
		return -1;
	code = sense[0] & 0x7f;
	if (code == 0x72 || code == 0x73) {
		/* Descriptor format: descriptors start at byte 8, sense[7] bytes of them. */
		size_t end = 8 + (size_t)sense[7];
		size_t off = 8;
		if (end > len)
			end = len;
		while (off + 2 <= end) {
			const uint8_t *d = sense + off;
			size_t dlen = 2 + (size_t)d[1];
			if (off + dlen > end)
				break;
			if (d[0] == 0x09 && d[1] >= 0x0c) {
				/* ATA Status Return: byte 5 count(7:0), byte 13 status. */
				if (d[13] & 0x01)
					return -1;
				*count = d[5];
				return 0;
			}
			off += dlen;
		}
		return -1;
	}
	if (code == 0x70 || code == 0x71) {
		/* Fixed format carries registers only with ASC/ASCQ 00h/1Dh; anything else (say
		 * ILLEGAL REQUEST from a bridge that does not know the opcode) has none. */
		if (len < 14 || sense[12] != 0x00 || sense[13] != 0x1d)
			return -1;
		if (sense[4] & 0x01)      /* information bytes 3..6: error, status, device, count */
			return -1;
		*count = sense[6];
		return 0;
	}
	return -1;
}

/* One ATA PASS-THROUGH non-data command with CK_COND=1; cdb_len 16 or 12. */
static int powermode_sat(int fd, unsigned timeout_ms, int cdb_len, uint8_t *count, int *err)
{
	uint8_t cdb[16];
	uint8_t sense[32];
	struct sg_io_hdr io;

	memset(cdb, 0, sizeof(cdb));
	memset(sense, 0, sizeof(sense));
	if (cdb_len == 16) {
		cdb[0] = 0x85;            /* ATA PASS-THROUGH(16) */
		cdb[1] = 3 << 1;          /* protocol: non-data */
		cdb[2] = 0x20;            /* CK_COND=1: return the registers in the sense data */
		cdb[14] = ATA_CHECK_POWER_MODE;
	} else {
		cdb[0] = 0xa1;            /* ATA PASS-THROUGH(12) */
		cdb[1] = 3 << 1;
		cdb[2] = 0x20;
		cdb[9] = ATA_CHECK_POWER_MODE;
	}
	memset(&io, 0, sizeof(io));
	io.interface_id = 'S';
	io.cmdp = cdb;
	io.cmd_len = (unsigned char)cdb_len;
	io.dxfer_direction = SG_DXFER_NONE;
	io.sbp = sense;
	io.mx_sb_len = sizeof(sense);
	io.timeout = timeout_ms;
	if (ioctl(fd, SG_IO, &io) < 0) {
		*err = errno;
		return -1;
	}
	*err = 0;
	if (io.host_status != 0 || (io.driver_status & 0x0f) > 0x08 || io.sb_len_wr == 0)
		return -1;
	return smart_power_parse_sense(sense, io.sb_len_wr, count);
}

static int powermode_hdio(int fd, uint8_t *count, int *err)
{
	/* HDIO_DRIVE_CMD: command, sector number, feature, sector count; the count comes back in [2]. */
	uint8_t args[4] = { ATA_CHECK_POWER_MODE, 0, 0, 0 };

	if (ioctl(fd, HDIO_DRIVE_CMD, args) < 0) {
		*err = errno;
		return -1;
	}
	*err = 0;
	*count = args[2];
	return 0;
}

static bool powermode_perm_errno(int e)
{
	return e == EACCES || e == EPERM;
}

/* The ioctl itself is not known for this device (as opposed to: the command failed). */
static bool powermode_unknown_ioctl(int e)
{
	return e == ENOTTY || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP;
}

int smart_power_check(int fd, unsigned timeout_ms, uint8_t *count, const char **reason)
{
	struct stat st;
	int err = 0;

	if (powermode_sat(fd, timeout_ms, 16, count, &err) == 0)
		return 0;
	if (powermode_perm_errno(err))
		goto permission;
	if (err == 0) {
		/* SG_IO works but gave no ATA registers: a SCSI/SAS disk, or a USB bridge that only
		 * knows the 12-byte form. */
		if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) != SCSI_CDROM_MAJOR) {
			if (powermode_sat(fd, timeout_ms, 12, count, &err) == 0)
				return 0;
			if (powermode_perm_errno(err))
				goto permission;
		}
		*reason = err == 0 || powermode_unknown_ioctl(err) ? "unsupported" : "power_check";
		return -1;
	}
	if (powermode_unknown_ioctl(err)) {
		/* No SG_IO at all: maybe the legacy IDE driver. */
		if (powermode_hdio(fd, count, &err) == 0)
			return 0;
		if (powermode_perm_errno(err))
			goto permission;
		*reason = powermode_unknown_ioctl(err) ? "unsupported" : "power_check";
		return -1;
	}
	*reason = "power_check";
	return -1;

permission:
	*reason = "permission";
	return -1;
}
