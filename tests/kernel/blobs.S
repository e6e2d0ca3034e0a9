/*
 * blobs.S - pulls the generated pattern blobs into the test kernel image:
 * the .rodata blob into the read-only segment and the .data blob (a few KiB,
 * or BIG_DATA_MIB MiB) into the read-write segment, with .incbin, so a big
 * data segment costs the compiler nothing.
 *
 * DATA_BLOB and RODATA_BLOB are the blob file paths, as quoted strings,
 * passed with -D by kernel.mk; the sizes are checked against pattern.h here.
 */
#include "pattern.h"

	.section .rodata.blob, "a", @progbits
	.balign 64
	.globl rodata_blob_start, rodata_blob_end
rodata_blob_start:
	.incbin RODATA_BLOB
rodata_blob_end:
	.if (rodata_blob_end - rodata_blob_start) != TEST_RODATA_BLOB_BYTES
	.error "rodata blob size does not match TEST_RODATA_BLOB_BYTES"
	.endif

	.section .data.big, "aw", @progbits
	.balign 64
	.globl data_blob_start, data_blob_end
data_blob_start:
	.incbin DATA_BLOB
data_blob_end:
	.if (data_blob_end - data_blob_start) != TEST_DATA_BLOB_BYTES
	.error "data blob size does not match TEST_DATA_BLOB_BYTES"
	.endif

	.section .note.GNU-stack, "", @progbits
