// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* prom.c - Prometheus text exposition. */
#include <stdarg.h>

#include "prom.h"

/* Label values escape backslash, double quote and newline. */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_sample(FILE *f, const char *name, double value, ...)
{
	const char *k, *sep = "{";
	va_list ap;

	fputs(name, f);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *))) {
		fprintf(f, "%s%s=\"", sep, k);
		label_value(f, va_arg(ap, const char *));
		fputc('"', f);
		sep = ",";
	}
	va_end(ap);
	fprintf(f, "%s %.17g\n", *sep == ',' ? "}" : "", value);
}

void prom_metric(FILE *f, const char *name, const char *type, const char *help, double value)
{
	prom_family(f, name, type, help);
	prom_sample(f, name, value, NULL);
}
