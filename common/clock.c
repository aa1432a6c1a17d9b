/* clock.c: monotonic and wall-clock time as double seconds, and condition-wait deadlines */
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

struct timespec clock_real_after(double seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!(seconds > 0))
		return ts;
	double whole = floor(seconds);
	ts.tv_sec += (time_t)whole;
	ts.tv_nsec += (long)((seconds - whole) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}
