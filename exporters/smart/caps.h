/* caps.h: which of the capabilities the exporter needs it holds, and what a missing one costs */
#ifndef HOMEOPS_SMART_CAPS_H
#define HOMEOPS_SMART_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMART_CAP_SYS_RAWIO 17
#define SMART_CAP_SYS_ADMIN 21

/* Finds the "CapEff:" line in the text of /proc/PID/status. Returns 0 with *eff, or -1. Pure. */
int smart_caps_parse(const char *status, size_t len, uint64_t *eff);

/*
 * Logs, once at start, each capability that is missing for reading real disks: CAP_SYS_RAWIO
 * (ATA CHECK POWER MODE and SMART over SG_IO) and CAP_SYS_ADMIN (NVMe admin commands), and what
 * that costs. Returns a bit mask of the missing ones (1 << SMART_CAP_*), 0 when all are held.
 */
uint64_t smart_caps_check(void);

#endif
