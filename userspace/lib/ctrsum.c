// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ctrsum.c - a monotonic sum of counters that come, go and restart. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctrsum.h"

int ctrsum_init(struct ctrsum *c, size_t width)
{
	memset(c, 0, sizeof(*c));
	c->width = width;
	c->total = calloc(width, sizeof(*c->total));
	return c->total ? 0 : -ENOMEM;
}

void ctrsum_free(struct ctrsum *c)
{
	free(c->total);
	free(c->last);
	free(c->next);
	memset(c, 0, sizeof(*c));
}

int ctrsum_part(struct ctrsum *c, uint64_t key, const uint64_t *values)
{
	size_t row = c->width + 1;
	uint64_t *r;

	if (c->nnext == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		uint64_t *last = realloc(c->last, cap * row * sizeof(*last));

		if (!last)
			return -ENOMEM;
		c->last = last;
		r = realloc(c->next, cap * row * sizeof(*r));
		if (!r)
			return -ENOMEM;
		c->next = r;
		c->cap = cap;
	}
	r = c->next + c->nnext++ * row;
	r[0] = key;
	memcpy(r + 1, values, c->width * sizeof(*values));
	return 0;
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void ctrsum_end(struct ctrsum *c)
{
	size_t row = c->width + 1, i = 0;
	uint64_t *swap;

	qsort(c->next, c->nnext, row * sizeof(*c->next), by_key);
	for (size_t j = 0; j < c->nnext; j++) {
		const uint64_t *now = c->next + j * row, *was = NULL;
		int restarted = 0;

		while (i < c->nlast && c->last[i * row] < now[0])
			i++;
		if (i < c->nlast && c->last[i * row] == now[0])
			was = c->last + i * row;
		for (size_t k = 1; was && k < row; k++)
			restarted |= now[k] < was[k];
		for (size_t k = 1; k < row; k++)
			c->total[k - 1] += was && !restarted ? now[k] - was[k] : now[k];
	}
	swap = c->last;
	c->last = c->next;
	c->next = swap;
	c->nlast = c->nnext;
	c->nnext = 0;
}
