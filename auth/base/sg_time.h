/*
 * sg_time.h: calendar arithmetic without the C library's time zone state
 * (portable: no timegm on every board).
 */
#ifndef SG_TIME_H
#define SG_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "sg_err.h"

/* Seconds since 1970-01-01T00:00:00Z of a UTC date and time (proleptic
 * Gregorian). No range check beyond what the arithmetic needs. */
int64_t sg_time_from_utc(int year, int mon, int day, int hour, int min, int sec);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" or "YYYY-MM-DD HH:MM[:SS]"
 * (UTC) into seconds since the epoch. SG_E_INVALID_ARG on anything else. */
sg_err sg_time_parse(const char *s, int64_t *out, struct sg_error *e);

/* Formats as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). Returns buf. */
const char *sg_time_format(int64_t t, char *buf, size_t len);

#endif
