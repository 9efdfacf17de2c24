/* Why a header was refused, in words: shared by ring.c and slab.c. */
#ifndef SHMPRIM_INSPECT_REFUSE_H
#define SHMPRIM_INSPECT_REFUSE_H

#include <shmprim/status.h>

#include "inspect.h"

/* Checks that a header of header_size bytes at s->offset is aligned and lies
 * in the mapping; 0, or -1 with s->why set. */
int insp_check_place(const insp_map *m, insp_struct *s, uint32_t header_size);
/* Fills s->why for an attach status on the header copy whose magic,
 * version and the two size words (capacity/entry size, slot count/size) are given. */
void insp_refusal(insp_struct *s, shmprim_status st, uint32_t magic, uint32_t version, uint32_t a, uint32_t b,
                  uint64_t need, uint64_t remain);

#endif
