/* render.h: one Pi-hole's collection result to metric families; every pihole_* name is defined here */
#ifndef PIHOLE_RENDER_H
#define PIHOLE_RENDER_H

#include "exporters/pihole/config.h"
#include "exporters/pihole/target.h"

struct metric_set;

/*
 * Adds the target's samples, labelled hostname=cfg->name: the API values that were read (left
 * out when not), the blocking state, versions, the DNS probe and the login state. Top lists are
 * whatever this result holds, so a domain that left the list disappears. pihole_up and the
 * collect metrics are common's (collect_report_target).
 */
void ph_render_target(struct metric_set *ms, const struct ph_target_cfg *cfg, const struct ph_target_result *r);

#endif
