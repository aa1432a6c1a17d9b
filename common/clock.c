/* clock.c: monotonic and wall-clock time as double seconds */
#include "common/clock.h"

#include <errno.h>
#include <math.h>
#include <time.h>

static double clock_read(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_mono(void)
{
	return clock_read(CLOCK_MONOTONIC);
}

double clock_real(void)
{
	return clock_read(CLOCK_REALTIME);
}

void clock_sleep(double seconds)
{
	struct timespec ts;
	if (!(seconds > 0))
		return;
	ts.tv_sec = (time_t)floor(seconds);
	ts.tv_nsec = (long)((seconds - floor(seconds)) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
