/* The refusals: one sentence per way a header can be wrong. */
#include <stddef.h>
#include <stdio.h>

#include <shmprim/layout.h>

#include "refuse.h"

int insp_check_place(const insp_map *m, insp_struct *s, uint32_t header_size)
{
	const char *k = insp_kind_str(s->kind);
	unsigned long long off = (unsigned long long)s->offset;

	if (s->offset % SHMPRIM_ALIGN != 0) {
		snprintf(s->why, sizeof(s->why), "%s offset %llu is not a multiple of %u: no header can sit there", k,
		         off, SHMPRIM_ALIGN);
		return -1;
	}
	if (s->offset > m->len || m->len - s->offset < header_size) {
		snprintf(s->why, sizeof(s->why),
		         "%s header at offset %llu needs %u bytes but the mapping ends at %llu: truncated image", k,
		         off, header_size, (unsigned long long)m->len);
		return -1;
	}
	return 0;
}

static uint32_t magic_of(enum insp_kind k)
{
	return k == INSP_RING ? SHMPRIM_SPSC_MAGIC : k == INSP_SLAB ? SHMPRIM_SLAB_MAGIC : SHMPRIM_CHANNEL_MAGIC;
}

static int kind_of_magic(uint32_t magic, enum insp_kind *kind)
{
	static const enum insp_kind kinds[] = {INSP_RING, INSP_SLAB, INSP_CHANNEL};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (magic == magic_of(kinds[i])) {
			*kind = kinds[i];
			return 1;
		}
	}
	return 0;
}

void insp_refusal(insp_struct *s, shmprim_status st, uint32_t magic, uint32_t version, uint32_t a, uint32_t b,
                  uint64_t need, uint64_t remain)
{
	const char *k = insp_kind_str(s->kind);
	unsigned long long off = (unsigned long long)s->offset;
	uint32_t own = magic_of(s->kind);
	enum insp_kind other;

	switch (st) {
	case SHMPRIM_ERR_BAD_MAGIC:
		if (kind_of_magic(magic, &other))
			snprintf(s->why, sizeof(s->why), "offset %llu holds a %s header, not a %s: use --%s %llu", off,
			         insp_kind_str(other), k, insp_kind_str(other), off);
		else if (magic == 0)
			snprintf(s->why, sizeof(s->why),
			         "no %s at offset %llu: magic is 0 (never initialised, or not yet)", k, off);
		else
			snprintf(s->why, sizeof(s->why), "no %s at offset %llu: magic 0x%08x, a %s's is 0x%08x", k,
			         off, magic, k, own);
		break;
	case SHMPRIM_ERR_WRONG_ENDIAN:
		snprintf(s->why, sizeof(s->why),
		         "%s at offset %llu was written by a machine of the other byte order: refusing to interpret", k,
		         off);
		break;
	case SHMPRIM_ERR_BAD_VERSION:
		snprintf(s->why, sizeof(s->why),
		         "%s at offset %llu has layout version %u; this tool reads version %u: refusing to interpret",
		         k, off, version, s->kind == INSP_CHANNEL ? SHMPRIM_CHANNEL_VERSION : SHMPRIM_LAYOUT_VERSION);
		break;
	case SHMPRIM_ERR_BAD_CAPACITY:
		snprintf(s->why, sizeof(s->why),
		         "ring at offset %llu: capacity %u is not a power of two from 1 to 2^31: corrupt header",
		         off, a);
		break;
	case SHMPRIM_ERR_BAD_ENTRY_SIZE:
		snprintf(s->why, sizeof(s->why),
		         "ring at offset %llu: entry size %u is not from 1 to %u: corrupt header", off, b,
		         SHMPRIM_SPSC_MAX_ENTRY_SIZE);
		break;
	case SHMPRIM_ERR_BAD_SLOT_COUNT:
		snprintf(s->why, sizeof(s->why),
		         "slab at offset %llu: slot count %u is not from 1 to %u: corrupt header", off, a,
		         SHMPRIM_SLAB_MAX_SLOTS);
		break;
	case SHMPRIM_ERR_BAD_SLOT_SIZE:
		snprintf(s->why, sizeof(s->why),
		         "slab at offset %llu: slot size %u is not from 1 to %u: corrupt header", off, b,
		         SHMPRIM_SLAB_MAX_SLOT_SIZE);
		break;
	case SHMPRIM_ERR_BAD_GEOMETRY:
		snprintf(s->why, sizeof(s->why),
		         "%s at offset %llu: its derived header fields (strides, sizes, flags, reserved bytes) "
		         "disagree with its geometry: corrupt header, refusing to interpret",
		         k, off);
		break;
	case SHMPRIM_ERR_BAD_CHECKSUM:
		snprintf(s->why, sizeof(s->why), "header checksum mismatch at offset %llu: refusing to interpret", off);
		break;
	case SHMPRIM_ERR_REGION_TOO_SMALL:
		snprintf(s->why, sizeof(s->why),
		         "%s at offset %llu needs %llu bytes but only %llu remain in the mapping: truncated image", k,
		         off, (unsigned long long)need, (unsigned long long)remain);
		break;
	default:
		snprintf(s->why, sizeof(s->why), "%s at offset %llu refused: %s", k, off, shmprim_status_str(st));
		break;
	}
}
