/* clock.h: monotonic and wall-clock time as double seconds, and condition-wait deadlines */
#ifndef HOMEOPS_CLOCK_H
#define HOMEOPS_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: for durations and deadlines. */
double clock_mono(void);
/* Seconds since the Unix epoch (CLOCK_REALTIME): for *_timestamp_seconds. */
double clock_real(void);
/* Sleeps for seconds (restarting on EINTR). */
void clock_sleep(double seconds);

struct timespec;
/* The CLOCK_REALTIME instant seconds from now: the deadline pthread_cond_timedwait() takes. */
struct timespec clock_real_after(double seconds);

#endif
