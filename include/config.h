/*
 * config.h - runway.conf, parsed.  Pure logic: the loader reads the file,
 * this turns its bytes into a struct config.
 *
 * Syntax: one `key = value` per line; `#` starts a comment line; blank
 * lines are ignored; surrounding spaces are trimmed.  Keys:
 *   kernel = /path        ELF64 kernel on the loader's volume
 *   cmdline = text        command line handed to the kernel
 *   exit-after = yes|no   power off after the entry fails (tests)
 *   map-dump = yes|no     print the firmware's and the normalized memory map
 *   fragment = SIZE       debug: claim every other SIZE piece of free memory
 *                         while loading (SIZE in bytes, or with K, M, G)
 */
#ifndef RUNWAY_CONFIG_H
#define RUNWAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define CONFIG_PATH_MAX 256
#define CONFIG_CMDLINE_MAX 1024

struct config {
	char kernel[CONFIG_PATH_MAX];
	char cmdline[CONFIG_CMDLINE_MAX];
	bool exit_after;
	bool map_dump;
	uint64_t fragment; /* bytes; 0 = off */
};

/* Parse text[0..len).  On error err names the line and the key. */
int config_parse(const char *text, size_t len, struct config *ret_cfg,
		 struct rw_err *err);

#endif
