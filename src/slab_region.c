/*
 * The slab's region form: where the slab goes inside a region (placement),
 * then the raw form (src/slab.c) on the pieces. Nothing here touches shared
 * state except I4, a hint the raw attach re-validates (protocol: the top of
 * src/slab.c).
 */
#include <shmprim/slab.h>

#include "placement.h"
#include "slab_internal.h"

shmprim_status shmprim_slab_init(shmprim_slab *slab, shmprim_region region, size_t offset, uint32_t slot_count,
                                 uint32_t slot_size)
{
	unsigned char *at;
	shmprim_status st;
	size_t meta, data;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_slabcore_check_geometry(slot_count, slot_size);
	if (st != SHMPRIM_OK)
		return st;
	meta = shmprim_slab_meta_size(slot_count);
	data = shmprim_slab_data_size(slot_count, slot_size);
	st = shmprim_place(region, offset, shmprim_slab_required_size(slot_count, slot_size), &at);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_slab_raw_init(&slab->raw, at, at + SHMPRIM_SLAB_HEADER_SIZE, meta,
	                           at + SHMPRIM_SLAB_HEADER_SIZE + meta, data, slot_count, slot_size);
	if (st == SHMPRIM_OK) {
		slab->region = region;
		slab->offset = offset;
	}
	return st;
}

/* The region forms' attach: the slab must lie within extent bytes from
 * offset; expect may be NULL. */
static shmprim_status attach_in_region(shmprim_slab *slab, shmprim_region region, size_t offset, size_t extent,
                                       const shmprim_slab_expect *expect, shmprim_status too_big)
{
	unsigned char *at;
	shmprim_status st;
	size_t room;
	uint32_t count;
	size_t meta;

	st = shmprim_place(region, offset, extent, &at);
	if (st != SHMPRIM_OK)
		return st;
	room = extent - SHMPRIM_SLAB_HEADER_SIZE;
	/* Where data starts depends on slot_count: read it once, and let the raw
	 * attach re-validate everything against its own single read. Hostile
	 * values only shift the split of `room`, which raw attach bounds. */
	count = sp_load_relaxed_u32(&((shmprim_slab_header *)at)->slot_count); /* I4: a hint, I2 re-validates */
	meta = shmprim_slab_meta_size(count);
	if (!meta || meta > room)
		meta = room < SHMPRIM_ALIGN ? 0 : room - room % SHMPRIM_ALIGN;
	st = shmprim_slabcore_attach_checked(&slab->raw, at, at + SHMPRIM_SLAB_HEADER_SIZE, meta,
	                                     at + SHMPRIM_SLAB_HEADER_SIZE + meta, room - meta, expect, too_big);
	if (st == SHMPRIM_OK && slab->raw.slot_count != count)
		st = SHMPRIM_ERR_CORRUPT; /* the header changed between the two reads */
	if (st == SHMPRIM_OK) {
		slab->region = region;
		slab->offset = offset;
	}
	return st;
}

shmprim_status shmprim_slab_attach(shmprim_slab *slab, shmprim_region region, size_t offset)
{
	unsigned char *at;
	shmprim_status st;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_place(region, offset, SHMPRIM_SLAB_HEADER_SIZE, &at);
	if (st != SHMPRIM_OK)
		return st;
	return attach_in_region(slab, region, offset, region.len - offset, NULL, SHMPRIM_ERR_REGION_TOO_SMALL);
}

shmprim_status shmprim_slab_attach_expect(shmprim_slab *slab, shmprim_region region, size_t offset, size_t extent,
                                          const shmprim_slab_expect *expect)
{
	shmprim_status st;

	if (!slab || !expect)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_slabcore_check_expect(expect);
	if (st != SHMPRIM_OK)
		return st;
	if (extent < SHMPRIM_SLAB_HEADER_SIZE)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	return attach_in_region(slab, region, offset, extent, expect, SHMPRIM_ERR_OVERLAP);
}

shmprim_alloc_result shmprim_slab_try_alloc(shmprim_slab *slab, shmprim_slot_handle *out)
{
	return shmprim_slab_raw_try_alloc(&slab->raw, out);
}

shmprim_status shmprim_slab_mark_in_flight(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_mark_in_flight(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_free(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_free(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_free_allocated(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_free_allocated(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_mark_in_flight_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_mark_in_flight(&slab->raw, h, err);
}

shmprim_status shmprim_slab_free_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_free(&slab->raw, h, err);
}

shmprim_status shmprim_slab_free_allocated_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_free_allocated(&slab->raw, h, err);
}

void *shmprim_slab_slot_data(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_slot_data(&slab->raw, h);
}

uint32_t shmprim_slab_slot_size(const shmprim_slab *slab)
{
	return slab->raw.slot_size;
}

uint32_t shmprim_slab_slot_count(const shmprim_slab *slab)
{
	return slab->raw.slot_count;
}

uint32_t shmprim_slab_free_count_approx(shmprim_slab *slab)
{
	return shmprim_slab_raw_free_count_approx(&slab->raw);
}

shmprim_status shmprim_slab_set_owner(shmprim_slab *slab, uint32_t owner_id)
{
	return shmprim_slab_raw_set_owner(slab ? &slab->raw : NULL, owner_id);
}

shmprim_status shmprim_slab_set_cache(shmprim_slab *slab, uint32_t n)
{
	return shmprim_slab_raw_set_cache(slab ? &slab->raw : NULL, n);
}

shmprim_status shmprim_slab_flush_cache(shmprim_slab *slab)
{
	return shmprim_slab_raw_flush_cache(slab ? &slab->raw : NULL);
}

shmprim_status shmprim_slab_adopt(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_adopt(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_reclaim(shmprim_slab *slab, uint32_t dead_owner, uint32_t flags,
                                    shmprim_reclaim_report *report)
{
	return shmprim_slab_raw_reclaim(slab ? &slab->raw : NULL, dead_owner, flags, report);
}

void shmprim_slab_audit(shmprim_slab *slab, shmprim_slab_audit_report *report)
{
	shmprim_slab_raw_audit(&slab->raw, report);
}

void shmprim_slab_audit_owners(shmprim_slab *slab, shmprim_slab_owner_audit *report)
{
	shmprim_slab_raw_audit_owners(&slab->raw, report);
}
