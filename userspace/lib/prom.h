/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * prom.h - the one way vigil writes a metric: Prometheus text exposition
 * format 0.0.4, HELP and TYPE once per family, label values escaped.
 */
#ifndef VIGIL_PROM_H
#define VIGIL_PROM_H

#include <stdio.h>

/* "# HELP name help" and "# TYPE name type". */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* One sample: name{k1="v1",...} value. The label pairs are NULL-terminated
 * (key, value, key, value, ..., NULL); none: just NULL. */
void prom_sample(FILE *f, const char *name, double value, ...) __attribute__((sentinel));
/* A family of one unlabelled sample. */
void prom_metric(FILE *f, const char *name, const char *type, const char *help, double value);

#endif /* VIGIL_PROM_H */
