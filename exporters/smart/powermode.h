/* powermode.h: ATA CHECK POWER MODE, and the pure decision whether a disk may be read without waking it */
#ifndef HOMEOPS_SMART_POWERMODE_H
#define HOMEOPS_SMART_POWERMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum smart_wake {
	SMART_WAKE_NEVER,    /* --smart.wake=never (default): a disk in standby is not read */
	SMART_WAKE_ALWAYS,   /* --smart.wake=always: read regardless, spinning the disk up */
};

enum smart_power_state {
	SMART_POWER_ACTIVE,    /* FFh active or idle, 41h NV cache spun up */
	SMART_POWER_IDLE,      /* 80h idle, 81h-83h idle_a/b/c: awake, reading does not spin anything up */
	SMART_POWER_STANDBY,   /* 00h standby_z, 01h standby_y, 40h NV cache spun down */
	SMART_POWER_UNKNOWN,   /* any other count value */
};

enum smart_power_action {
	SMART_POWER_READ,           /* go ahead and read SMART */
	SMART_POWER_SKIP_STANDBY,   /* disk sleeps: keep last-known values, mark it sleeping */
	SMART_POWER_SKIP_UNKNOWN,   /* power mode could not be learnt: reading might wake it, so don't */
};

/* Maps the Count field returned by CHECK POWER MODE (ACS-3 7.3) to a state. Pure. */
enum smart_power_state smart_power_state_from_count(uint8_t count);

/*
 * The whole "never wake a disk" policy in one pure function: wake=always reads regardless;
 * otherwise read only when the check succeeded (check_ok) and found the disk active or idle.
 */
enum smart_power_action smart_power_decide(enum smart_wake wake, bool check_ok, enum smart_power_state state);

/* Lower-case name of a state ("active", "idle", "standby", "unknown"). */
const char *smart_power_state_name(enum smart_power_state state);

/*
 * Extracts the ATA Count register from the sense data of an ATA PASS-THROUGH command sent with
 * CK_COND=1: descriptor format (72h/73h, ATA Status Return descriptor 09h) or fixed format
 * (70h/71h with ASC/ASCQ 00h/1Dh "ATA pass-through information available"). Returns 0 with
 * *count set, or -1 when the sense carries no ATA registers or the ATA status has ERR set. Pure.
 */
int smart_power_parse_sense(const uint8_t *sense, size_t len, uint8_t *count);

/*
 * Sends CHECK POWER MODE to the open block device fd: SG_IO ATA PASS-THROUGH(16), then (not on
 * optical drives, where opcode A1h means BLANK) ATA PASS-THROUGH(12) for USB bridges that only
 * know that, then the legacy IDE HDIO_DRIVE_CMD. The command never spins a disk up.
 * Returns 0 with *count set, or -1 with *reason: "permission" (needs CAP_SYS_RAWIO),
 * "unsupported" (no ATA pass-through on this device), "power_check" (the command failed).
 */
int smart_power_check(int fd, unsigned timeout_ms, uint8_t *count, const char **reason);

#endif
